"""Starting and stopping the relay: inside the API's lifespan, or alone as `agora relay`."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from api.background import in_background
from api.events.relay import OutboxRelay, RelaySettings
from api.metrics import Metrics
from api.redis_clients import redis_client
from api.settings import Settings


def relay_settings(settings: Settings) -> RelaySettings:
    return RelaySettings(
        stream_maxlen=settings.event_stream_maxlen,
        database_timeout_seconds=settings.relay_database_timeout_seconds,
    )


def running_relay(relay: OutboxRelay) -> contextlib.AbstractAsyncContextManager[None]:
    """The relay runs in the background for the life of the block."""
    return in_background("outbox-relay", relay.run, relay.stop, grace_seconds=5)


async def run_relay_until_signalled(settings: Settings, database_url: str, redis_url: str) -> None:
    client = redis_client(redis_url)
    relay = OutboxRelay(
        database_url=database_url,
        redis_client=client,
        metrics=Metrics(),
        settings=relay_settings(settings),
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, relay.stop)
    try:
        await relay.run()
    finally:
        await client.aclose()
