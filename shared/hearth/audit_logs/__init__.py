"""Reading the audit log and verifying its hash chain."""
