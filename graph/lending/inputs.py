"""Parsing the lending inputs' decimal strings into minor units and rates, naming the field."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from domain.errors import InvalidInput
from domain.money import currency_of, parse_decimal, parse_money


@strawberry.enum(description="Credit grade from the scorecard, A best.")
class LoanGrade(Enum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    UNRATED = strawberry.enum_value(
        "UNRATED",
        description="Not graded by the scorecard: a debt campaign's loan, priced by its "
        "campaign and funded by its backers.",
    )


def minor(text: str, currency: str, field: str) -> int:
    """`text` ("1000.00") in minor units of `currency`."""
    return parse_money(text, currency_of(currency), field=field).minor


def optional_minor(text: str | None, currency: str, field: str) -> int | None:
    return None if text is None else minor(text, currency, field)


# Rates are stored as NUMERIC(12, 8) (domain/lending/tables.py RATE): anything from 10,000
# up overflows the column, and even a filter compared with one fails in the database.
RATE_BOUND = Decimal(10_000)


def rate(text: str, field: str) -> Decimal:
    """A rate as a fraction ("0.0435"), within what the rate columns hold."""
    value = parse_decimal(text, field=field)
    if abs(value) >= RATE_BOUND:
        raise InvalidInput(f"must be below {RATE_BOUND} in size", field=field)
    return value


def optional_rate(text: str | None, field: str) -> Decimal | None:
    return None if text is None else rate(text, field)


def grades(chosen: list[LoanGrade]) -> frozenset[str]:
    return frozenset(grade.value for grade in chosen)


def rate_text(value: Decimal | None) -> str | None:
    """A stored NUMERIC rate without trailing zeros: 0.06000000 -> "0.06"."""
    return None if value is None else f"{value.normalize():f}"
