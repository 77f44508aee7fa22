"""The published disclosure figures and their document (pure).

Figures follow China's 2017 P2P information disclosure guideline (网络借贷信息中介机构业务活动
信息披露指引): volume lent, outstanding principal and interest, lenders and borrowers,
concentration, related-party lending, overdue loans, payments by guarantors and insurers
(代偿) and the fee schedule; with a per-grade table in Prosper's style and monthly vintage
loss curves. Definitions are the GraphQL schema's descriptions (graph/disclosure/types.py).

The document is the figures as JSON: money as decimal strings of the currency, counts as
integers, ratios as decimal strings of six places (half-up), no participant id anywhere.
Its canonical text (keys sorted, no spaces, UTF-8) is what the content hash covers, so
anyone holding the published document recomputes the hash: sha256(canonical_text).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.money import Money, round_half_up

DEFINITIONS_VERSION = "disclosure-2026-12-v1"
RATIO_PLACES = 6
OVERDUE_LONG_DAYS = 90


def ratio(part: int | Fraction, whole: int | Fraction) -> str:
    """part / whole to six decimal places, half-up; "0.000000" when there is no whole."""
    if not whole:
        return f"{0:.{RATIO_PLACES}f}"
    scaled = round_half_up(Fraction(part) / Fraction(whole) * 10**RATIO_PLACES)
    whole_part, rest = divmod(scaled, 10**RATIO_PLACES)
    return f"{whole_part}.{rest:0{RATIO_PLACES}d}"


@dataclass(frozen=True, slots=True)
class GradeFacts:
    grade: str
    count: int
    amount: int
    rate_weight: Decimal  # sum of principal x borrower rate
    lost: int  # principal of defaulted loans the borrower has not repaid


@dataclass(frozen=True, slots=True)
class VintageFacts:
    """Loans disbursed in `vintage` (a month's first day) whose default fell in `loss_month`
    (None: not defaulted)."""

    vintage: date
    loss_month: date | None
    count: int
    amount: int
    lost: int


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the disclosure publishes for one currency at one moment."""

    currency: str
    as_of: str  # ISO moment the figures were computed at
    lent_amount: int
    lent_count: int
    outstanding_principal: int
    outstanding_count: int
    outstanding_interest: int
    lenders_cumulative: int
    lenders_current: int
    borrowers_cumulative: int
    borrowers_current: int
    top10_outstanding: int
    largest_outstanding: int
    related_lent_amount: int
    related_lent_count: int
    related_outstanding_principal: int
    related_outstanding_count: int
    overdue_principal: int
    overdue_count: int
    overdue_long_principal: int
    overdue_long_count: int
    cover_paid_amount: int
    cover_paid_count: int
    fee_schedule: Sequence[Mapping[str, Any]]
    grades: Sequence[GradeFacts]
    vintages: Sequence[VintageFacts]


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def vintage_curves(facts: Sequence[VintageFacts], this_month: date) -> list[dict[str, Any]]:
    """Per vintage, the cumulative share of its principal lost by each month on book, from
    its own month (0) to `this_month`."""
    by_vintage: dict[date, list[VintageFacts]] = {}
    for fact in facts:
        by_vintage.setdefault(fact.vintage, []).append(fact)
    curves = []
    for vintage in sorted(by_vintage):
        rows = by_vintage[vintage]
        amount = sum(r.amount for r in rows)
        points = []
        for months in range(max(_months_between(vintage, this_month), 0) + 1):
            until = _add_months(vintage, months)
            lost = sum(r.lost for r in rows if r.loss_month is not None and r.loss_month <= until)
            points.append({"monthsOnBook": months, "lost": lost, "lossRate": ratio(lost, amount)})
        curves.append(
            {
                "month": vintage.isoformat()[:7],
                "count": sum(r.count for r in rows),
                "amount": amount,
                "points": points,
            }
        )
    return curves


def document_of(figures: Figures, this_month: date) -> dict[str, Any]:
    """The figures as the published JSON document (money still in minor units: `_texts`
    writes them as decimal strings)."""
    f = figures
    grades = [
        {
            "grade": g.grade,
            "count": g.count,
            "amount": g.amount,
            "averageAmount": round_half_up(Fraction(g.amount, g.count)) if g.count else 0,
            "averageRate": ratio(Fraction(g.rate_weight), g.amount),
            "lost": g.lost,
            "lossRate": ratio(g.lost, g.amount),
        }
        for g in sorted(f.grades, key=lambda g: g.grade)
    ]
    document = {
        "definitions": DEFINITIONS_VERSION,
        "currency": f.currency,
        "asOf": f.as_of,
        "lent": {"amount": f.lent_amount, "count": f.lent_count},
        "outstanding": {
            "principal": f.outstanding_principal,
            "count": f.outstanding_count,
            "interest": f.outstanding_interest,
        },
        "lenders": {"cumulative": f.lenders_cumulative, "current": f.lenders_current},
        "borrowers": {"cumulative": f.borrowers_cumulative, "current": f.borrowers_current},
        "concentration": {
            "top10Share": ratio(f.top10_outstanding, f.outstanding_principal),
            "largestShare": ratio(f.largest_outstanding, f.outstanding_principal),
        },
        "relatedParty": {
            "lentAmount": f.related_lent_amount,
            "lentCount": f.related_lent_count,
            "outstandingPrincipal": f.related_outstanding_principal,
            "outstandingCount": f.related_outstanding_count,
        },
        "overdue": {
            "principal": f.overdue_principal,
            "count": f.overdue_count,
            "over90Principal": f.overdue_long_principal,
            "over90Count": f.overdue_long_count,
            "rateByCount": ratio(f.overdue_count, f.outstanding_count),
            "rateByAmount": ratio(f.overdue_principal, f.outstanding_principal),
        },
        "coverPaid": {"amount": f.cover_paid_amount, "count": f.cover_paid_count},
        "feeSchedule": list(f.fee_schedule),
        "grades": grades,
        "vintages": vintage_curves(f.vintages, this_month),
    }
    published: dict[str, Any] = _texts(document, f.currency)
    return published


# Keys whose integer values are money (minor units), written as decimal strings.
MONEY_KEYS = frozenset(
    {
        "amount",
        "principal",
        "interest",
        "lentAmount",
        "outstandingPrincipal",
        "over90Principal",
        "averageAmount",
        "lost",
        "fixed",
    }
)


def _texts(value: Any, currency: str, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _texts(v, currency, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(v, currency, key) for v in value]
    if key in MONEY_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return Money(value, currency).to_decimal_string()
    return value


def canonical_text(document: Mapping[str, Any]) -> str:
    """The one text of a document: keys sorted, no whitespace, non-ASCII as itself."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(text: str) -> str:
    """sha256 of the canonical text's UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
