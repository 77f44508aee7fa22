"""What a limit counts by: fixed-size digests of whatever the caller sent, addresses grouped."""

from __future__ import annotations

import hashlib
import ipaddress

from starlette.types import Scope

IPV6_PREFIX = 64  # one customer's allocation: limiting single IPv6 addresses limits nothing


def hashed_key(key: str) -> str:
    """A fixed-size digest: a client's key cannot grow Redis keys, nor land in them verbatim."""
    raw = key.encode("utf-8", "surrogatepass")  # lone surrogates from JSON must not crash us
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def address_key(host: str) -> str:
    """An address as a limit key: IPv6 grouped by its /64, IPv4-mapped IPv6 as IPv4."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an IP (a test client's name, a unix socket peer): use it as is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def client_ip_key(scope: Scope) -> str | None:
    """The caller's address key; None when the server could not tell.

    `scope["client"]` is already the real client's address: uvicorn replaces it with the
    X-Forwarded-For entry when the peer is a trusted proxy (`--forwarded-allow-ips`, our
    `forwarded_allow_ips` setting). Reading the header here would let any client name
    itself, so we never do.
    """
    client = scope.get("client")
    return address_key(str(client[0])) if client else None
