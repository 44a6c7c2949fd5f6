"""Time entries: minutes members spent on a project (and maybe one of its tasks)."""
