"""What every resolver receives: who is asking, the stores, the clock and the services."""

from dataclasses import dataclass
from typing import Protocol, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from domain.actors import Actor
from domain.clock import Clock
from domain.participants.ports import IdentityServices
from domain.platform import PlatformProfile
from domain.wallets.rails import PaymentRail
from graph.hardening.policy import HardeningPolicy


class RateLimits(Protocol):
    """The limits resolvers check (api.rate_limits.RateLimitGuard); both raise RateLimited."""

    async def check_client(self, client: str) -> None: ...

    async def check_login(self, *, ip: str | None, login: str) -> None: ...


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket
    clock: Clock
    platform: PlatformProfile
    actor: Actor  # WebSockets: anonymous until connection_init names someone
    db: async_sessionmaker[AsyncSession]
    identity: IdentityServices
    hardening: HardeningPolicy  # page-size caps for connections
    rail: PaymentRail  # the banks: deposits and withdrawals
    rate_limits: RateLimits
    # The WebSocket's connection_init payload, set by strawberry before on_ws_connect.
    connection_params: dict[str, object] | None = None


Info: TypeAlias = strawberry.Info[Context, None]
