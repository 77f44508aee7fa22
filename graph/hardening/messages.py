"""Rewrites of graphql-core's own request errors: a code for the token limit, no hints.

Both act on the result (and on each streamed result), so they cover parse, validation
and variable-coercion errors alike, per schema, and never touch the error objects the
validation cache hands to every request.
"""

import re
from collections.abc import Callable, Iterator

from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter, SchemaExtension

from graph.hardening.codes import TOO_MANY_TOKENS

TOKEN_LIMIT = re.compile(r"^Syntax Error: Document contains more than (\d+) tokens\.")
# graphql-core's hints: " Did you mean 'x', 'y', or 'z'?", "... the enum value 'X'?", ...
SUGGESTION = re.compile(r" Did you mean [^?]*\?")

Rewrite = Callable[[GraphQLError], GraphQLError]


def copy_error(
    error: GraphQLError, *, message: str | None = None, code: str | None = None
) -> GraphQLError:
    extensions = {**(error.extensions or {}), "code": code} if code else error.extensions
    return GraphQLError(
        error.message if message is None else message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        error.original_error,
        extensions,
    )


def rewrite_errors(result: object, rewrite: Rewrite) -> None:
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [rewrite(error) for error in errors]  # type: ignore[attr-defined]


def code_token_limit(error: GraphQLError) -> GraphQLError:
    if TOKEN_LIMIT.match(error.message) and error.original_error is None:
        return copy_error(error, code=TOO_MANY_TOKENS)
    return error


def hide_suggestion(error: GraphQLError) -> GraphQLError:
    if SUGGESTION.search(error.message):
        return copy_error(error, message=SUGGESTION.sub("", error.message))
    return error


class TokenLimit(MaxTokensLimiter):
    """strawberry's parser token limit (parsing stops at the limit), its refusal coded."""

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.max_token_count
        try:
            yield
        except GraphQLError as error:
            # The ParserCache parses inside its hook, so its syntax errors arrive raised.
            raise code_token_limit(error) from None
        rewrite_errors(self.execution_context.result, code_token_limit)

    def on_stream_result(self, result: object) -> Iterator[None]:
        rewrite_errors(result, code_token_limit)
        yield


class HideSuggestions(SchemaExtension):
    """Drops "Did you mean ...?" from errors, for this schema only: in production such hints
    let a client rebuild the schema that disabled introspection hides."""

    def on_operation(self) -> Iterator[None]:
        yield
        rewrite_errors(self.execution_context.result, hide_suggestion)

    def on_stream_result(self, result: object) -> Iterator[None]:
        rewrite_errors(result, hide_suggestion)
        yield
