"""The double-entry ledger every business model posts to (TigerBeetle's account/transfer model)."""
