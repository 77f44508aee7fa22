"""Expected refusals of webhook use cases."""

from domain.errors import DomainError


class EndpointDisabled(DomainError):
    """A delivery to a disabled endpoint was asked for: enable it first."""

    code = "ENDPOINT_DISABLED"
