"""What a claim may pay, and the insurer's decision on it (pure).

A claim of `loss` pays the coverage's share of it less the deductible, never more than what
is left of the policy's maximum payout (share of the insured amount when none is stated).
A claim can be filed only while the policy is in force and past its waiting period.
The insurer decides: APPROVE pays what is payable; PARTIAL pays less (more than nothing);
REJECT pays nothing and says why. Parametric return-shipping cover pays a fixed amount by
the band of the refunded payment's amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import Enum
from fractions import Fraction

from domain.errors import InvalidInput
from domain.insurance.errors import ClaimRefused
from domain.insurance.products import Coverage, FreightBand
from domain.money import round_half_up


class Decision(Enum):
    APPROVE = "APPROVE"
    PARTIAL = "PARTIAL"
    REJECT = "REJECT"


def max_payout(coverage: Coverage, insured: int) -> int:
    """The most a policy of `insured` pays over its life."""
    if coverage.max_payout is not None:
        return coverage.max_payout
    return round_half_up(insured * Fraction(coverage.share))


def payable(coverage: Coverage, *, insured: int, loss: int, paid_before: int) -> int:
    """What a claim of `loss` pays, given what the policy's claims paid or owe already."""
    if loss < 0 or paid_before < 0:
        raise ValueError("a loss and what was paid are not negative")
    due = max(round_half_up(loss * Fraction(coverage.share)) - coverage.deductible, 0)
    return max(min(due, max_payout(coverage, insured) - paid_before), 0)


def check_claimable(
    *, starts_at: datetime, ends_at: datetime, waiting_days: int, at: datetime
) -> None:
    """ClaimRefused unless `at` (the loss) falls in the term, past the waiting period."""
    if at < starts_at + timedelta(days=waiting_days):
        raise ClaimRefused("the loss falls inside the policy's waiting period", field="policy_id")
    if at >= ends_at:
        raise ClaimRefused("the loss falls after the policy's term", field="policy_id")


def decided_amount(
    decision: Decision, *, payable_amount: int, amount: int | None, reason: str
) -> int:
    """What the decision pays; InvalidInput on the field at fault for a decision that does
    not fit (a partial amount of nothing or of everything, a rejection without a reason)."""
    match decision:
        case Decision.APPROVE:
            if amount is not None and amount != payable_amount:
                raise InvalidInput(
                    "an approval pays what is payable: decide PARTIAL", field="amount"
                )
            return payable_amount
        case Decision.PARTIAL:
            if amount is None or not 0 < amount < payable_amount:
                raise InvalidInput(
                    f"a partial payment is above 0 and below {payable_amount}", field="amount"
                )
            if not reason.strip():
                raise InvalidInput("say why the payment is partial", field="reason")
            return amount
        case Decision.REJECT:
            if amount:
                raise InvalidInput("a rejection pays nothing", field="amount")
            if not reason.strip():
                raise InvalidInput("a rejection says why", field="reason")
            return 0


def freight_payout(table: Sequence[FreightBand], payment_amount: int) -> int:
    """The parametric payout for a refunded payment of `payment_amount`: its band's payout
    (the top band for anything above it)."""
    if not table:
        raise ValueError("a freight table has at least one band")
    return next((b.payout for b in table if payment_amount <= b.up_to), table[-1].payout)
