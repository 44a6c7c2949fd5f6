"""Inbound email: the org's addresses at the deployment's inbound domain, SES's receipt rule
storing each message in the inbound email bucket, and the consumer that parses it
(``parsing``), finds the orgs and people (``store``) and stores it on their timelines
(``receiver``); the routes' side is ``logic``."""
