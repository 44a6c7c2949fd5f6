"""The CRM: companies, people, pipelines and deals, tasks, notes, interactions and the timeline,
projects, project members and time entries. Each area has ``models`` (input and output),
``store`` (its tables: the resource declaration and any SQL of its own) and ``logic`` (the rules)."""
