"""Split rules: who gets what part of a payment, exact to the minor unit (pure).

A rule lists recipients, each with a fixed amount or a percent. Fixed amounts come off the
top; the percents share what is left and must sum to exactly 100 %. Shares are rounded by
largest remainder (domain.money.split_exactly): each recipient gets its exact share rounded
down or up, and equal remainders go to the rule's named remainder party first, then in the
rule's order. The legs always sum to the amount split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from domain.money import Money, split_exactly

HUNDRED = Decimal(100)


class Role(Enum):
    MERCHANT = "MERCHANT"
    PLATFORM = "PLATFORM"
    REFERRER = "REFERRER"  # referrer or affiliate
    PARTNER = "PARTNER"
    INSURER = "INSURER"


@dataclass(frozen=True, slots=True)
class Party:
    """A recipient: its role in the payment and who it is (a participant or account id)."""

    role: Role
    party_id: str


@dataclass(frozen=True, slots=True)
class PercentShare:
    """`percent` % (Decimal("2.5") = 2.5 %) of what is left once fixed shares are paid."""

    party: Party
    percent: Decimal

    @classmethod
    def from_basis_points(cls, party: Party, basis_points: int) -> PercentShare:
        return cls(party, Decimal(basis_points) / 100)


@dataclass(frozen=True, slots=True)
class FixedShare:
    """A fixed amount, paid before the percents are applied."""

    party: Party
    amount: Money


Share = PercentShare | FixedShare


@dataclass(frozen=True, slots=True)
class SplitRule:
    shares: tuple[Share, ...]
    remainder_party: Party  # wins ties between equal rounding remainders


@dataclass(frozen=True, slots=True)
class SplitLeg:
    party: Party
    amount: Money


@dataclass(frozen=True, slots=True)
class SplitViolation:
    """One broken rule of a split rule; `field` names the input at fault ("shares[1].percent")."""

    field: str
    message: str


class InvalidSplitRule(ValueError):
    def __init__(self, violations: Sequence[SplitViolation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.message}" for v in violations))
        self.violations = tuple(violations)


def split_rule_violations(rule: SplitRule, amount: Money | None = None) -> list[SplitViolation]:
    """Every way `rule` is invalid, for any amount or (given `amount`) for that one."""
    found: list[SplitViolation] = []
    if not rule.shares:
        found.append(SplitViolation("shares", "needs at least one recipient"))
    seen: set[Party] = set()
    for index, share in enumerate(rule.shares):
        if share.party in seen:
            found.append(SplitViolation(f"shares[{index}].party", "appears more than once"))
        seen.add(share.party)
        found.extend(_share_violations(index, share, amount))
    if rule.shares and rule.remainder_party not in seen:
        found.append(SplitViolation("remainder_party", "must be one of the recipients"))
    percents = [s.percent for s in rule.shares if isinstance(s, PercentShare)]
    if rule.shares and all(p.is_finite() for p in percents) and sum(percents) != HUNDRED:
        found.append(
            SplitViolation("shares", f"percents sum to {sum(percents)} %; they must make 100 %")
        )
    fixed = [s.amount for s in rule.shares if isinstance(s, FixedShare)]
    if amount is not None and all(f.currency == amount.currency for f in fixed):
        total_fixed = sum(f.minor for f in fixed)
        if total_fixed > amount.minor:
            found.append(SplitViolation("shares", "fixed shares are more than the amount"))
    return found


def check_split_rule(rule: SplitRule, amount: Money | None = None) -> None:
    """Raise InvalidSplitRule listing every violation, if any."""
    violations = split_rule_violations(rule, amount)
    if violations:
        raise InvalidSplitRule(violations)


def apply_split(amount: Money, rule: SplitRule) -> list[SplitLeg]:
    """One leg per recipient, in the rule's order, summing exactly to `amount` (>= 0)."""
    if amount.minor < 0:
        raise ValueError("only a non-negative amount can be split")
    check_split_rule(rule, amount)
    fixed_total = sum(s.amount.minor for s in rule.shares if isinstance(s, FixedShare))
    weights = [
        Fraction(s.percent) if isinstance(s, PercentShare) else Fraction(0) for s in rule.shares
    ]
    favoured = [s.party for s in rule.shares].index(rule.remainder_party)
    variable = split_exactly(amount.minor - fixed_total, weights, favoured=favoured)
    return [
        SplitLeg(share.party, Money(part + _fixed_minor(share), amount.currency))
        for share, part in zip(rule.shares, variable, strict=True)
    ]


def _fixed_minor(share: Share) -> int:
    return share.amount.minor if isinstance(share, FixedShare) else 0


def _share_violations(index: int, share: Share, amount: Money | None) -> list[SplitViolation]:
    if isinstance(share, PercentShare):
        field = f"shares[{index}].percent"
        if not share.percent.is_finite() or not Decimal(0) < share.percent <= HUNDRED:
            return [SplitViolation(field, "must be more than 0 and at most 100")]
        return []
    field = f"shares[{index}].amount"
    if share.amount.minor <= 0:
        return [SplitViolation(field, "must be greater than zero")]
    if amount is not None and share.amount.currency != amount.currency:
        return [SplitViolation(field, f"must be in {amount.currency}, like the payment")]
    return []
