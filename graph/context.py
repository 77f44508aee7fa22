"""What every resolver receives: who is asking, the stores, the clock and the services."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeAlias
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from domain.actors import Actor
from domain.clock import Clock
from domain.crowdfunding.services.pledge_queue import PledgeQueue
from domain.events.interest import Interest
from domain.participants.ports import IdentityServices
from domain.platform import PlatformProfile
from domain.wallets.rails import PaymentRail
from domain.wallets.services.transfer_queue import TransferQueue
from domain.webhooks.urls import EndpointUrlPolicy
from graph.hardening.policy import HardeningPolicy


class RateLimits(Protocol):
    """The limits resolvers check (api.rate_limits.RateLimitGuard); both raise RateLimited."""

    async def check_client(self, client: str) -> None: ...

    async def check_login(self, *, ip: str | None, login: str) -> None: ...


class DeliveredEvent(Protocol):
    """An event as the stream carries it (api.events.streams.PublishedEvent)."""

    @property
    def position(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def aggregate_type(self) -> str: ...
    @property
    def aggregate_id(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def correlation_id(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def audience(self) -> tuple[UUID, ...]: ...


class EventFeed(Protocol):
    """Events as subscriptions follow them (api.events.feed.EventFeed)."""

    def follow(self, interest: Interest, *, after: int | None) -> AsyncIterator[DeliveredEvent]:
        """What `interest` admits after position `after` (from now on when None); raises
        CursorExpired, SlowConsumer or EventsUnavailable as the stream ends."""
        ...


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
    events: EventFeed
    transfers: TransferQueue  # wallet-to-wallet transfers, grouped into batches (group commit)
    pledges: PledgeQueue  # pledges, grouped into batches per campaign (group commit)
    # Reads that may be a moment behind (a standby's, when DATABASE_READ_URL is set): lists
    # people browse. Never for what decides about money: that reads `db`, the primary.
    lagging_db: async_sessionmaker[AsyncSession] | None = None
    # The WebSocket's connection_init payload, set by strawberry before on_ws_connect.
    connection_params: dict[str, object] | None = None
    # Where webhook endpoints may point: https to public addresses, unless configured.
    webhook_urls: EndpointUrlPolicy = field(default_factory=EndpointUrlPolicy)
    # DataLoaders of this request, made on first use (graph/loaders.py): one batch per field.
    loaders: dict[str, Any] = field(default_factory=dict)

    @property
    def browsing_db(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for lists people browse, which may lag a moment (`lagging_db`, else `db`)."""
        return self.lagging_db or self.db


Info: TypeAlias = strawberry.Info[Context, None]
