"""Projects (standalone or from a won deal), their members and their summary: budget against
logged time, open against done tasks."""
