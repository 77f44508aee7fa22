"""Probes: /healthz says the process is alive, /readyz that its stores answer, /metrics."""

from __future__ import annotations

import asyncio
import hmac

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.metrics import Metrics
from api.settings import Settings
from api.stores import Stores


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when both stores answer. The event backlog is reported, not judged: mutations
    still work while events wait, so a lagging relay must not take the API out of rotation."""
    stores: Stores = request.app.state.stores
    database, redis, backlog = await asyncio.gather(
        stores.database_ready(), stores.redis_ready(), stores.event_backlog()
    )
    checks = {"database": "ok" if database else "down", "redis": "ok" if redis else "down"}
    ready = database and redis
    body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
    if backlog is not None:
        unpublished, lag_seconds = backlog
        body["events"] = {"unpublished": unpublished, "lagSeconds": round(lag_seconds, 3)}
    return JSONResponse(body, status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    """Prometheus text, behind AGORA_METRICS_TOKEN when it is set; production without a token
    does not serve it at all (what is inside helps an attacker: routes, load, pool sizes)."""
    settings: Settings = request.app.state.settings
    if settings.metrics_token is None:
        if settings.env == "production":
            return PlainTextResponse("Not Found", status_code=404)
    elif not _bearer_matches(request, settings.metrics_token.get_secret_value()):
        return PlainTextResponse(
            "Unauthorized: send the metrics token as 'Authorization: Bearer <token>'",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), token.encode()
    )
