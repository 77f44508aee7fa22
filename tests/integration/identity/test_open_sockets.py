"""The watch over open WebSockets: announcements end the sockets they name at once; the
periodic re-check ends those an announcement missed (revocation keys, API keys' rows)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from api.security.open_sockets import OpenSockets, WatchedSocket
from api.security.revocations import RedisRevocations, Revocation
from domain.clock import SystemClock
from domain.participants.services.revoked_sessions import TokenGrant
from support.graphql import signed_in
from support.security import Caller, insert_api_key, key_of

NOW = int(SystemClock().now().timestamp())


class Ends:
    """The sockets' `end` callbacks, recording which socket ended."""

    def __init__(self) -> None:
        self.ended: list[str] = []
        self.changed = asyncio.Event()

    def of(self, name: str) -> Callable[[], Awaitable[None]]:
        async def end() -> None:
            self.ended.append(name)
            self.changed.set()

        return end

    async def wait_for(self, count: int) -> list[str]:
        async with asyncio.timeout(10):
            while len(self.ended) < count:
                self.changed.clear()
                await self.changed.wait()
        return sorted(self.ended)


def unstarted_watch(app: Starlette) -> OpenSockets:
    """A watch that hears no announcement: only its re-check can end sockets."""
    services = app.state.services
    return OpenSockets(
        redis_client=services.stores.redis,
        revocations=services.revocations,
        engine=services.stores.engine,
        clock=SystemClock(),
        recheck_seconds=3600,
    )


def person_socket(watch: OpenSockets, ends: Ends, name: str, grant: TokenGrant) -> WatchedSocket:
    return watch.watch(grant.participant_id, grant=grant, api_key_id=None, end=ends.of(name))


async def test_an_announcement_ends_the_sockets_it_names_at_once(app: Starlette) -> None:
    watch: OpenSockets = app.state.open_sockets
    revocations: RedisRevocations = app.state.services.revocations
    ends = Ends()
    alice, bob = uuid4(), uuid4()
    session, other_session = uuid4(), uuid4()
    key = uuid4()
    person_socket(watch, ends, "alice", TokenGrant(session, alice, NOW))
    person_socket(watch, ends, "alice elsewhere", TokenGrant(other_session, alice, NOW))
    person_socket(
        watch, ends, "bob", TokenGrant(uuid4(), bob, int(SystemClock().now().timestamp()) - 10)
    )
    watch.watch(bob, grant=None, api_key_id=key, end=ends.of("bob's key"))
    await asyncio.wait_for(watch.listening.wait(), 10)

    await revocations.revoke_session(session)
    assert await ends.wait_for(1) == ["alice"]
    await revocations.revoke_api_key(key)
    assert await ends.wait_for(2) == ["alice", "bob's key"]
    await revocations.revoke_all_issued_before(bob, SystemClock().now())
    assert await ends.wait_for(3) == ["alice", "bob", "bob's key"]
    assert watch.count == 1  # alice's other session goes on


async def test_the_recheck_ends_what_an_announcement_missed(app: Starlette) -> None:
    watch = unstarted_watch(app)
    revocations: RedisRevocations = app.state.services.revocations
    ends = Ends()
    alice, bob, carol = uuid4(), uuid4(), uuid4()
    logged_out = uuid4()
    now = SystemClock().now()
    issued = int(now.timestamp())
    person_socket(watch, ends, "alice", TokenGrant(logged_out, alice, issued))
    person_socket(watch, ends, "bob before", TokenGrant(uuid4(), bob, issued - 10))
    person_socket(watch, ends, "bob after", TokenGrant(uuid4(), bob, issued))  # a new session
    person_socket(watch, ends, "carol", TokenGrant(uuid4(), carol, issued))
    await revocations.revoke_session(logged_out)
    await revocations.revoke_all_issued_before(bob, now)

    await watch.recheck()

    assert await ends.wait_for(2) == ["alice", "bob before"]
    assert watch.count == 2


async def test_the_recheck_ends_sockets_whose_access_token_has_expired(app: Starlette) -> None:
    watch = unstarted_watch(app)
    ends = Ends()
    now = int(time.time())
    for name, expires_at in [("expired", now - 1), ("live", now + 600), ("no expiry", None)]:
        watch.watch(
            uuid4(),
            grant=TokenGrant(uuid4(), uuid4(), now - 60),
            api_key_id=None,
            end=ends.of(name),
            expires_at=expires_at,
        )

    await watch.recheck()

    assert await ends.wait_for(1) == ["expired"]
    assert watch.count == 2


async def test_the_recheck_ends_sockets_of_revoked_and_expired_keys(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    merchant = await signed_in(client, roles=["MERCHANT"], kind="BUSINESS")
    owner = Caller("merchant", merchant.access_token, merchant.id, merchant.email)
    live, revoked, expired = [key_of(await insert_api_key(app, owner)) for _ in range(3)]
    async with app.state.services.stores.engine.begin() as conn:
        await conn.execute(
            text("UPDATE api_key SET revoked_at = now() WHERE id = :id"), {"id": revoked}
        )
        await conn.execute(
            text("UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": expired},
        )
    watch = unstarted_watch(app)
    ends = Ends()
    owner_id = key_of(merchant.id)
    for name, key in [
        ("live", live),
        ("revoked", revoked),
        ("expired", expired),
        ("unknown", uuid4()),
    ]:
        watch.watch(owner_id, grant=None, api_key_id=key, end=ends.of(name))

    await watch.recheck()

    assert await ends.wait_for(3) == ["expired", "revoked", "unknown"]
    assert watch.count == 1


@pytest.mark.parametrize(
    "revocation",
    [
        Revocation(session_id=uuid4()),
        Revocation(api_key_id=uuid4()),
        Revocation(participant_id=uuid4(), issued_before=NOW),
        Revocation(),
    ],
)
def test_announcements_read_back_as_sent(revocation: Revocation) -> None:
    assert Revocation.decode(revocation.encode()) == revocation


@pytest.mark.parametrize("garbage", [b"", b"[]", b"{not json", b'{"session": "x"}', b"\xff"])
def test_a_message_that_is_no_announcement_is_ignored(garbage: bytes) -> None:
    assert Revocation.decode(garbage) is None


def test_a_socket_is_revoked_only_by_what_names_it() -> None:
    grant = TokenGrant(uuid4(), uuid4(), NOW)
    socket = WatchedSocket(grant.participant_id, grant, None, end=None)  # type: ignore[arg-type]

    assert socket.revoked_by(Revocation(session_id=grant.session_id))
    assert not socket.revoked_by(Revocation(session_id=uuid4()))
    assert socket.revoked_by(Revocation(participant_id=grant.participant_id, issued_before=NOW + 1))
    assert not socket.revoked_by(Revocation(participant_id=grant.participant_id, issued_before=NOW))
    assert not socket.revoked_by(Revocation(participant_id=uuid4(), issued_before=NOW + 1))
    assert not socket.revoked_by(Revocation(api_key_id=uuid4()))
