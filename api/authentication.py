"""Who is calling: an access token (people), an API key (machine clients), or nobody."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from api.security.revocations import RedisRevocations, RevocationsUnknown
from api.security.tokens import InvalidAccessToken, JwtAccessTokens, person_from
from domain.actors import Actor, Origin
from domain.clock import Clock
from domain.participants.secrets import API_KEY_PREFIX
from domain.participants.services.api_keys import authenticate_api_key
from domain.participants.services.revoked_sessions import TokenGrant


class AuthenticationFailed(Exception):
    """Credentials were sent and are not valid: the request is refused (HTTP 401)."""


class AuthenticationUnavailable(Exception):
    """Whether the credential was revoked cannot be told now (neither Redis nor PostgreSQL
    answered): the request is refused as unavailable (HTTP 503), never let in."""


@dataclass(frozen=True, slots=True)
class Caller:
    actor: Actor
    grant: TokenGrant | None = None  # a person's token: what its revocation is checked against
    expires_at: int | None = None  # when that token expires (seconds since the epoch)


class Authenticator:
    def __init__(
        self,
        *,
        tokens: JwtAccessTokens,
        revocations: RedisRevocations,
        engine: AsyncEngine,
        clock: Clock,
    ) -> None:
        self._tokens = tokens
        self._revocations = revocations
        self._engine = engine
        self._clock = clock

    async def actor_for(self, authorization: str | None, origin: Origin) -> Actor:
        """The caller behind an Authorization header value; anonymous without one."""
        return (await self.caller_for(authorization, origin)).actor

    async def caller_for(self, authorization: str | None, origin: Origin) -> Caller:
        """The caller, with what its credential was issued for (to watch for its revocation)."""
        if not authorization:
            return Caller(Actor.anonymous(origin))
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise AuthenticationFailed("send credentials as 'Authorization: Bearer <token>'")
        if credential.startswith(API_KEY_PREFIX):
            return Caller(await self._machine_client(credential, origin))
        return await self._person(credential, origin)

    async def _machine_client(self, key: str, origin: Origin) -> Actor:
        # Autocommit: no BEGIN/COMMIT round trips around a lookup on every request.
        async with self._engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            actor = await authenticate_api_key(
                autocommit, clock=self._clock, presented=key, origin=Actor.anonymous(origin)
            )
        if actor is None:
            raise AuthenticationFailed("this API key is not valid, or was revoked")
        return actor

    async def _person(self, token: str, origin: Origin) -> Caller:
        try:
            claims = self._tokens.verify(token, now=self._clock.now())
        except InvalidAccessToken:
            raise AuthenticationFailed("the access token is invalid or expired") from None
        try:
            revoked = await self._revocations.is_revoked(
                session_id=claims.session_id,
                participant_id=claims.participant_id,
                issued_at=claims.issued_at,
            )
        except RevocationsUnknown as unknown:
            raise AuthenticationUnavailable("sign-in cannot be checked now: try again") from unknown
        if revoked:
            raise AuthenticationFailed("this session has ended: sign in again")
        grant = TokenGrant(claims.session_id, claims.participant_id, claims.issued_at)
        return Caller(person_from(claims, origin), grant, claims.expires_at)
