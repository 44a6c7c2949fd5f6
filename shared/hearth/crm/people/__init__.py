"""People: contacts, usually working at a company."""
