"""Expected business failures: each carries a machine-readable code and the field at fault."""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """An expected outcome a client can act on (bad input, insufficient funds, ...).

    `message` is the reason alone ("must be greater than zero"); `field` names the input at
    fault, so each edge can spell it its own way ("annualRate: must be ...").
    """

    code: str = "DOMAIN_ERROR"
    # A refusal whose bookkeeping (failed-attempt counter, audit entry, revoked session) must
    # be committed all the same: the unit of work (domain/unit_of_work.py) commits, then
    # reports the error.
    keeps_changes: bool = False

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(DomainError):
    """Input that breaks a rule of the domain; nothing was changed."""

    code = "INVALID_INPUT"


class InputRejected(InvalidInput):
    """Several fields are invalid at once; `violations` lists each, so a form can mark all."""

    def __init__(self, violations: list[InvalidInput]) -> None:
        if not violations:
            raise ValueError("a rejection needs at least one violation")
        super().__init__("; ".join(str(v) for v in violations), field=violations[0].field)
        self.violations = violations

    def __str__(self) -> str:
        return self.message


class Violations:
    """Collects every invalid field of an input, so one answer can list them all."""

    def __init__(self) -> None:
        self.found: list[InvalidInput] = []

    def check(self, parse: Callable[..., T], *args: object) -> T | None:
        """parse(*args), or None with its violation kept."""
        try:
            return parse(*args)
        except InvalidInput as violation:
            self.found.append(violation)
            return None

    def add(self, message: str, *, field: str) -> None:
        self.found.append(InvalidInput(message, field=field))

    def raise_if_any(self, rejection: type[InputRejected] = InputRejected) -> None:
        if self.found:
            raise rejection(self.found)
