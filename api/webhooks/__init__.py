"""Webhook delivery over HTTP: the sender the worker's delivery job POSTs through."""
