"""A webhook receiver for bench/webhooks.py: answers every POST with 204, as fast as it can."""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def hook(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


async def healthz(request: Request) -> Response:
    return Response("ok")


app = Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/healthz", healthz)])

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
