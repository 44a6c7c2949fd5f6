"""The webhook wing's SQL: endpoint rows, and the delivery ledger (deliveries and attempts)."""
