"""Where webhooks may be sent: HTTPS to the public internet (no SSRF into our own network).

Checked twice: when an endpoint is registered (the URL's shape, and literal addresses), and
before every delivery (what the host name resolves to then, since DNS can change its answer).
"""

from __future__ import annotations

import ipaddress
import re
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


# IPv6 ranges that carry an IPv4 address in their last 32 bits and reach it through a
# translator or a tunnel: NAT64 (RFC 6052) and the deprecated IPv4-compatible form.
_IPV4_CARRIERS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in carrier for carrier in _IPV4_CARRIERS) and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(address: IpAddress, policy: EndpointUrlPolicy) -> bool:
    """Whether a delivery may connect to `address` (loopback, private, link-local, ... are ours);
    an IPv6 address that carries an IPv4 one is judged by that one too."""
    if policy.allow_private_addresses:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not address_allowed(embedded, policy):
            return False
    return address.is_global and not address.is_multicast


_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)


def _ipv4_number(part: str) -> int | None:
    """One part of an IPv4 address as resolvers read it: decimal, 0x hex or 0-led octal."""
    if not _NUMBER.fullmatch(part):
        return None
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if all(c in "01234567" for c in part) else None
    return int(part)


def host_address(host: str) -> IpAddress | None:
    """The address a host names by number, in every form a resolver (inet_aton) or a browser
    accepts: `127.0.0.1`, `127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.0.0.1.`,
    IPv6; None for a host name. InvalidInput for a host that ends like a number but is none."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.removesuffix(".").split(".")
    if not _NUMBER.fullmatch(parts[-1]):
        return None  # a name: its last label is not a number
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise InvalidInput("is not a valid URL", field="url")
    *leading, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(parts)):
        raise InvalidInput("is not a valid URL", field="url")
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def is_loopback_host(host: str) -> bool:
    address = host_address(host)
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
    address = host_address(host)
    if address is not None and not address_allowed(address, policy):
        raise InvalidInput("must not point at a private or reserved address", field="url")
    if address is None and host.lower() in LOOPBACK_NAMES and not policy.allow_private_addresses:
        raise InvalidInput("must not point at a private or reserved address", field="url")
    return url
