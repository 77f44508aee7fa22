"""The idempotency records' housekeeping jobs."""
