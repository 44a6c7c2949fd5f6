"""Pipelines and their ordered stages, each with a win probability. Every org has a default
pipeline (made by the database when the org is created)."""
