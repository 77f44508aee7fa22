"""Access tokens: short-lived JWTs (HS256) naming the participant, roles and session."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import jwt

from domain.actors import Actor, ActorKind, Origin
from domain.participants.ports import IssuedToken
from domain.participants.roles import Role

ISSUER = "agora"
AUDIENCE = "agora-api"
ALGORITHM = "HS256"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
# Tokens this process has verified, kept until they expire: a mobile client sends the same
# token for 15 minutes, and checking its signature again each time costs more than the rest
# of authentication. Bounded, least recently used first out.
VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class AccessClaims:
    participant_id: UUID
    roles: frozenset[Role]
    session_id: UUID
    issued_at: int  # seconds since the epoch, as in the token
    expires_at: int  # likewise


class InvalidAccessToken(Exception):
    pass


class JwtAccessTokens:
    def __init__(self, secret: bytes, *, lifetime: timedelta = ACCESS_TOKEN_LIFETIME) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 bytes")
        self._secret = secret
        self.lifetime = lifetime
        self._verified: OrderedDict[str, tuple[AccessClaims, int]] = OrderedDict()

    def issue(self, actor: Actor, *, now: datetime) -> IssuedToken:
        assert actor.kind is ActorKind.PERSON
        assert actor.participant_id is not None
        assert actor.session_id is not None
        expires = now + self.lifetime
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(actor.participant_id),
            "sid": str(actor.session_id),
            "roles": sorted(r.value for r in actor.roles),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires)

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        """The claims of a valid token; InvalidAccessToken for anything else (alg none too)."""
        known = self._verified.get(token)
        if known is None:
            known = self._decode(token)
            self._verified[token] = known
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        else:
            self._verified.move_to_end(token)
        claims, expires = known
        # The injected clock decides, and the wall clock as PyJWT checks it on a first sight.
        if expires <= now.timestamp() or expires <= time.time():
            raise InvalidAccessToken("expired")
        return claims

    def _decode(self, token: str) -> tuple[AccessClaims, int]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # only ours: no "none", no key confusion
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "sid"], "verify_iat": False},
                leeway=0,
            )
            access = AccessClaims(
                participant_id=UUID(claims["sub"]),
                roles=frozenset(Role(r) for r in claims.get("roles", [])),
                session_id=UUID(claims["sid"]),
                issued_at=int(claims["iat"]),
                expires_at=int(claims["exp"]),
            )
            return access, int(claims["exp"])
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
            raise InvalidAccessToken(str(error)) from error


def person_from(claims: AccessClaims, origin: Origin) -> Actor:
    return Actor(
        ActorKind.PERSON,
        participant_id=claims.participant_id,
        roles=claims.roles,
        session_id=claims.session_id,
        origin=origin,
    )
