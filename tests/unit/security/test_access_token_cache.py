"""Verified access tokens are remembered until they expire, never beyond, and only as sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from api.security import tokens
from api.security.tokens import InvalidAccessToken, JwtAccessTokens
from domain.actors import Actor, ActorKind
from domain.participants.roles import Role

SECRET = b"k" * 32


def _person() -> Actor:
    return Actor(
        ActorKind.PERSON,
        participant_id=uuid4(),
        roles=frozenset({Role.INVESTOR}),
        session_id=uuid4(),
    )


def test_a_remembered_token_still_expires_by_the_injected_clock() -> None:
    now = datetime.now(UTC)
    issuer = JwtAccessTokens(SECRET)
    token = issuer.issue(_person(), now=now).token

    first = issuer.verify(token, now=now)
    again = issuer.verify(token, now=now + timedelta(minutes=14))

    assert again == first
    with pytest.raises(InvalidAccessToken):
        issuer.verify(token, now=now + timedelta(minutes=15))


def test_a_tampered_copy_of_a_remembered_token_is_refused() -> None:
    now = datetime.now(UTC)
    issuer = JwtAccessTokens(SECRET)
    token = issuer.issue(_person(), now=now).token
    issuer.verify(token, now=now)

    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    with pytest.raises(InvalidAccessToken):
        issuer.verify(tampered, now=now)
    with pytest.raises(InvalidAccessToken):  # and another key's token is not ours
        JwtAccessTokens(b"o" * 32).verify(token, now=now)


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 3)
    now = datetime.now(UTC)
    issuer = JwtAccessTokens(SECRET)
    issued = [issuer.issue(_person(), now=now).token for _ in range(5)]

    claims = [issuer.verify(token, now=now) for token in issued]

    assert len({c.participant_id for c in claims}) == 5
    assert len(issuer._verified) == 3  # the oldest two were let go
    assert issuer.verify(issued[0], now=now) == claims[0]  # verified afresh
