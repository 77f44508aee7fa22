"""What one process holds while it runs: stores, identity services and the authenticator."""

from __future__ import annotations

from dataclasses import dataclass

from api.authentication import Authenticator
from api.security.keys import secret_bytes
from api.security.passwords import Argon2Hasher
from api.security.revocations import RedisRevocations
from api.security.tokens import JwtAccessTokens
from api.security.vault import AesGcmVault
from api.settings import Settings
from api.stores import Stores
from domain.clock import Clock
from domain.participants.ports import IdentityServices


@dataclass(frozen=True)
class AppServices:
    stores: Stores
    identity: IdentityServices
    authenticator: Authenticator


def build_services(settings: Settings, stores: Stores, clock: Clock) -> AppServices:
    def key(name: str, value: object) -> bytes:
        return secret_bytes(value, name=name, env=settings.env, data_dir=settings.data_dir)  # type: ignore[arg-type]

    tokens = JwtAccessTokens(key("jwt_secret", settings.jwt_secret))
    revocations = RedisRevocations(stores.redis, token_lifetime=tokens.lifetime)
    identity = IdentityServices(
        hasher=Argon2Hasher(),
        vault=AesGcmVault(key("data_key", settings.data_key)[:32]),
        access_tokens=tokens,
        revocations=revocations,
    )
    authenticator = Authenticator(
        tokens=tokens, revocations=revocations, sessions=stores.sessions, clock=clock
    )
    return AppServices(stores=stores, identity=identity, authenticator=authenticator)
