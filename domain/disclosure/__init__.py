"""Public disclosure: the marketplace's operating figures, live and frozen each month."""
