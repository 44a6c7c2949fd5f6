"""Providers of the inbound webhook kit (``hearth.hooks``): one module each, importing its SDK
only inside ``verify``."""
