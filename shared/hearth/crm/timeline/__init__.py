"""The timeline of a company, person or deal: its interactions, the notes and tasks linked to it
and the changes of its fields, merged newest first."""
