"""The baseline: a bare Redis XREAD -> WebSocket relay, for bench/fanout.py.

One task reads one stream with XREAD BLOCK and puts each entry into every connected
socket's queue; each socket's handler sends what its queue holds. The same shape as Agora's
hub (one reader, an in-memory queue per subscriber, a task per subscriber) with nothing
else: no GraphQL, no protocol, no authentication, no filtering, no cursor.

    python bench/bare_fanout.py --port 8002 --redis-url redis://127.0.0.1:6379/15
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import redis.asyncio as redis
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

STREAM = "bench:bare-fanout"


def build_app(redis_url: str) -> Starlette:
    queues: set[asyncio.Queue[bytes]] = set()

    async def read_stream() -> None:
        client = redis.Redis.from_url(redis_url, socket_timeout=10)
        last = b"$"
        while True:
            reply = await client.xread({STREAM: last}, count=100, block=5_000)
            for _, entries in reply or ():
                for entry_id, fields in entries:
                    last = entry_id
                    for queue in queues:
                        queue.put_nowait(fields[b"event"])

    async def subscriber(websocket: WebSocket) -> None:
        await websocket.accept()
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        queues.add(queue)
        try:
            sending = asyncio.create_task(_send_all(websocket, queue))
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await websocket.receive_text()  # until the client goes
            sending.cancel()
        finally:
            queues.discard(queue)

    async def count(_: Request) -> Response:
        return JSONResponse({"subscribers": len(queues)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        reader = asyncio.create_task(read_stream())
        yield
        reader.cancel()

    return Starlette(
        routes=[Route("/count", count), WebSocketRoute("/ws", subscriber)], lifespan=lifespan
    )


async def _send_all(websocket: WebSocket, queue: asyncio.Queue[bytes]) -> None:
    while True:
        await websocket.send_bytes(await queue.get())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args(argv)
    # The uvicorn settings api/cli.py uses for `agora serve`.
    uvicorn.run(
        build_app(args.redis_url),
        host="127.0.0.1",
        port=args.port,
        workers=1,
        log_config=None,
        log_level="warning",
        access_log=False,
        ws_max_size=1 << 20,
    )


if __name__ == "__main__":
    main()
