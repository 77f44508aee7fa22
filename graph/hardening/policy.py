"""The limits every GraphQL request is held to, per environment, and the page-size cap."""

from dataclasses import dataclass, fields

from domain.errors import InvalidInput

ENVIRONMENTS_WITH_SCHEMA_HINTS = ("dev", "test")
KNOWN_ENVIRONMENTS = (*ENVIRONMENTS_WITH_SCHEMA_HINTS, "production")


@dataclass(frozen=True)
class HardeningPolicy:
    """Budgets for one operation (OWASP GraphQL cheat sheet); secure unless told otherwise."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    max_cost: int = 5000
    default_page_size: int = 20
    max_page_size: int = 100
    # What a list field without first/last is assumed to return, for the cost analysis.
    default_list_size: int = 10
    # Introspection and "Did you mean ...?" hints map the schema out for an attacker.
    introspection: bool = False
    field_suggestions: bool = False

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type is int and (isinstance(value, bool) or value < 0):
                raise ValueError(f"{field.name} must be a non-negative integer, not {value!r}")
        if self.default_page_size > self.max_page_size:
            raise ValueError("default_page_size must not exceed max_page_size")

    @classmethod
    def for_environment(cls, env: str) -> "HardeningPolicy":
        """Production hides the schema; dev and test keep introspection and hints."""
        if env not in KNOWN_ENVIRONMENTS:
            raise ValueError(f"unknown environment {env!r}; expected one of {KNOWN_ENVIRONMENTS}")
        open_schema = env in ENVIRONMENTS_WITH_SCHEMA_HINTS
        return cls(introspection=open_schema, field_suggestions=open_schema)


def page_size(first: int | None, policy: HardeningPolicy, *, field: str = "first") -> int:
    """The page a connection returns: the default when not asked, refused beyond the cap."""
    if first is None:
        return policy.default_page_size
    if first < 0 or first > policy.max_page_size:
        raise InvalidInput(f"must be within 0..{policy.max_page_size}", field=field)
    return first
