"""Refusals of wallet operations."""

from domain.errors import DomainError


class LimitExceeded(DomainError):
    code = "LIMIT_EXCEEDED"


class RailDeclined(DomainError):
    code = "RAIL_DECLINED"
