"""The GraphQL spec's GetOperation(): with several operations and no name, refuse to guess.

strawberry runs the first operation of such a document; the spec makes it a request error.
"""

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

AMBIGUOUS = "Must provide operation name if the document contains multiple operations."


class RequireOperationName(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context._provided_operation_name is None and document is not None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                # A result set before execution is returned as is: nothing runs.
                context.result = ExecutionResult(data=None, errors=[GraphQLError(AMBIGUOUS)])
        yield
