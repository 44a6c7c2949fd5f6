"""The AI assistant: runs of fixed tasks (summarize, draft a reply, next actions, ask) over the
org's own data, queued by the API and carried out by the AI worker; the usage ledger and the
monthly token budget per plan; the org's redaction settings."""
