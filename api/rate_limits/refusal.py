"""What a refused caller receives over HTTP: 429, Retry-After and a GraphQL error list."""

from __future__ import annotations

import json

from starlette.responses import Response

from domain.rate_limits import RateLimited


def rate_limited_response(retry_after_seconds: int, media_type: str) -> Response:
    """429 with Retry-After; the body's error carries code RATE_LIMITED and retryAfter.

    `media_type` is the one negotiated with the client (`api.graphql_http.negotiate`).
    """
    error = RateLimited(retry_after_seconds)
    body = {
        "errors": [
            {
                "message": error.message,
                "extensions": {"code": error.code, "retryAfter": retry_after_seconds},
            }
        ]
    }
    return Response(
        json.dumps(body).encode(),
        status_code=429,
        headers={"Retry-After": str(retry_after_seconds), "Cache-Control": "no-store"},
        media_type=f"{media_type}; charset=utf-8",
    )
