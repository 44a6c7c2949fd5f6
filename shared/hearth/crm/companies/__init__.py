"""Companies: the organisations a tenant does business with."""
