"""What a partner bank's funding offer and an investor's auto-invest rule may say (pure).

Both are standing instructions the matching engine reads; these checks keep nonsense out
of it (an empty term range, a rate outside 0..1, a grade that does not exist).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID

from domain.errors import Violations

GRADES = ("A", "B", "C", "D", "E")
MAX_TERM_MONTHS = 600
MAX_TENOR_DAYS = 720


class OfferKind(Enum):
    LOAN = "LOAN"  # funds loans of the grades and terms it accepts
    SUPPLY_CHAIN = "SUPPLY_CHAIN"  # discounts confirmed receivables of core enterprises


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """A bank funds loans it accepts up to `capacity`, at `rate_floor` or `spread` over the
    borrower's price. A SUPPLY_CHAIN offer instead discounts receivables at `rate_floor`
    (annual) up to `max_tenor_days` to maturity, of the `core_enterprise_ids` (any if empty),
    within a credit line of `per_borrower_cap` to each; grades and months do not apply."""

    currency: str
    capacity: int
    rate_floor: Decimal | None
    spread: Decimal | None
    grades: frozenset[str]
    min_term_months: int
    max_term_months: int
    min_amount: int
    max_amount: int
    per_borrower_cap: int | None
    expires_at: datetime | None
    kind: str = OfferKind.LOAN.value
    max_tenor_days: int | None = None
    core_enterprise_ids: frozenset[UUID] = frozenset()


@dataclass(frozen=True, slots=True)
class AutoInvestTerms:
    currency: str
    grades: frozenset[str]
    min_term_months: int
    max_term_months: int
    min_rate: Decimal
    max_per_loan: int
    daily_budget: int


def check_offer(terms: OfferTerms, *, now: datetime) -> None:
    """InputRejected listing every rule `terms` breaks."""
    found = Violations()
    _positive(found, terms.capacity, "capacity")
    if (terms.rate_floor is None) == (terms.spread is None):
        found.add("give either a rate floor or a spread", field="rate_floor")
    if terms.rate_floor is not None:
        _rate(found, terms.rate_floor, "rate_floor", low=Decimal(0))
    if terms.spread is not None:
        _rate(found, terms.spread, "spread", low=Decimal(-1))
    if terms.kind == OfferKind.SUPPLY_CHAIN.value:
        _supply_chain(found, terms)
    else:
        _common(found, terms.grades, terms.min_term_months, terms.max_term_months)
        if terms.max_tenor_days is not None or terms.core_enterprise_ids:
            found.add("only a SUPPLY_CHAIN offer has a tenor and core enterprises", field="kind")
    _positive(found, terms.min_amount, "min_amount")
    if terms.max_amount < terms.min_amount:
        found.add("must not be below min_amount", field="max_amount")
    if terms.per_borrower_cap is not None:
        _positive(found, terms.per_borrower_cap, "per_borrower_cap")
    if terms.expires_at is not None and terms.expires_at <= now:
        found.add("must be in the future", field="expires_at")
    found.raise_if_any()


def _supply_chain(found: Violations, terms: OfferTerms) -> None:
    if terms.rate_floor is None:
        found.add("a supply-chain offer discounts at a rate (rate_floor)", field="rate_floor")
    tenor = terms.max_tenor_days
    if tenor is None or not 1 <= tenor <= MAX_TENOR_DAYS:
        found.add(f"must be within 1..{MAX_TENOR_DAYS}", field="max_tenor_days")
    if terms.per_borrower_cap is None:
        found.add("the credit line to each core enterprise", field="per_borrower_cap")
    if terms.grades or terms.min_term_months or terms.max_term_months:
        found.add("grades and months are for loans", field="grades")


def check_auto_invest(terms: AutoInvestTerms) -> None:
    """InputRejected listing every rule `terms` breaks."""
    found = Violations()
    _common(found, terms.grades, terms.min_term_months, terms.max_term_months)
    _rate(found, terms.min_rate, "min_rate", low=Decimal(0))
    _positive(found, terms.max_per_loan, "max_per_loan")
    _positive(found, terms.daily_budget, "daily_budget")
    found.raise_if_any()


def _common(found: Violations, grades: Iterable[str], min_term: int, max_term: int) -> None:
    chosen = set(grades)
    if not chosen or not chosen <= set(GRADES):
        found.add(f"choose one or more of {', '.join(GRADES)}", field="grades")
    if not 1 <= min_term <= MAX_TERM_MONTHS:
        found.add(f"must be within 1..{MAX_TERM_MONTHS}", field="min_term_months")
    if not min_term <= max_term <= MAX_TERM_MONTHS:
        found.add(f"must be within min_term_months..{MAX_TERM_MONTHS}", field="max_term_months")


def _positive(found: Violations, amount: int, field: str) -> None:
    if amount <= 0:
        found.add("must be greater than zero", field=field)


def _rate(found: Violations, rate: Decimal, field: str, *, low: Decimal) -> None:
    if not low <= rate <= Decimal(1):
        found.add(f"must be a fraction within {low}..1", field=field)
