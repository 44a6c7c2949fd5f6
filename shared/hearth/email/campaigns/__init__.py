"""Email campaigns: one template sent to many people, expanded by a queue worker in chunks."""
