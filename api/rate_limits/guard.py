"""The limits checked inside the app, past the per-IP middleware: per client and on login.

graph/ may not import api/, so resolvers reach this through the Context, typed there by a
Protocol of these two methods; both raise RateLimited, a DomainError clients see typed.
"""

from __future__ import annotations

from api.rate_limits.keys import address_key
from api.rate_limits.limiter import RateLimiter, check
from api.rate_limits.policy import LOGIN_PER_ACCOUNT, LOGIN_PER_IP, PER_CLIENT, RateLimitPolicy


class RateLimitGuard:
    def __init__(self, limiter: RateLimiter, policy: RateLimitPolicy) -> None:
        self.limiter = limiter
        self.policy = policy

    async def check_client(self, client: str) -> None:
        """One request by an authenticated client ("participant:<id>", "api-key:<id>")."""
        await check(self.limiter, PER_CLIENT, client, self.policy.per_client)

    async def check_login(self, *, ip: str | None, login: str) -> None:
        """One sign-in attempt, before the password is hashed (hashing is the costly part).

        Pass the login normalised as the use case looks it up; casefolding here only guards
        against the obvious variants ("Alice@x" and "alice@x" are one account's budget).
        """
        # The address first: a password spray over many accounts from one address stops
        # there without using up the budgets of the accounts it targets.
        if ip is not None:
            await check(self.limiter, LOGIN_PER_IP, address_key(ip), self.policy.login_per_ip)
        account = login.strip().casefold()
        await check(self.limiter, LOGIN_PER_ACCOUNT, account, self.policy.login_per_account)
