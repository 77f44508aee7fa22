"""Webhooks: participants' endpoints receive the events that concern them, signed, retried."""
