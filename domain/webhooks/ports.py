"""What delivering webhooks needs from outside: an HTTP client that refuses our own network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SendResult:
    """One attempt as the receiver answered it: a status code, or the error that stopped it."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    response_snippet: str = ""


class WebhookSender(Protocol):
    async def post(self, url: str, *, headers: dict[str, str], body: bytes) -> SendResult:
        """POST `body` to `url` (no redirects, bounded time); never raises for the receiver's
        failures: they come back in the result."""
        ...
