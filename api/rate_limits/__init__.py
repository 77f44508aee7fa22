"""Redis-backed rate limits: per IP in a middleware, per client and on login in the app.

- `api.rate_limits.middleware.IpRateLimit` (ASGI) counts every request and WebSocket
  handshake per client address, except the probes; over the limit: 429, Retry-After and a
  RATE_LIMITED error. Import it from its module: it needs `api.graphql_http`, which may
  itself import this package (for `rate_limited_response`), so this file does not.
- `RateLimitGuard.check_client` / `.check_login` (and the lower `check`) raise
  `RateLimited`, a DomainError with code RATE_LIMITED and `retry_after_seconds`.
"""

from api.rate_limits.guard import RateLimitGuard
from api.rate_limits.keys import address_key, client_ip_key, hashed_key
from api.rate_limits.limiter import Decision, RateLimiter, check
from api.rate_limits.policy import (
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_IP,
    PER_CLIENT,
    PER_IP,
    RateLimitPolicy,
    parse_limit,
)
from api.rate_limits.refusal import rate_limited_response
from domain.rate_limits import RateLimited

__all__ = [
    "LOGIN_PER_ACCOUNT",
    "LOGIN_PER_IP",
    "PER_CLIENT",
    "PER_IP",
    "Decision",
    "RateLimitGuard",
    "RateLimitPolicy",
    "RateLimited",
    "RateLimiter",
    "address_key",
    "check",
    "client_ip_key",
    "hashed_key",
    "parse_limit",
    "rate_limited_response",
]
