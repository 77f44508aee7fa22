"""The console's CSRF verdicts: its own origin only (or a trusted one), and the double-submit
token equal to its cookie."""

from __future__ import annotations

import pytest

from api.console.cookies import CSRF_COOKIE, csrf_matches, same_origin


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://agora.test", "agora.test", True),
        ("https://agora.test", "agora.test:443", True),  # TLS ended at a proxy
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
        ("https://evil.example", "agora.test", False),
        ("https://agora.test.evil.example", "agora.test", False),
        ("null", "agora.test", False),
        (None, "agora.test", False),
        ("http://agora.test", None, False),
    ],
)
def test_only_the_console_s_own_origin_is_accepted(
    origin: str | None, host: str | None, allowed: bool
) -> None:
    assert same_origin(origin, host=host) is allowed


def test_a_trusted_origin_is_accepted_as_configured() -> None:
    assert same_origin(
        "https://ops.agora.test", host="api:8000", trusted=["https://ops.agora.test/"]
    )
    assert not same_origin("https://ops.agora.test", host="api:8000", trusted=[])


@pytest.mark.parametrize(
    ("cookie", "presented", "matches"),
    [
        ("t0ken", "t0ken", True),
        ("t0ken", "t0kem", False),
        ("t0ken", None, False),
        ("t0ken", "", False),
        (None, "t0ken", False),
    ],
)
def test_the_double_submit_token_must_equal_its_cookie(
    cookie: str | None, presented: str | None, matches: bool
) -> None:
    cookies = {} if cookie is None else {CSRF_COOKIE: cookie}
    assert csrf_matches(cookies, presented) is matches
