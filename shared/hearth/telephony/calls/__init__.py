"""Calls: the voice webhooks (``voice``), the API's rules (``logic``), the recording copier
(``recordings``) and their data access (``store``)."""
