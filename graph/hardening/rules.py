"""Validation rules for the shape of a document: depth, aliases, introspection.

strawberry's QueryDepthLimiter and MaxAliasesLimiter walk each fragment again at every
spread: a 750-character document of fragments spreading the next one twice took them
seconds (2^n walks). These rules measure each fragment once. Each rule class is made once
per policy, so the validation cache (keyed by the rule classes) keeps hitting.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    SKIP,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VisitorAction,
)
from graphql.validation import MaxIntrospectionDepthRule
from strawberry.extensions import AddValidationRules

from graph.hardening.codes import (
    INTROSPECTION_DISABLED,
    INTROSPECTION_TOO_DEEP,
    QUERY_TOO_DEEP,
    TOO_MANY_ALIASES,
    refusal,
)

INTROSPECTION_ROOTS = ("__schema", "__type")


class _FragmentMeasure(ValidationRule):
    """Measures every operation once the parser's fragment-nesting guard has let it pass."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fragments: dict[str, int] = {}
        self._entered: set[str] = set()

    def measure(self, selection_set: SelectionSetNode) -> int:
        raise NotImplementedError

    def measure_fragment(self, name: str) -> int:
        if name in self._fragments:
            return self._fragments[name]
        fragment = self.context.get_fragment(name)
        if fragment is None or name in self._entered:
            return 0  # unknown fragments and cycles are reported by graphql-core's own rules
        self._entered.add(name)
        self._fragments[name] = self.measure(fragment.selection_set)
        return self._fragments[name]

    def measure_spread(self, selection: SelectionNode) -> int:
        if isinstance(selection, FragmentSpreadNode):
            return self.measure_fragment(selection.name.value)
        assert isinstance(selection, InlineFragmentNode)
        return self.measure(selection.selection_set)


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """Nesting of fields below the root fields (strawberry's count: `{ a { b } }` is 1).

    Introspection fields are left out, as strawberry does: the standard introspection
    query nests 14 deep. graphql-core's MaxIntrospectionDepthRule bounds those instead.
    """

    class QueryDepthLimit(_FragmentMeasure):
        def measure(self, selection_set: SelectionSetNode) -> int:
            deepest = 0
            for selection in selection_set.selections:
                if not isinstance(selection, FieldNode):
                    deepest = max(deepest, self.measure_spread(selection))
                elif selection.selection_set and not selection.name.value.startswith("__"):
                    deepest = max(deepest, 1 + self.measure(selection.selection_set))
            return deepest

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            depth = self.measure(node.selection_set)
            if depth > max_depth:
                message = f"Query depth {depth} exceeds the limit of {max_depth}"
                self.report_error(
                    refusal(message, QUERY_TOO_DEEP, node, depth=depth, limit=max_depth)
                )
            return SKIP

    return QueryDepthLimit


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    """Aliases in one operation, a fragment counted at each of its spreads."""

    class AliasLimit(_FragmentMeasure):
        def measure(self, selection_set: SelectionSetNode) -> int:
            count = 0
            for selection in selection_set.selections:
                if not isinstance(selection, FieldNode):
                    count += self.measure_spread(selection)
                    continue
                count += 1 if selection.alias else 0
                if selection.selection_set:
                    count += self.measure(selection.selection_set)
            return count

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            count = self.measure(node.selection_set)
            if count > max_aliases:
                message = f"{count} aliases exceed the limit of {max_aliases}"
                self.report_error(
                    refusal(message, TOO_MANY_ALIASES, node, aliases=count, limit=max_aliases)
                )
            return SKIP

    return AliasLimit


class IntrospectionDisabled(ValidationRule):
    """Refuses `__schema` and `__type`, once each; `__typename` stays allowed."""

    def enter_field(self, node: FieldNode, *_args: Any) -> VisitorAction:
        if node.name.value not in INTROSPECTION_ROOTS:
            return None
        message = f"Introspection is disabled: '{node.name.value}' cannot be queried"
        self.report_error(refusal(message, INTROSPECTION_DISABLED, node))
        return SKIP


class IntrospectionDepthLimit(MaxIntrospectionDepthRule):
    """graphql-core's rule against nested introspection lists (in its specified rules)."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(refusal(error.message, INTROSPECTION_TOO_DEEP, error.nodes))


class LimitRules(AddValidationRules):
    """Adds the limit rules, and swaps graphql-core's introspection depth rule for its coded
    twin (the same check; running both would report it twice)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (
            *(
                IntrospectionDepthLimit if rule is MaxIntrospectionDepthRule else rule
                for rule in context.validation_rules
            ),
            *self.validation_rules,
        )
        yield
