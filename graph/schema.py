"""The one GraphQL schema: every context's queries merged into the root types."""

import logging
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from graph.errors import ClientErrors, is_unexpected
from graph.lending.queries import LendingQueries
from graph.operation_choice import RequireOperationName
from graph.platform.queries import PlatformQueries
from graph.platform.subscriptions import PlatformSubscriptions

logger = logging.getLogger("agora.graph")

# Parsing and validating a document costs more than most resolvers: cache both (bounded LRU,
# keyed by the query text), the largest single lever on throughput.
DOCUMENT_CACHE_SIZE = 1024


@strawberry.type
class Query(PlatformQueries, LendingQueries):
    pass


@strawberry.type
class Subscription(PlatformSubscriptions):
    pass


ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


class AgoraSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Business and request errors are the client's to handle; log only the unexpected.
        for error in errors:
            if is_unexpected(error):
                logger.error("unexpected error in %s", error.path, exc_info=error.original_error)


def build_schema(*, extra_extensions: Sequence[ExtensionFactory] = ()) -> AgoraSchema:
    """The schema with its standard extensions; callers may add their own (metrics, ...)."""
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        RequireOperationName,
        ClientErrors,
        *extra_extensions,
    ]
    return AgoraSchema(query=Query, subscription=Subscription, extensions=extensions)
