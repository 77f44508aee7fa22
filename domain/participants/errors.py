"""Refusals of the identity use cases."""

from datetime import datetime

from domain.errors import DomainError


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"
    keeps_changes = True  # the failed attempt counts toward the lockout


class AccountLocked(DomainError):
    code = "ACCOUNT_LOCKED"
    keeps_changes = True

    def __init__(self, until: datetime) -> None:
        super().__init__("too many failed attempts: try again later")
        self.until = until


class InvalidRefreshToken(DomainError):
    code = "INVALID_REFRESH_TOKEN"
    keeps_changes = True  # a reused token revokes its whole session


class AlreadyRegistered(DomainError):
    code = "ALREADY_REGISTERED"


class RevocationUnavailable(DomainError):
    """Redis did not take a revocation, so none is made: one kept only in PostgreSQL would be
    missed by the checks that read Redis once it is back. Retrying is safe."""

    code = "TRY_AGAIN"
