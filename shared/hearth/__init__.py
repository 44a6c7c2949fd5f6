"""Hearth: the backend a multi-tenant SaaS puts behind its front end."""

__version__ = "0.1.0"
