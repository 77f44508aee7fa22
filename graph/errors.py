"""How errors reach clients: business errors typed, request errors as they are, the rest masked.

- A DomainError raised by a use case becomes a GraphQL error whose extensions carry its
  machine-readable `code`, the `field` at fault (as the client spells it) and, for input
  with several faults, each `violation`.
- Errors in the client's own document (syntax, validation, variable coercion) are shown as
  graphql-core words them.
- Anything else is unexpected: the client sees "Unexpected error." with the request id to
  quote to support; the full error goes to our logs only.
"""

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, InputRejected
from domain.rate_limits import RateLimited

UNEXPECTED_MESSAGE = "Unexpected error."


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors the client must not see the details of."""
    original = error.original_error
    if original is None or isinstance(original, DomainError | GraphQLError):
        return False
    # A scalar that rejects a literal or variable reports during validation or coercion:
    # such errors point at the document (nodes) and have no execution path.
    return error.path is not None or not error.nodes


def client_message(error: DomainError) -> str:
    """The reason, prefixed with the field as the client spells it ("annualRate: ...")."""
    if isinstance(error, InputRejected):
        return "; ".join(client_message(v) for v in error.violations)
    return f"{to_camel_case(error.field)}: {error.message}" if error.field else error.message


def typed_extensions(error: DomainError) -> dict[str, object]:
    extensions: dict[str, object] = {"code": error.code}
    if error.field:
        extensions["field"] = to_camel_case(error.field)
    if isinstance(error, RateLimited):
        extensions["retryAfter"] = error.retry_after_seconds
    if isinstance(error, InputRejected):
        extensions["violations"] = [
            {"field": to_camel_case(v.field or ""), "message": v.message} for v in error.violations
        ]
    return extensions


class ClientErrors(SchemaExtension):
    """Types business errors and masks unexpected ones, for every operation and stream."""

    def on_operation(self) -> Iterator[None]:
        yield
        self._present_all(self.execution_context.result)

    def on_stream_result(self, result: object) -> Iterator[None]:
        """Each result of a subscription or stream, before it is sent."""
        self._present_all(result)
        yield

    def _present_all(self, result: object) -> None:
        # Presenting is idempotent, so a stream's last result may pass here twice.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._present(error) for error in errors]  # type: ignore[attr-defined]

    def _present(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            return GraphQLError(
                client_message(original),
                nodes=error.nodes,
                path=error.path,
                original_error=original,
                extensions=typed_extensions(original),
            )
        if is_unexpected(error):
            return GraphQLError(
                UNEXPECTED_MESSAGE,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL_ERROR"},
            )
        return error
