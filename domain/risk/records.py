"""A credit decision and a fraud verdict as stored and shown: plain JSON-ready records (pure).

Lending's applications and BNPL's credit decisions keep the same records, so operators read
every decision of the risk engine alike.
"""

from __future__ import annotations

from typing import Any

from domain.risk.fraud import FraudVerdict
from domain.risk.score import CreditDecision


def reason_records(decision: CreditDecision) -> list[dict[str, Any]]:
    """The decision's reason codes, largest loss first."""
    return [
        {"code": r.code, "text": r.text, "points_lost": r.points_lost} for r in decision.reasons
    ]


def point_records(decision: CreditDecision) -> list[dict[str, Any]]:
    """Every feature's value, bin and points, in the scorecard's order."""
    return [
        {
            "feature": p.feature,
            "value": str(p.value),
            "bin": p.bin_label,
            "points": p.points,
            "points_lost": p.points_lost,
        }
        for p in decision.points
    ]


def fraud_records(verdict: FraudVerdict) -> list[dict[str, Any]]:
    """Every fraud or velocity rule that fired, most severe first."""
    return [{"code": r.code, "text": r.text, "action": r.action.name} for r in verdict.reasons]
