"""How often a caller may ask: limits parsed once at start, so a typo stops the process."""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, parse_many

# Scopes name what is counted; they are part of each Redis key and a metrics label, so
# only code defines them (never a client).
PER_IP = "ip"
PER_CLIENT = "client"
LOGIN_PER_IP = "login-ip"
LOGIN_PER_ACCOUNT = "login-account"

# The moving window keeps one Redis list entry per hit still in the window (~20 bytes):
# a limit in the hundreds of thousands would cost megabytes per key.
MAX_AMOUNT = 10_000


def parse_limit(text: str) -> RateLimitItem:
    """One limit such as "10/minute" or "5 per 30 seconds"; ValueError says what is wrong."""
    try:
        items = parse_many(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a rate limit such as '10/minute'") from None
    if len(items) != 1:
        raise ValueError(f"{text!r}: give exactly one limit per setting")
    [item] = items
    if not 1 <= item.amount <= MAX_AMOUNT:
        raise ValueError(f"{text!r}: the amount must be between 1 and {MAX_AMOUNT}")
    return item


@dataclass(frozen=True)
class RateLimitPolicy:
    """The platform's limits: every request per IP, per authenticated client, and login."""

    per_ip: RateLimitItem
    per_client: RateLimitItem
    login_per_ip: RateLimitItem
    login_per_account: RateLimitItem

    @classmethod
    def from_strings(
        cls,
        *,
        per_ip: str = "600/minute",
        per_client: str = "300/minute",
        login_per_ip: str = "20/minute",
        login_per_account: str = "10/minute",
    ) -> RateLimitPolicy:
        # Per IP is the looser one: many clients share an address behind NAT or a carrier.
        # Per account stays above the lockout's free attempts (domain.participants.lockout):
        # the audited lockout is what a person meets; this bounds what a flood costs us.
        texts = {
            "per_ip": per_ip,
            "per_client": per_client,
            "login_per_ip": login_per_ip,
            "login_per_account": login_per_account,
        }
        parsed = {}
        for name, text in texts.items():
            try:
                parsed[name] = parse_limit(text)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        return cls(**parsed)
