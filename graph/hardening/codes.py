"""The `extensions.code` of each refusal, so clients can tell which limit they hit."""

from collections.abc import Collection

from graphql import GraphQLError, Node

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
INTROSPECTION_TOO_DEEP = "INTROSPECTION_TOO_DEEP"


def refusal(
    message: str, code: str, nodes: Node | Collection[Node] | None = None, **details: int
) -> GraphQLError:
    """A request error: no path, so nothing ran and the HTTP layer answers 400."""
    return GraphQLError(message, nodes, extensions={"code": code, **details})
