"""What one process holds while it runs: stores, identity services and the authenticator."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.authentication import Authenticator
from api.security.keys import platform_keys
from api.security.passwords import Argon2Hasher
from api.security.revocations import RedisRevocations
from api.security.tokens import JwtAccessTokens
from api.security.vault import AesGcmVault
from api.settings import Settings
from api.stores import Stores
from domain.clock import Clock
from domain.crowdfunding.services.pledge_queue import PledgeQueue
from domain.participants.ports import IdentityServices
from domain.wallets.rails import PaymentRail, SimulatedRail
from domain.wallets.services.transfer_queue import TransferQueue
from domain.webhooks.urls import EndpointUrlPolicy


@dataclass(frozen=True)
class AppServices:
    stores: Stores
    identity: IdentityServices
    authenticator: Authenticator
    transfers: TransferQueue
    pledges: PledgeQueue
    revocations: RedisRevocations
    # The simulated bank until a real rail is configured (a later capability).
    rail: PaymentRail = field(default_factory=SimulatedRail)
    # Where webhook endpoints may point (strict unless the settings say otherwise).
    webhook_urls: EndpointUrlPolicy = field(default_factory=EndpointUrlPolicy)


def build_services(settings: Settings, stores: Stores, clock: Clock) -> AppServices:
    token_key, data_key = platform_keys(settings)
    tokens = JwtAccessTokens(token_key)
    revocations = RedisRevocations(
        stores.checks_redis,
        writes=stores.redis,
        engine=stores.engine,
        token_lifetime=tokens.lifetime,
        timeout_seconds=settings.redis_request_timeout_seconds,
        health=stores.redis_health,
    )
    identity = IdentityServices(
        hasher=Argon2Hasher(
            time_cost=settings.password_hash_iterations,
            memory_cost_kib=settings.password_hash_memory_kib,
        ),
        vault=AesGcmVault(data_key),
        access_tokens=tokens,
        revocations=revocations,
    )
    authenticator = Authenticator(
        tokens=tokens, revocations=revocations, engine=stores.engine, clock=clock
    )
    return AppServices(
        stores=stores,
        identity=identity,
        authenticator=authenticator,
        transfers=TransferQueue(stores.sessions, clock),
        pledges=PledgeQueue(stores.sessions, clock),
        revocations=revocations,
        webhook_urls=settings.webhook_url_policy,
    )
