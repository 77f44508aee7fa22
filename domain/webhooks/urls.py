"""Where webhooks may be sent: HTTPS to the public internet (no SSRF into our own network).

Checked twice: when an endpoint is registered (the URL's shape, and literal addresses), and
before every delivery (what the host name resolves to then, since DNS can change its answer).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.errors import InvalidInput

MAX_URL_LENGTH = 2048
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class EndpointUrlPolicy:
    """Production: https only, public addresses only. Dev and test: http to loopback too."""

    allow_http_to_loopback: bool = False
    allow_private_addresses: bool = False


def address_allowed(address: IpAddress, policy: EndpointUrlPolicy) -> bool:
    """Whether a delivery may connect to `address` (loopback, private, link-local, ... are ours)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    public = address.is_global and not address.is_multicast
    return public or policy.allow_private_addresses


def _literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback_host(host: str) -> bool:
    address = _literal_address(host)
    return host.lower() in LOOPBACK_NAMES if address is None else address.is_loopback


def check_endpoint_url(url: str, policy: EndpointUrlPolicy) -> str:
    """The URL, trimmed, if deliveries may go there; InvalidInput naming `url` otherwise."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"must be 1..{MAX_URL_LENGTH} characters", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # raises on a port that is not a number in range
    except ValueError:
        raise InvalidInput("is not a valid URL", field="url") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput("must be an https:// URL", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("must not carry credentials: use the signing secret", field="url")
    if parts.fragment:
        raise InvalidInput("must not have a #fragment", field="url")
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in url):
        raise InvalidInput("must not contain spaces or control characters", field="url")
    if parts.scheme == "http" and not (policy.allow_http_to_loopback and is_loopback_host(host)):
        raise InvalidInput("must be an https:// URL", field="url")
    address = _literal_address(host)
    if address is not None and not address_allowed(address, policy):
        raise InvalidInput("must not point at a private or reserved address", field="url")
    if address is None and host.lower() in LOOPBACK_NAMES and not policy.allow_private_addresses:
        raise InvalidInput("must not point at a private or reserved address", field="url")
    return url
