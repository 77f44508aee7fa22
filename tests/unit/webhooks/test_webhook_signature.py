"""Standard Webhooks signatures: the published test vector, and what the verifier refuses."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.webhooks.signature import (
    BadSignature,
    MemorySeenIds,
    MissingHeaders,
    Replayed,
    TimestampOutOfTolerance,
    new_secret,
    secret_key,
    sign,
    signed_headers,
    verify,
)

# The test vector published with the Standard Webhooks specification.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
SIGNED_AT = datetime.fromtimestamp(VECTOR_TIMESTAMP, tz=UTC)


def vector_headers(**overrides: str) -> dict[str, str]:
    return {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
        **overrides,
    }


def test_signing_reproduces_the_published_test_vector() -> None:
    signature = sign(
        [VECTOR_SECRET], message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY
    )

    assert signature == VECTOR_SIGNATURE


def test_the_published_test_vector_verifies() -> None:
    message_id = verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET], now=SIGNED_AT)

    assert message_id == VECTOR_ID


def test_header_names_are_case_insensitive() -> None:
    headers = {name.upper(): value for name, value in vector_headers().items()}

    assert verify(headers, VECTOR_BODY, [VECTOR_SECRET], now=SIGNED_AT) == VECTOR_ID


@pytest.mark.parametrize(
    ("what", "headers", "body", "secret"),
    [
        ("tampered body", vector_headers(), b'{"test": 2432232315}', VECTOR_SECRET),
        # a fixed "other" secret: test ids must be the same in every pytest-xdist worker
        (
            "another secret",
            vector_headers(),
            VECTOR_BODY,
            "whsec_" + base64.b64encode(b"another secret, 32 bytes long...").decode(),
        ),
        ("another id", vector_headers(**{"webhook-id": "msg_other"}), VECTOR_BODY, VECTOR_SECRET),
        (
            "unknown version",
            vector_headers(**{"webhook-signature": "v2," + VECTOR_SIGNATURE[3:]}),
            VECTOR_BODY,
            VECTOR_SECRET,
        ),
        (
            "garbage",
            vector_headers(**{"webhook-signature": "v1,not base64 at all"}),
            VECTOR_BODY,
            VECTOR_SECRET,
        ),
    ],
)
def test_a_bad_signature_is_refused(
    what: str, headers: dict[str, str], body: bytes, secret: str
) -> None:
    with pytest.raises(BadSignature):
        verify(headers, body, [secret], now=SIGNED_AT)


def test_a_changed_timestamp_breaks_the_signature() -> None:
    headers = vector_headers(**{"webhook-timestamp": str(VECTOR_TIMESTAMP + 1)})

    with pytest.raises(BadSignature):
        verify(headers, VECTOR_BODY, [VECTOR_SECRET], now=SIGNED_AT)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_refused(missing: str) -> None:
    headers = vector_headers()
    del headers[missing]

    with pytest.raises(MissingHeaders):
        verify(headers, VECTOR_BODY, [VECTOR_SECRET], now=SIGNED_AT)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(minutes=5), True),
        (timedelta(minutes=-5), True),
        (timedelta(minutes=5, seconds=1), False),  # too old: a replay
        (timedelta(minutes=-5, seconds=-1), False),  # from the future
        (timedelta(days=-365), False),
    ],
)
def test_timestamps_outside_the_tolerance_either_way_are_refused(
    offset: timedelta, accepted: bool
) -> None:
    now = SIGNED_AT + offset

    if accepted:
        assert verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET], now=now) == VECTOR_ID
    else:
        with pytest.raises(TimestampOutOfTolerance):
            verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET], now=now)


def test_a_timestamp_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(TimestampOutOfTolerance):
        verify(
            vector_headers(**{"webhook-timestamp": "yesterday"}),
            VECTOR_BODY,
            [VECTOR_SECRET],
            now=SIGNED_AT,
        )


def test_a_replayed_message_is_refused_once_seen() -> None:
    seen = MemorySeenIds()
    verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET], now=SIGNED_AT, seen=seen)

    with pytest.raises(Replayed):
        verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET], now=SIGNED_AT, seen=seen)


def test_a_forgery_does_not_use_up_the_message_id() -> None:
    seen = MemorySeenIds()
    with pytest.raises(BadSignature):
        verify(vector_headers(), b"{}", [VECTOR_SECRET], now=SIGNED_AT, seen=seen)

    assert verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET], now=SIGNED_AT, seen=seen)


def test_during_a_rotation_either_secret_verifies_a_doubly_signed_message() -> None:
    old, new = new_secret(), new_secret()
    headers = signed_headers([new, old], message_id="evt_1", timestamp=VECTOR_TIMESTAMP, body=b"{}")

    assert len(headers["webhook-signature"].split()) == 2
    assert verify(headers, b"{}", [old], now=SIGNED_AT) == "evt_1"
    assert verify(headers, b"{}", [new], now=SIGNED_AT) == "evt_1"
    with pytest.raises(BadSignature):
        verify(headers, b"{}", [new_secret()], now=SIGNED_AT)


def test_secrets_are_whsec_and_base64_of_random_bytes() -> None:
    secret = new_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != new_secret()
    assert secret_key(secret) == secret_key(secret.removeprefix("whsec_"))


@pytest.mark.parametrize("size", [23, 65])
def test_secrets_hold_24_to_64_bytes(size: int) -> None:
    with pytest.raises(ValueError, match=r"24\.\.64"):
        new_secret(size)
    with pytest.raises(ValueError, match=r"24\.\.64"):
        secret_key("whsec_" + base64.b64encode(b"k" * size).decode())


@given(
    body=st.binary(max_size=2048),
    message_id=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1),
    timestamp=st.integers(min_value=0, max_value=2**33),
    skew=st.integers(min_value=-300, max_value=300),
    size=st.integers(min_value=24, max_value=64),
)
def test_whatever_we_sign_verifies_and_any_change_to_the_body_does_not(
    body: bytes, message_id: str, timestamp: int, skew: int, size: int
) -> None:
    secret = new_secret(size)
    headers = signed_headers([secret], message_id=message_id, timestamp=timestamp, body=body)
    now = datetime.fromtimestamp(timestamp + skew, tz=UTC)

    assert verify(headers, body, [secret], now=now) == message_id
    with pytest.raises(BadSignature):
        verify(headers, body + b" ", [secret], now=now)
