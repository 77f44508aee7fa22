"""Who is asking, from where: every use case receives an Actor and checks it itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from uuid import UUID

from domain.errors import DomainError
from domain.participants.roles import Role, Scope


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    """Also what another participant's object looks like: no hint that it exists."""

    code = "NOT_FOUND"


class ActorKind(Enum):
    ANONYMOUS = "ANONYMOUS"
    PERSON = "PERSON"  # a participant signed in with a password (access token)
    API_KEY = "API_KEY"  # a machine client (partner bank, merchant, insurer)
    SYSTEM = "SYSTEM"  # the platform itself: workers, the command line


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from, for the audit log."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    participant_id: UUID | None = None
    roles: frozenset[Role] = frozenset()
    scopes: frozenset[Scope] = frozenset()  # API keys only: people act with all their roles
    session_id: UUID | None = None  # the refresh-token family an access token belongs to
    api_key_id: UUID | None = None
    origin: Origin = field(default_factory=Origin)

    @classmethod
    def anonymous(cls, origin: Origin | None = None) -> Actor:
        return cls(ActorKind.ANONYMOUS, origin=origin or Origin())

    @classmethod
    def system(cls, origin: Origin | None = None) -> Actor:
        return cls(ActorKind.SYSTEM, roles=frozenset({Role.OPERATOR}), origin=origin or Origin())

    @property
    def is_operator(self) -> bool:
        return Role.OPERATOR in self.roles

    def require_participant(self) -> UUID:
        """The caller's participant id; Unauthenticated for anonymous callers."""
        if self.participant_id is None:
            raise Unauthenticated("sign in first")
        return self.participant_id

    def require_person(self) -> UUID:
        """Only a signed-in person, never an API key (e.g. to manage keys or passwords)."""
        participant = self.require_participant()
        if self.kind is not ActorKind.PERSON:
            raise Forbidden("only a signed-in person may do this, not an API key")
        return participant

    def require_role(self, role: Role) -> UUID:
        participant = self.require_participant()
        if role not in self.roles:
            raise Forbidden(f"requires the {role.value} role")
        return participant

    def require_operator(self) -> None:
        if self.kind is ActorKind.SYSTEM:
            return
        self.require_role(Role.OPERATOR)

    def require_scope(self, scope: Scope) -> None:
        """API keys need the scope; people act with everything their roles allow."""
        if self.kind is ActorKind.API_KEY and scope not in self.scopes:
            raise Forbidden(f"this API key lacks the {scope.value} scope")

    def may_see(self, owner_id: UUID | None) -> bool:
        """Object-level read rule: the owner and the operator see an object, nobody else."""
        return self.is_operator or (owner_id is not None and owner_id == self.participant_id)
