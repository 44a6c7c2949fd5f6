"""``hearth template``: the SAM templates' function sections, written from the function modules."""
