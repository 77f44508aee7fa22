"""A subscriber that stops reading is cut off with SLOW_CONSUMER; the others do not wait."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from uuid import UUID

import httpx
import pytest
import redis.asyncio as redis
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from domain.events.catalog import EventType
from support.events import publish
from support.server import ServerProcess, server_env
from support.stores import StoreUrls
from support.subscribers import EVENTS, published_high_water, received, sign_up, ws_session

BUFFER = 30  # a reading client may fall this many events behind (a pause of ~0.6 s)
EVENT_COUNT = 250  # 8 MB: more than the server's socket buffer (4 MB) can absorb
PACE_SECONDS = 0.02
BLOB = "x" * 32_768  # large events fill the socket buffers of a client that does not read


@pytest.fixture
async def small_buffer_server(stores: StoreUrls) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(server_env(stores, AGORA_SUBSCRIBER_BUFFER=str(BUFFER)))
    await asyncio.to_thread(process.start)
    yield process
    await asyncio.to_thread(process.stop)


async def subscribers_of(server: ServerProcess) -> float:
    async with httpx.AsyncClient() as http:
        metrics = (await http.get(server.url + "/metrics")).text
    [line] = [m for m in metrics.splitlines() if m.startswith("agora_event_subscribers ")]
    return float(line.split()[1])


async def wait_for_subscribers(server: ServerProcess, n: int) -> None:
    for _ in range(200):
        if await subscribers_of(server) >= n:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"fewer than {n} subscribers registered")


class StalledClient:
    """A graphql-transport-ws client on a plain socket with a small receive buffer that reads
    only when asked: while it does not, the server's writes to it back up."""

    def __init__(self, server: ServerProcess) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", server.port))
        self.protocol = ClientProtocol(
            parse_uri(server.ws_url), subprotocols=[Subprotocol("graphql-transport-ws")]
        )
        self.protocol.send_request(self.protocol.connect())
        self.frames: list[dict] = []
        self._flush()
        while self.protocol.state is not State.OPEN:  # the handshake's answer
            self._read()

    def send(self, message: dict) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def receive(self) -> dict:
        """The next message (blocking)."""
        while not self.frames:
            self._read()
        return self.frames.pop(0)

    def _read(self) -> None:
        self.protocol.receive_data(self.sock.recv(65536))
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.frames.append(json.loads(event.data))
        self._flush()

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            self.sock.sendall(data)


def subscribe_and_stall(server: ServerProcess, token: str, after: str) -> StalledClient:
    client = StalledClient(server)
    client.send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    assert client.receive()["type"] == "connection_ack"
    client.send(
        {
            "id": "slow",
            "type": "subscribe",
            "payload": {
                "query": "subscription($a: String) { events(types: [LOAN_FUNDED], after: $a) "
                "{ cursor payload } }",
                "variables": {"a": after},
            },
        }
    )
    return client


def read_to_the_end(client: StalledClient) -> tuple[list[str], dict]:
    """The cursors it received, and the message that ended its subscription."""
    cursors = []
    while True:
        message = client.receive()
        if message["type"] == "next" and "errors" not in message["payload"]:
            cursors.append(message["payload"]["data"]["events"]["cursor"])
        else:
            return cursors, message


async def test_a_slow_subscriber_is_cut_off_while_a_fast_one_keeps_receiving(
    small_buffer_server: ServerProcess, stores: StoreUrls
) -> None:
    server = small_buffer_server
    alice = await sign_up(server)
    after = await published_high_water(stores)
    slow = await asyncio.to_thread(subscribe_and_stall, server, alice.token, after)
    engine = create_async_engine(stores.database_url)
    client = redis.Redis.from_url(stores.redis_url)
    try:
        async with ws_session(server, alice) as fast:
            fast_hears = asyncio.create_task(
                received(fast, EVENTS, EVENT_COUNT, within=60, types=["LOAN_FUNDED"], after=after)
            )
            await wait_for_subscribers(server, 2)  # both live before anything happens
            sent = []
            for n in range(EVENT_COUNT):
                sent.append(
                    await publish(
                        engine,
                        client,
                        EventType.LOAN_FUNDED,
                        audience=[UUID(alice.participant)],
                        payload={"n": n, "blob": BLOB},
                    )
                )
                # A reading client keeps up with events a few ms apart (a burst faster than
                # the loopback can carry would overflow a small buffer); one that does not
                # read falls behind all the same.
                await asyncio.sleep(PACE_SECONDS)
            fast_got = await fast_hears

        slow_got, ending = await asyncio.wait_for(asyncio.to_thread(read_to_the_end, slow), 60)
    finally:
        slow.sock.close()
        await client.aclose()
        await engine.dispose()

    assert [int(e["cursor"]) for e in fast_got] == sent  # all, in order: nobody waited
    assert [e["payload"]["n"] for e in fast_got] == list(range(EVENT_COUNT))
    assert ending["type"] == "next"
    [error] = ending["payload"]["errors"]
    assert error["extensions"]["code"] == "SLOW_CONSUMER"
    assert "after" in error["message"]  # tells it how to come back
    assert len(slow_got) < EVENT_COUNT
    assert [int(c) for c in slow_got] == sent[: len(slow_got)]  # what it got, it got in order
    assert await subscribers_of(server) == 0
