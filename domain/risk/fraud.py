"""Fraud and velocity rules for a loan application: allow, send to review, or decline.

Each rule that fires gives a reason; the verdict is the most severe action among them.
Thresholds are data (`FraudRules`), so operators can tighten them without a code change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum


class FraudAction(Enum):
    ALLOW = 0
    REVIEW = 1
    DECLINE = 2


@dataclass(frozen=True, slots=True)
class FraudRules:
    # Names these thresholds on every decision they make; change it whenever they change.
    version: str = "2026-11-f1"
    window: timedelta = timedelta(hours=24)
    applications_to_review: int = 3  # this application included
    applications_to_decline: int = 6
    shared_accounts_to_review: int = 1  # other accounts holding the same identity datum
    shared_accounts_to_decline: int = 3
    plausible_monthly_income: int = 50_000_000  # minor units; above it a person checks


@dataclass(frozen=True, slots=True)
class ApplicationSignals:
    earlier_applications: Sequence[datetime]  # when this participant applied before
    # kind of identity datum ("document_number", "phone", "device", "bank_card") -> how many
    # other accounts share it
    shared_identity: Mapping[str, int] = field(default_factory=dict)
    declared_monthly_income: int = 0


@dataclass(frozen=True, slots=True)
class FraudReason:
    code: str
    text: str
    action: FraudAction


@dataclass(frozen=True, slots=True)
class FraudVerdict:
    action: FraudAction
    reasons: tuple[FraudReason, ...]  # most severe first, then by code
    rules_version: str  # the FraudRules that reached it


def screen_application(
    signals: ApplicationSignals, rules: FraudRules, *, now: datetime
) -> FraudVerdict:
    """The verdict on an application made at `now`, with every rule that fired."""
    reasons = [
        *_velocity(signals, rules, now),
        *_shared_identity(signals, rules),
        *_implausible_income(signals, rules),
    ]
    reasons.sort(key=lambda r: (-r.action.value, r.code, r.text))
    action = reasons[0].action if reasons else FraudAction.ALLOW
    return FraudVerdict(action, tuple(reasons), rules.version)


def applications_in_window(earlier: Sequence[datetime], *, now: datetime, window: timedelta) -> int:
    """Applications within `window` up to `now`, this one included."""
    return 1 + sum(1 for at in earlier if now - window < at <= now)


def _velocity(signals: ApplicationSignals, rules: FraudRules, now: datetime) -> list[FraudReason]:
    count = applications_in_window(signals.earlier_applications, now=now, window=rules.window)
    action = _action_for(count, rules.applications_to_review, rules.applications_to_decline)
    if action is FraudAction.ALLOW:
        return []
    hours = rules.window.total_seconds() / 3600
    return [FraudReason("APPLICATION_VELOCITY", f"{count} applications in {hours:g} hours", action)]


def _shared_identity(signals: ApplicationSignals, rules: FraudRules) -> list[FraudReason]:
    reasons = []
    for kind, accounts in signals.shared_identity.items():
        action = _action_for(
            accounts, rules.shared_accounts_to_review, rules.shared_accounts_to_decline
        )
        if action is not FraudAction.ALLOW:
            text = f"{kind} shared with {accounts} other account(s)"
            reasons.append(FraudReason("SHARED_IDENTITY", text, action))
    return reasons


def _implausible_income(signals: ApplicationSignals, rules: FraudRules) -> list[FraudReason]:
    income = signals.declared_monthly_income
    if income < 0:
        return [FraudReason("INCOME_IMPLAUSIBLE", "negative income declared", FraudAction.DECLINE)]
    if income > rules.plausible_monthly_income:
        text = "declared income above what is plausible without proof"
        return [FraudReason("INCOME_IMPLAUSIBLE", text, FraudAction.REVIEW)]
    return []


def _action_for(count: int, to_review: int, to_decline: int) -> FraudAction:
    if count >= to_decline:
        return FraudAction.DECLINE
    if count >= to_review:
        return FraudAction.REVIEW
    return FraudAction.ALLOW
