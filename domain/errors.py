"""Expected business failures: each carries a machine-readable code and the field at fault."""


class DomainError(Exception):
    """An expected outcome a client can act on (bad input, insufficient funds, ...)."""

    code: str = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """Input that breaks a rule of the domain; nothing was changed."""

    code = "INVALID_INPUT"
