"""Query cost analysis: what an operation would make us do, priced before anything runs.

Each field costs 1. A list field multiplies the cost of its selection by its size: its
`first`/`last` argument when it takes one (literal or variable, as its resolver will see
it), else `policy.default_list_size`. A field that takes `first`/`last` but returns an
object (a Relay connection) hands its page size to the lists right below it (`edges`,
`nodes`), so `pageInfo` and `totalCount` are not multiplied. Each fragment is priced once
per page size; a fragment spread inside itself adds nothing. Introspection fields cost 1
flat: their size is bounded by the schema, and production refuses them anyway.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import strawberry
from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    ValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
    parse,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graph.hardening.codes import QUERY_TOO_COMPLEX, refusal
from graph.hardening.policy import HardeningPolicy

PAGE_ARGUMENTS = ("first", "last")
GRAPHQL_INT_MAX = 2**31 - 1


def operation_cost(
    schema: strawberry.Schema | GraphQLSchema,
    document: DocumentNode | str,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    policy: HardeningPolicy,
) -> int:
    """The cost of the operation a request selects; 0 when it selects none."""
    graphql_schema = schema if isinstance(schema, GraphQLSchema) else schema._schema
    if isinstance(document, str):
        document = parse(document)
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = graphql_schema.get_root_type(operation.operation)
    pricing = _Pricing(graphql_schema, document, operation, variables or {}, policy)
    return pricing.selection(operation.selection_set, root, None)


class _Pricing:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        policy: HardeningPolicy,
    ) -> None:
        self.schema = schema
        self.policy = policy
        self.variables = dict(variables)
        self.variable_defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
        }
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.priced: dict[tuple[str, int | None], int] = {}
        self.entered: set[tuple[str, int | None]] = set()

    def selection(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, page: int | None
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection(selection.selection_set, on, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key in self.priced:
            return self.priced[key]
        fragment = self.fragments.get(name)
        if fragment is None or key in self.entered:
            return 0  # unknown or cyclic: validation refuses the document anyway
        self.entered.add(key)
        on = self.schema.get_type(fragment.type_condition.name.value)
        self.priced[key] = self.selection(fragment.selection_set, on, page)
        return self.priced[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None) -> int:
        if node.selection_set is None or node.name.value.startswith("__"):
            return 1
        fields: Mapping[str, GraphQLField] = getattr(parent, "fields", {})
        definition = fields.get(node.name.value)
        if definition is None:
            return 1 + self.selection(node.selection_set, None, None)
        returns = get_named_type(definition.type)
        own_page = self.page_size(node, definition)
        if is_list_type(get_nullable_type(definition.type)):
            size = next(s for s in (own_page, page, self.policy.default_list_size) if s is not None)
            return 1 + size * self.selection(node.selection_set, returns, None)
        return 1 + self.selection(node.selection_set, returns, own_page)

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The page the resolver will return, or None for a field without first/last."""
        names = [name for name in PAGE_ARGUMENTS if name in definition.args]
        if not names:
            return None
        asked = [size for name in names if (size := self.requested(node, name)) is not None]
        if asked:
            return max(asked)
        defaults = [default_of(definition.args[name]) for name in names]
        return max(
            (d for d in defaults if isinstance(d, int) and not isinstance(d, bool)),
            default=self.policy.default_page_size,
        )

    def requested(self, node: FieldNode, name: str) -> int | None:
        argument = next((a for a in node.arguments or () if a.name.value == name), None)
        if argument is None:
            return None
        value = self.value(argument.value)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value <= GRAPHQL_INT_MAX:
            return max(value, 0)
        # Not an Int (a string, 10**4000, ...): coercion refuses it after we price it.
        return self.policy.max_page_size

    def value(self, node: ValueNode) -> Any:
        if not isinstance(node, VariableNode):
            return value_from_ast_untyped(node, self.variables)
        name = node.name.value
        if name in self.variables:
            return self.variables[name]
        default = self.variable_defaults.get(name)
        return None if default is None else value_from_ast_untyped(default)


def prices_variables(document: DocumentNode) -> bool:
    """Whether a request's variables can change the cost of an operation of `document`: the
    pricing reads them only through a `first`/`last` argument that holds a variable."""
    finder = _PageVariables()
    visit(document, finder)
    return finder.found


class _PageVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
        if node.name.value in PAGE_ARGUMENTS and _holds_variable(node.value):
            self.found = True


def _holds_variable(node: ValueNode) -> bool:
    if isinstance(node, VariableNode):
        return True
    inner = [*getattr(node, "values", ()), *(f.value for f in getattr(node, "fields", ()))]
    return any(_holds_variable(value) for value in inner)


def default_of(argument: GraphQLArgument) -> Any:
    """An argument's schema default, however graphql-core 3.3 holds it."""
    if argument.default_value is not Undefined:
        return argument.default_value
    default = argument.default
    if default is None:
        return None
    if default.literal is not None:
        return value_from_ast_untyped(default.literal)
    return None if default.value is Undefined else default.value


class QueryCostLimit(SchemaExtension):
    """Refuses an operation over budget once it is valid, before it executes.

    Runs in on_validate, where the request's variables are known (validation rules do not
    see them): it must come after the ValidationCache, which would overwrite the refusal.
    """

    def __init__(self, policy: HardeningPolicy) -> None:
        self.policy = policy

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            if context.pre_execution_errors is None:
                # No cache validated the document before us: validate it as strawberry would.
                context.pre_execution_errors = validate_document(
                    context.schema._schema, document, context.validation_rules
                )
            if not context.pre_execution_errors:
                cost = operation_cost(
                    context.schema, document, context.operation_name, context.variables, self.policy
                )
                if cost > self.policy.max_cost:
                    budget = self.policy.max_cost
                    message = f"Query cost {cost} exceeds the budget of {budget}"
                    error = refusal(message, QUERY_TOO_COMPLEX, cost=cost, budget=budget)
                    context.pre_execution_errors = [error]
        yield
