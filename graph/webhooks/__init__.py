"""Webhooks in GraphQL: endpoints, the delivery log, redelivery."""
