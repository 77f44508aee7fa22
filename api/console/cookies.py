"""The console's cookies and its CSRF defence (request headers in, verdicts out).

The session cookie holds the operator's access token: HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it), Secure over https, Path=/console (the
public /graphql never sees it, so the public API keeps Bearer tokens only), and it lives as
long as the token (15 minutes) — then the operator signs in again. Revoking the session
(logOut, a password change, revokeSessions) ends the console at once, as it ends the token.

State-changing requests must come from the console's own origin (Origin header) and carry
the double-submit token: the `X-CSRF-Token` header (or, over WebSocket, connection_init's
`csrf`) equal to the csrf cookie, which a page of another origin can neither read nor set.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping

from strawberry.http.websocket_origin import is_same_origin, normalize_origin

SESSION_COOKIE = "agora_console"
CSRF_COOKIE = "agora_console_csrf"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/console"


def same_origin(
    origin_header: str | None, *, host: str | None, trusted: Iterable[str] = ()
) -> bool:
    """True when the request's Origin is the console's own host (as strawberry judges a
    WebSocket's: TLS ended at a proxy still counts), or an origin the settings trust."""
    if not origin_header:
        return False
    if is_same_origin(origin_header, host):
        return True
    origin = normalize_origin(origin_header)
    return origin is not None and origin in {normalize_origin(t) for t in trusted}


def csrf_matches(cookies: Mapping[str, str], presented: str | None) -> bool:
    """The double-submit check: the token sent equals the csrf cookie (constant time)."""
    expected = cookies.get(CSRF_COOKIE)
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())
