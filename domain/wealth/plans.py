"""A lending plan's fee and its investors' shares (pure).

A plan (定期, e.g. 3, 6 or 12 months) pools investors' money into loan notes. Its target
annual rate is shown as a target, never promised. The platform's management fee is chosen
per plan:
- ASSETS: a percentage of the money invested a year, accrued by days held (actual/365):
  principal x rate x days / 365, half-up once on the whole;
- EXCESS: everything the plan realised above its target return, principal x target x days /
  365 (half-up); nothing when it realised less.
The fee is never more than the plan earned (realised less principal): the plan's losses are
the investors', never deepened by the fee.

Every amount the plan holds (notes' principal, cash, accrued interest, the payout at
maturity) is shared among its investors in proportion to their stakes, exactly: largest
remainder (domain.money.split_exactly) over the investors in the order of their ids, so
the parts sum to the whole and do not depend on the order they are given in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import TypeVar
from uuid import UUID

from domain.money import round_half_up, split_exactly

DAYS_IN_YEAR = 365
K = TypeVar("K", UUID, str, int)


class PlanFeeKind(Enum):
    ASSETS = "ASSETS"  # a percentage of the money invested, a year
    EXCESS = "EXCESS"  # what was realised above the target return


@dataclass(frozen=True, slots=True)
class PlanFeeRule:
    kind: PlanFeeKind
    annual_rate: Decimal  # ASSETS: the fee's rate; EXCESS: unused (the plan's target is)


def target_return(principal: int, target_rate: Decimal, days: int) -> int:
    """What the plan aims to earn on `principal` over `days` (shown, never promised)."""
    if principal < 0 or days < 0 or target_rate < 0:
        raise ValueError("principal, days and the target are never negative")
    return round_half_up(principal * Fraction(target_rate) * days / DAYS_IN_YEAR)


def plan_fee(
    rule: PlanFeeRule, *, principal: int, realised: int, target_rate: Decimal, days: int
) -> int:
    """The platform's fee on a plan that invested `principal` for `days` and realised
    `realised` (principal back, interest, recoveries, sale proceeds)."""
    if principal < 0 or realised < 0 or days < 0 or rule.annual_rate < 0:
        raise ValueError("amounts, days and rates are never negative")
    earned = max(0, realised - principal)
    if rule.kind is PlanFeeKind.ASSETS:
        fee = round_half_up(principal * Fraction(rule.annual_rate) * days / DAYS_IN_YEAR)
    else:
        fee = max(0, earned - target_return(principal, target_rate, days))
    return min(fee, earned)


def shares_of(total: int, stakes: Mapping[K, int]) -> dict[K, int]:
    """`total` shared among investors in proportion to their stakes, exactly (see the
    module's doc): ties go to the investor whose id sorts first, whatever the order given."""
    investors = sorted(stakes)
    parts = split_exactly(total, [stakes[who] for who in investors])
    return dict(zip(investors, parts, strict=True))


def holdings_of(components: Mapping[str, int], stakes: Mapping[K, int]) -> dict[K, dict[str, int]]:
    """Each investor's share of each amount the plan holds ("notes", "cash", "accrued", ...):
    every component's shares sum to it exactly."""
    split = {name: shares_of(amount, stakes) for name, amount in components.items()}
    return {who: {name: split[name][who] for name in components} for who in stakes}
