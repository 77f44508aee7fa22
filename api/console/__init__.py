"""The operator console at /console: static pages and a small script, a client of the public
GraphQL API through a cookie session that only operators get (api/console/session.py)."""
