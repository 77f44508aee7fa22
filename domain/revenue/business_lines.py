"""Which business line each revenue stream belongs to, as versioned data (pure).

A stream is a PLATFORM_REVENUE ledger account's label; streams appear in the reports the day
their first fee is booked, whoever adds them. A stream is placed by its exact name, else by
the first prefix it starts with, else under OTHER: a stream no rule names is still reported,
never dropped. `interest_spread` is booked by lending and by BNPL claims alike; it is counted
under lending, where nearly all of it arises.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType


class BusinessLine(Enum):
    LENDING = "LENDING"
    PAYMENTS = "PAYMENTS"
    CONSUMER_CREDIT = "CONSUMER_CREDIT"
    CROWDFUNDING = "CROWDFUNDING"
    INSURANCE = "INSURANCE"
    WEALTH = "WEALTH"
    SUPPLY_CHAIN = "SUPPLY_CHAIN"
    ADVERTISING = "ADVERTISING"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class StreamPlacement:
    version: str
    by_name: MappingProxyType[str, BusinessLine]
    by_prefix: tuple[tuple[str, BusinessLine], ...]

    def line_of(self, stream: str) -> BusinessLine:
        """The business line of `stream`: by name, by prefix, else OTHER."""
        named = self.by_name.get(stream)
        if named is not None:
            return named
        for prefix, line in self.by_prefix:
            if stream.startswith(prefix):
                return line
        return BusinessLine.OTHER


PLACEMENT_2026_12_V1 = StreamPlacement(
    version="revenue-lines-2026-12-v1",
    by_name=MappingProxyType(
        {
            "origination_fee": BusinessLine.LENDING,
            "service_fee": BusinessLine.LENDING,
            "installment_fee": BusinessLine.LENDING,
            "interest_spread": BusinessLine.LENDING,
            "transfer_fee": BusinessLine.LENDING,
            "mdr": BusinessLine.PAYMENTS,
            "revenue_share": BusinessLine.PAYMENTS,
            "management_fee": BusinessLine.WEALTH,
            "advertising": BusinessLine.ADVERTISING,
        }
    ),
    by_prefix=(
        ("bnpl_", BusinessLine.CONSUMER_CREDIT),
        ("crowdfunding_", BusinessLine.CROWDFUNDING),
        ("insurance_", BusinessLine.INSURANCE),
        ("wealth_", BusinessLine.WEALTH),
        ("scf_", BusinessLine.SUPPLY_CHAIN),
        ("advertising_", BusinessLine.ADVERTISING),
        ("loan_", BusinessLine.LENDING),
    ),
)
CURRENT_PLACEMENT = PLACEMENT_2026_12_V1
