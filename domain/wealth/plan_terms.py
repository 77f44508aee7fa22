"""What an operator's lending plan may say (pure): a term of 3, 6 or 12 months, a target
annual rate (shown as a target, never promised) within 0..36 %, a capacity and a minimum,
a subscription window that closes after it opens, the grades whose loans it may buy, at
most a share of its money in any one loan (concentration), its fee rule (plans.py), and how
long its investors are locked in and what leaving early costs (plan_exit.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.errors import Violations
from domain.lending.funding_terms import GRADES
from domain.wealth.plans import PlanFeeKind

TERMS_MONTHS = (3, 6, 12)
MAX_TARGET = Decimal("0.36")
MAX_FEE_RATE = Decimal("0.05")


@dataclass(frozen=True, slots=True)
class PlanTerms:
    name: str
    currency: str
    term_months: int
    target_rate: Decimal
    capacity: int
    minimum: int
    opens_at: datetime
    closes_at: datetime
    grades: frozenset[str]
    max_loan_share: Decimal  # of the plan's money, in any one loan (concentration)
    fee_kind: PlanFeeKind
    fee_rate: Decimal  # ASSETS: a year; EXCESS: 0
    lockup_months: int = 0  # no early exit until this long after the window closes
    early_exit_fee_rate: Decimal = Decimal(0)  # of the value an investor leaves with early


def check_plan_terms(terms: PlanTerms, *, now: datetime) -> None:
    """InputRejected listing every field at fault, or nothing."""
    found = Violations()
    if not terms.name.strip() or len(terms.name) > 120:
        found.add("must be 1 to 120 characters", field="name")
    if terms.term_months not in TERMS_MONTHS:
        found.add(f"one of {', '.join(map(str, TERMS_MONTHS))} months", field="term_months")
    if not Decimal(0) < terms.target_rate <= MAX_TARGET:
        found.add("a target above 0 and at most 36 % a year", field="target_rate")
    if terms.capacity <= 0:
        found.add("must be greater than zero", field="capacity")
    if not 0 < terms.minimum <= max(terms.capacity, 1):
        found.add("above zero and at most the capacity", field="minimum")
    if terms.closes_at <= max(terms.opens_at, now):
        found.add("must be after it opens, and in the future", field="closes_at")
    if not terms.grades or not terms.grades <= set(GRADES):
        found.add(f"some of {', '.join(GRADES)}", field="grades")
    if not Decimal(0) < terms.max_loan_share <= 1:
        found.add("a share above 0 and at most 1", field="max_loan_share")
    if terms.fee_kind is PlanFeeKind.ASSETS and not Decimal(0) <= terms.fee_rate <= MAX_FEE_RATE:
        found.add("between 0 and 5 % a year", field="fee_rate")
    if terms.fee_kind is PlanFeeKind.EXCESS and terms.fee_rate != 0:
        found.add(
            "an excess fee takes no rate: it is what is earned above the target", field="fee_rate"
        )
    if not 0 <= terms.lockup_months <= terms.term_months:
        found.add("from 0 to the plan's term", field="lockup_months")
    if not Decimal(0) <= terms.early_exit_fee_rate <= MAX_FEE_RATE:
        found.add("between 0 and 5 %", field="early_exit_fee_rate")
    found.raise_if_any()
