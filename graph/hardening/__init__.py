"""GraphQL hardening after the OWASP GraphQL cheat sheet: limits on what one request may ask.

`hardening_extensions(policy)` gives the schema extensions (as factories: one instance per
request) that refuse, before anything executes and with a typed `extensions.code`:
documents of too many tokens, too deep, with too many aliases, too costly, introspection
when the policy disables it, input values no use case can hold (graph/hardening/inputs.py);
and that drop "Did you mean ...?" hints when it says so.
Connections cap their page with `page_size(first, policy)`.
"""

from collections.abc import Callable
from functools import partial

from graphql import ASTValidationRule
from strawberry.extensions import SchemaExtension

from graph.hardening.codes import (
    INTROSPECTION_DISABLED,
    INTROSPECTION_TOO_DEEP,
    QUERY_TOO_COMPLEX,
    QUERY_TOO_DEEP,
    TOO_MANY_ALIASES,
    TOO_MANY_TOKENS,
)
from graph.hardening.cost import QueryCostLimit, operation_cost
from graph.hardening.inputs import RefuseUnfitLiterals, RefuseUnfitVariables
from graph.hardening.messages import HideSuggestions, TokenLimit
from graph.hardening.policy import HardeningPolicy, page_size
from graph.hardening.rules import IntrospectionDisabled, LimitRules, alias_limit, depth_limit

__all__ = [
    "INTROSPECTION_DISABLED",
    "INTROSPECTION_TOO_DEEP",
    "QUERY_TOO_COMPLEX",
    "QUERY_TOO_DEEP",
    "TOO_MANY_ALIASES",
    "TOO_MANY_TOKENS",
    "HardeningPolicy",
    "hardening_extensions",
    "operation_cost",
    "page_size",
]

ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


def hardening_extensions(policy: HardeningPolicy) -> list[ExtensionFactory]:
    """The schema extensions of `policy`, as factories; list them after the ParserCache and
    ValidationCache (the cost check relies on the validation being done)."""
    # Made once here, not per request: the validation cache is keyed by the rule classes.
    rules: list[type[ASTValidationRule]] = [
        depth_limit(policy.max_depth),
        alias_limit(policy.max_aliases),
        RefuseUnfitLiterals,
    ]
    if not policy.introspection:
        rules.append(IntrospectionDisabled)
    extensions: list[ExtensionFactory] = [
        partial(TokenLimit, max_token_count=policy.max_tokens),
        partial(LimitRules, rules),
        partial(QueryCostLimit, policy),
        RefuseUnfitVariables,
    ]
    if not policy.field_suggestions:
        extensions.append(HideSuggestions)
    return extensions
