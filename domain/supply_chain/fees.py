"""The platform's supply-chain service fee, as versioned data (pure).

fee = face amount x basis points / 10,000, rounded half-up once. The holder pays it out of
the early payment (revenue stream `scf_fee`); every financing keeps the version it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from domain.money import round_half_up


@dataclass(frozen=True, slots=True)
class ServiceFee:
    version: str
    basis_points: int  # 10 = 0.10 % of the face amount


SCF_FEES_2026_12_V1 = ServiceFee(version="scf-fees-2026-12-v1", basis_points=10)
SCHEDULES = {fee.version: fee for fee in (SCF_FEES_2026_12_V1,)}
CURRENT_FEE = SCF_FEES_2026_12_V1


def service_fee(amount: int, basis_points: int) -> int:
    """The fee on `amount` minor units at `basis_points`."""
    if amount < 0 or not 0 <= basis_points <= 10_000:
        raise ValueError("a fee is a share within 0..100 % of a non-negative amount")
    return round_half_up(Fraction(amount * basis_points, 10_000))
