"""Standard Webhooks signatures: signing our deliveries, and the verifier we ship to clients.

A delivery carries `webhook-id` (the message, the same on every retry), `webhook-timestamp`
(Unix seconds when this attempt was signed) and `webhook-signature`: one or more
space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per live secret,
so a receiver keeps verifying while a rotated secret overlaps the new one.

Pure: the standard library only, so clients may copy this module as it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

SECRET_PREFIX = "whsec_"  # noqa: S105  # a marker, not a secret
SECRET_BYTES = 32
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64
VERSION = "v1"
ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = (
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
)
DEFAULT_TOLERANCE = timedelta(minutes=5)


class WebhookVerificationError(ValueError):
    """The request is not an authentic, fresh delivery: answer 4xx and do not act on it."""


class MissingHeaders(WebhookVerificationError):
    pass


class TimestampOutOfTolerance(WebhookVerificationError):
    """Signed too long ago (a replay) or too far in the future (a clock or a forgery)."""


class BadSignature(WebhookVerificationError):
    pass


class Replayed(WebhookVerificationError):
    """Authentic, but this message id was accepted before: it is a copy, not news."""


class SeenMessageIds(Protocol):
    """Remembers accepted message ids for a while (a Redis SET NX EX, a table, a dict)."""

    def first_time(self, message_id: str, *, keep_until: datetime) -> bool:
        """Remember `message_id` until `keep_until`; False if it was already remembered."""
        ...


class MemorySeenIds:
    """A `SeenMessageIds` in this process's memory, for one process or a test."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}

    def first_time(self, message_id: str, *, keep_until: datetime) -> bool:
        if message_id in self._until:
            return False
        self._until[message_id] = keep_until
        return True

    def forget_older_than(self, moment: datetime) -> None:
        self._until = {m: until for m, until in self._until.items() if until > moment}


def new_secret(size: int = SECRET_BYTES) -> str:
    """A fresh endpoint secret: `whsec_` and the base64 of `size` random bytes."""
    if not MIN_SECRET_BYTES <= size <= MAX_SECRET_BYTES:
        raise ValueError(f"a secret has {MIN_SECRET_BYTES}..{MAX_SECRET_BYTES} bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(size)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_...` secret (the prefix is optional, as receivers paste it)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is whsec_ and base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(f"a webhook secret holds {MIN_SECRET_BYTES}..{MAX_SECRET_BYTES} bytes")
    return key


def _digest(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def sign(secrets_: Iterable[str], *, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one `v1,<base64>` per secret, space-separated."""
    signatures = [
        f"{VERSION},{_digest(secret_key(s), message_id, timestamp, body)}" for s in secrets_
    ]
    if not signatures:
        raise ValueError("signing needs at least one secret")
    return " ".join(signatures)


def signed_headers(
    secrets_: Iterable[str], *, message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers of one delivery attempt."""
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secrets_, message_id=message_id, timestamp=timestamp, body=body),
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets_: Iterable[str],
    *,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    seen: SeenMessageIds | None = None,
) -> str:
    """The message id of an authentic, fresh delivery; a WebhookVerificationError otherwise.

    `headers` may use any letter case; `body` is the raw request body, byte for byte (parse
    it only after this passes); `secrets_` are the endpoint's secrets (several while rotating).
    With `seen`, a message accepted before raises Replayed: answer 2xx and do nothing again.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get(ID_HEADER)
    stamp = lowered.get(TIMESTAMP_HEADER)
    presented = lowered.get(SIGNATURE_HEADER)
    if not message_id or not stamp or not presented:
        raise MissingHeaders("webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise TimestampOutOfTolerance("webhook-timestamp is not Unix seconds") from None
    # Both directions: an old stamp is a replay, a future one would outlive the replay window.
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        raise TimestampOutOfTolerance("webhook-timestamp is outside the tolerance")
    offered = [
        candidate.partition(",")[2]
        for candidate in presented.split()
        if candidate.partition(",")[0] == VERSION
    ]
    expected = [_digest(secret_key(s), message_id, timestamp, body) for s in secrets_]
    # Compare every pair (no early exit) so the time taken says nothing about which matched.
    matched = False
    for mine in expected:
        for theirs in offered:
            matched |= hmac.compare_digest(mine.encode(), theirs.encode())
    if not matched:
        raise BadSignature("no signature matches the endpoint's secrets")
    if seen is not None and not seen.first_time(
        message_id, keep_until=now + 2 * tolerance
    ):  # older copies fail the timestamp check anyway, so ids need keeping only this long
        raise Replayed(f"message {message_id} was already received")
    return message_id
