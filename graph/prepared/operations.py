"""The prepared-operation cache and the extension that fills it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, FieldNode, OperationDefinitionNode, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.hardening.cost import operation_cost, prices_variables
from graph.hardening.policy import HardeningPolicy


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """One operation of a document that parsed, validated and stayed within every limit."""

    document: DocumentNode
    operation: OperationDefinitionNode
    operation_type: OperationType
    root_fields: tuple[str, ...]  # the root fields it selects directly (metrics' label)
    # Its cost when no variable can change it (already within the budget), else None: then
    # each request's variables are priced again.
    fixed_cost: int | None


class PreparedOperations:
    """Bounded LRU of prepared operations, keyed by (document text, operation name)."""

    def __init__(self, policy: HardeningPolicy, maxsize: int) -> None:
        self.policy = policy
        self.maxsize = maxsize
        self._operations: OrderedDict[tuple[str, str | None], PreparedOperation] = OrderedDict()

    def get(self, query: str, operation_name: str | None) -> PreparedOperation | None:
        key = (query, operation_name)
        prepared = self._operations.get(key)
        if prepared is not None:
            self._operations.move_to_end(key)
        return prepared

    def __len__(self) -> int:
        return len(self._operations)

    def record(
        self,
        query: str,
        operation_name: str | None,
        document: DocumentNode,
        operation_type: OperationType,
        schema: object,
    ) -> None:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return
        fixed_cost = None
        if not prices_variables(document):
            fixed_cost = operation_cost(schema, document, operation_name, {}, self.policy)  # type: ignore[arg-type]
        roots = tuple(
            s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)
        )
        self._operations[(query, operation_name)] = PreparedOperation(
            document, operation, operation_type, roots, fixed_cost
        )
        self._operations.move_to_end((query, operation_name))
        while len(self._operations) > self.maxsize:
            self._operations.popitem(last=False)


class RecordPrepared(SchemaExtension):
    """Keeps a document the whole pipeline let through to execution; list it last but for
    extensions that act only on results, after everything that may refuse a document."""

    def __init__(self, operations: PreparedOperations) -> None:
        self.operations = operations

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # A result set by now means an extension answered instead of executing (an ambiguous
        # operation); errors, that something refused it. Neither is prepared.
        if (
            document is not None
            and isinstance(context.query, str)
            and not context.pre_execution_errors
            and context.result is None
        ):
            self.operations.record(
                context.query,
                context._provided_operation_name,
                document,
                context.operation_type,
                context.schema,
            )
        yield
