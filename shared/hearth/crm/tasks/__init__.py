"""Tasks: to-dos linked to records, with dependencies between them."""
