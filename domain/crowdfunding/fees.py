"""The platform's fee on a successful campaign, per kind, as versioned data (pure).

fee = total captured x the kind's rate, rounded half-up once on the whole; then shared among
the pledges in proportion to their amounts by largest remainder (equal remainders to the
earlier pledge), so the pledges' fees sum to the fee exactly and a refund of one pledge can
reverse exactly its own part. A change of rates is a new version: every campaign keeps the
version it launched under.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from domain.crowdfunding.states import CampaignKind
from domain.money import round_half_up, split_exactly


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    version: str
    basis_points: MappingProxyType[CampaignKind, int]  # 500 = 5 %

    def rate_of(self, kind: CampaignKind) -> int:
        return self.basis_points[kind]


FEES_2026_12_V1 = FeeSchedule(
    version="crowdfunding-fees-2026-12-v1",
    basis_points=MappingProxyType(
        {
            CampaignKind.DONATION: 0,  # donations pay nothing; backers may tip the platform
            CampaignKind.REWARD: 500,
            CampaignKind.EQUITY: 700,
            CampaignKind.DEBT: 300,
        }
    ),
)
SCHEDULES = {schedule.version: schedule for schedule in (FEES_2026_12_V1,)}
CURRENT_FEES = FEES_2026_12_V1


def schedule_of(version: str) -> FeeSchedule:
    return SCHEDULES[version]


def platform_fee(total: int, basis_points: int) -> int:
    """The fee on `total` minor units captured at `basis_points`."""
    if total < 0 or not 0 <= basis_points <= 10_000:
        raise ValueError("a fee is a share within 0..100 % of a non-negative total")
    return round_half_up(Fraction(total * basis_points, 10_000))


def fee_shares(fee: int, amounts: Sequence[int]) -> list[int]:
    """`fee` shared among pledges of `amounts`, in proportion, exactly (see module doc)."""
    if fee and not any(amounts):
        raise ValueError("a fee needs something captured to be taken from")
    return split_exactly(fee, list(amounts))
