"""Probes: /healthz says the process is alive, /readyz that its stores answer, /metrics."""

from __future__ import annotations

import asyncio

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.metrics import Metrics
from api.stores import Stores


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    stores: Stores = request.app.state.stores
    database, redis = await asyncio.gather(stores.database_ready(), stores.redis_ready())
    checks = {"database": "ok" if database else "down", "redis": "ok" if redis else "down"}
    ready = database and redis
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )


async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)
