"""Org members and their roles."""
