"""The event bus: the outbox relay, Redis Streams, and the per-process subscription hub."""
