"""POSTing webhooks without becoming a way into our own network (SSRF).

Before each POST the host name is resolved and every address it resolves to must be
allowed by the policy; the request then goes to the address that was checked (the name
still in the Host header and the TLS handshake), so a DNS answer that changes between the
check and the connection cannot redirect it. Redirects are never followed; the whole
exchange is bounded in time; only the start of the answer is read.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import httpx

from domain.errors import InvalidInput
from domain.webhooks.ports import SendResult
from domain.webhooks.urls import EndpointUrlPolicy, IpAddress, address_allowed, host_address

SNIPPET_BYTES = 500
Resolver = Callable[[str, int], Awaitable[list[IpAddress]]]


class RefusedTarget(Exception):
    pass


class HttpWebhookSender:
    """`pin` (on wherever private addresses are refused) connects to the checked address."""

    def __init__(
        self,
        policy: EndpointUrlPolicy,
        *,
        timeout: float = 10.0,
        resolve: Resolver | None = None,
        pin: bool | None = None,
    ) -> None:
        self._policy = policy
        self._timeout = timeout
        self._resolve = resolve or resolve_host
        self._pin = not policy.allow_private_addresses if pin is None else pin
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def post(self, url: str, *, headers: dict[str, str], body: bytes) -> SendResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            async with asyncio.timeout(self._timeout):
                target, host_header, extensions = await self._pinned(url)
                request_headers = headers | host_header
                async with self._client.stream(
                    "POST", target, content=body, headers=request_headers, extensions=extensions
                ) as response:
                    snippet = await _first_bytes(response, SNIPPET_BYTES)
                    return SendResult(response.status_code, elapsed(), response_snippet=snippet)
        except RefusedTarget as refusal:
            return SendResult(None, elapsed(), error=str(refusal))
        except (TimeoutError, httpx.TimeoutException):
            return SendResult(None, elapsed(), error=f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as error:
            return SendResult(None, elapsed(), error=f"{type(error).__name__}: {error}"[:200])

    async def _pinned(self, url: str) -> tuple[str, dict[str, str], dict[str, object]]:
        """(the URL to connect to, a Host header, request extensions) after the checks."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        literal = _literal(host)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = [literal] if literal is not None else await self._resolve(host, port)
        if not addresses:
            raise RefusedTarget(f"could not resolve {host}")
        if any(not address_allowed(address, self._policy) for address in addresses):
            raise RefusedTarget(f"refused: {host} resolves to a private or reserved address")
        if not self._pin or literal is not None:
            return url, {}, {}  # an address already, or no address is out of bounds
        pinned = addresses[0]
        netloc = f"[{pinned}]" if pinned.version == 6 else str(pinned)
        if parts.port is not None:
            netloc += f":{parts.port}"
        target = urlunsplit(parts._replace(netloc=netloc))
        extensions: dict[str, object] = {"sni_hostname": host} if parts.scheme == "https" else {}
        return target, {"host": parts.netloc}, extensions


def _literal(host: str) -> IpAddress | None:
    """The address a numeric host names (every form registration reads), None for a name."""
    try:
        return host_address(host)
    except InvalidInput:
        raise RefusedTarget(f"refused: {host} is not a valid address") from None


async def resolve_host(host: str, port: int) -> list[IpAddress]:
    """Every address DNS (or /etc/hosts) gives for `host`."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise RefusedTarget(f"could not resolve {host}") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def _first_bytes(response: httpx.Response, limit: int) -> str:
    """The start of the answer, for the log; a huge (or endless) body is not read."""
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit].decode("utf-8", errors="replace")
