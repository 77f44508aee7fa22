"""Refuses NUL characters anywhere in a request's strings, literal or variable.

PostgreSQL text cannot hold U+0000, so such a string would fail deep in a use case as an
unexpected error; no legitimate name, email or reason contains one.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from graph.hardening.codes import refusal

NUL_IN_STRING = "NUL_IN_STRING"


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _FindNul(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        self.found = self.found or "\x00" in node.value


def _literal_nul(context: ExecutionContext, document: DocumentNode) -> bool:
    """Whether a string literal of the document holds a NUL. Only a raw NUL or a \\u escape
    in the text can make one, so most documents need no walk."""
    query = context.query
    if query is not None and "\x00" not in query and "\\u" not in query:
        return False
    finder = _FindNul()
    visit(document, finder)
    return finder.found


class RefuseNulCharacters(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if (
            document is not None
            and not context.pre_execution_errors
            and (_has_nul(context.variables) or _literal_nul(context, document))
        ):
            message = "strings may not contain the NUL character (U+0000)"
            context.pre_execution_errors = [refusal(message, NUL_IN_STRING)]
        yield
