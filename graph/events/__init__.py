"""Real-time events: typed subscriptions and the generic `events` stream."""
