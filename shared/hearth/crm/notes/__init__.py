"""Notes: free text about records (linked to companies, people, deals or projects)."""
