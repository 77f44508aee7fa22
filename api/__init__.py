"""The running service: settings, stores, HTTP/WebSocket app, observability and the CLI."""
