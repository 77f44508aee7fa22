"""What the participant use cases need from the outside world, as interfaces.

The implementations (argon2, AES-GCM, JWT, Redis) live in api/security; tests may use them
as they are, since each runs locally.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.actors import Actor


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, hashed: str, password: str) -> bool: ...

    def needs_rehash(self, hashed: str) -> bool: ...


class SecretVault(Protocol):
    """Encrypts personal data at rest; fingerprints let us find equal values without decrypting."""

    def seal(self, plaintext: str) -> bytes: ...

    def open(self, sealed: bytes) -> str: ...

    def fingerprint(self, plaintext: str) -> str: ...


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


class AccessTokens(Protocol):
    def issue(self, actor: Actor, *, now: datetime) -> IssuedToken: ...


class SessionRevocations(Protocol):
    """Makes access tokens die before they expire: per session, or all of a participant's;
    and ends what a revoked credential still holds open (WebSocket subscriptions)."""

    async def revoke_session(self, session_id: UUID) -> None: ...

    async def revoke_all_issued_before(self, participant_id: UUID, moment: datetime) -> None: ...

    async def revoke_api_key(self, api_key_id: UUID) -> None:
        """The key's row is already revoked: end its open connections."""
        ...


@dataclass(frozen=True, slots=True)
class IdentityServices:
    hasher: PasswordHasher
    vault: SecretVault
    access_tokens: AccessTokens
    revocations: SessionRevocations
