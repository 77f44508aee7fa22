"""A core enterprise's programme terms, and the defaults without one (pure).

Late payment ages as lending's installments do (`domain.lending.overdue`): days past due,
buckets, a daily penalty on the amount after `grace_days`, default at `default_days`. With
recourse, a financier may turn to the supplier that sold it the certificate once the
certificate is `recourse_after_days` past due.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.errors import Violations


@dataclass(frozen=True, slots=True)
class ProgrammeTerms:
    with_recourse: bool = False
    recourse_after_days: int = 30
    penalty_daily_rate: Decimal = Decimal("0.0005")  # 0.05 % a day
    grace_days: int = 3
    default_days: int = 90


DEFAULT_TERMS = ProgrammeTerms()


def check_terms(terms: ProgrammeTerms) -> None:
    """InputRejected listing every rule `terms` breaks."""
    found = Violations()
    if not 0 <= terms.recourse_after_days <= 365:
        found.add("must be within 0..365", field="recourse_after_days")
    if not Decimal(0) <= terms.penalty_daily_rate <= Decimal("0.01"):
        found.add("must be a fraction within 0..0.01 a day", field="penalty_daily_rate")
    if not 0 <= terms.grace_days <= 30:
        found.add("must be within 0..30", field="grace_days")
    if not terms.grace_days < terms.default_days <= 365:
        found.add("must be within grace_days..365", field="default_days")
    found.raise_if_any()
