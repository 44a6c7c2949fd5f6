"""The data lifecycle: retention policy and purges, backup checks, exports and account deletion."""
