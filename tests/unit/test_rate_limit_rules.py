"""The pure parts of rate limiting: parsing limits, naming callers, the refusal error."""

from __future__ import annotations

import pytest

from api.rate_limits import RateLimitPolicy, client_ip_key, hashed_key, parse_limit
from domain.errors import DomainError
from domain.rate_limits import RateLimited


def test_a_limit_reads_as_written() -> None:
    limit = parse_limit("10/minute")

    assert (limit.amount, limit.get_expiry()) == (10, 60)
    assert parse_limit("5 per 30 seconds").get_expiry() == 30


@pytest.mark.parametrize(
    "text", ["10/minit", "ten/minute", "", "0/minute", "1000000/minute", "5/minute;100/hour"]
)
def test_a_mistyped_limit_fails_at_start(text: str) -> None:
    with pytest.raises(ValueError, match=r"limit|amount"):
        parse_limit(text)


def test_the_policy_parses_every_limit_at_construction() -> None:
    policy = RateLimitPolicy.from_strings()

    assert policy.login_per_account.amount == 10
    assert policy.per_ip.amount >= policy.per_client.amount  # many clients share an IP
    with pytest.raises(ValueError, match="login"):
        RateLimitPolicy.from_strings(login_per_ip="10/minit")


@pytest.mark.parametrize(
    ("client", "key"),
    [
        (("203.0.113.7", 5000), "203.0.113.7"),
        (("2001:db8:1:2:3:4:5:6", 5000), "2001:db8:1:2::/64"),
        (("2001:db8:1:2:ffff::1", 5000), "2001:db8:1:2::/64"),  # same /64, same budget
        (("::ffff:203.0.113.7", 5000), "203.0.113.7"),
        (("testclient", 50000), "testclient"),
        (None, None),
    ],
)
def test_callers_are_told_apart_by_address(client: tuple[str, int] | None, key: str | None) -> None:
    assert client_ip_key({"type": "http", "client": client}) == key


def test_keys_are_hashed_to_a_fixed_size() -> None:
    assert len(hashed_key("a")) == len(hashed_key("a" * 100_000)) == 32
    assert hashed_key("alice") != hashed_key("Alice")


def test_a_refusal_is_a_domain_error_that_says_when_to_retry() -> None:
    error = RateLimited(7)

    assert isinstance(error, DomainError)
    assert (error.code, error.retry_after_seconds) == ("RATE_LIMITED", 7)
    assert str(error) == "Too many requests: retry in 7 s"
    with pytest.raises(ValueError, match="at least one second"):
        RateLimited(0)
