"""Webhook use cases (endpoints, the delivery log) and the worker's fan-out and delivery jobs."""
