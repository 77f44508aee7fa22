"""What a claim pays, the insurer's decision, and the parametric freight table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.insurance.claims import (
    Decision,
    check_claimable,
    decided_amount,
    freight_payout,
    max_payout,
    payable,
)
from domain.insurance.errors import ClaimRefused
from domain.insurance.products import Coverage, FreightBand

START = datetime(2026, 12, 1, tzinfo=UTC)
TABLE = (FreightBand(100_00, 8_00), FreightBand(500_00, 12_00), FreightBand(10**9, 20_00))


def test_a_claim_pays_its_share_less_the_deductible_up_to_what_is_left() -> None:
    coverage = Coverage(share=Decimal("0.8"), max_payout=50_000, deductible=1_000)
    assert payable(coverage, insured=100_000, loss=20_000, paid_before=0) == 15_000
    assert payable(coverage, insured=100_000, loss=20_000, paid_before=40_000) == 10_000
    assert payable(coverage, insured=100_000, loss=1_000, paid_before=0) == 0
    assert max_payout(Coverage(share=Decimal("0.8")), 100_001) == 80_001


def test_no_claim_in_the_waiting_period_or_after_the_term() -> None:
    end = START + timedelta(days=30)
    with pytest.raises(ClaimRefused):
        check_claimable(starts_at=START, ends_at=end, waiting_days=3, at=START + timedelta(days=2))
    with pytest.raises(ClaimRefused):
        check_claimable(starts_at=START, ends_at=end, waiting_days=3, at=end)
    check_claimable(starts_at=START, ends_at=end, waiting_days=3, at=START + timedelta(days=3))


def test_decisions() -> None:
    assert decided_amount(Decision.APPROVE, payable_amount=500, amount=None, reason="") == 500
    assert decided_amount(Decision.PARTIAL, payable_amount=500, amount=200, reason="x") == 200
    assert decided_amount(Decision.REJECT, payable_amount=500, amount=None, reason="fraud") == 0
    for decision, amount, reason, field in (
        (Decision.APPROVE, 400, "", "amount"),
        (Decision.PARTIAL, 500, "x", "amount"),
        (Decision.PARTIAL, 0, "x", "amount"),
        (Decision.PARTIAL, 100, " ", "reason"),
        (Decision.REJECT, None, "", "reason"),
        (Decision.REJECT, 5, "x", "amount"),
    ):
        with pytest.raises(InvalidInput) as refused:
            decided_amount(decision, payable_amount=500, amount=amount, reason=reason)
        assert refused.value.field == field


def test_the_freight_table_pays_by_band() -> None:
    assert [freight_payout(TABLE, a) for a in (1, 100_00, 100_01, 10**10)] == [
        8_00,
        8_00,
        12_00,
        20_00,
    ]


@given(
    share=st.decimals(Decimal("0.01"), Decimal(1), places=2),
    insured=st.integers(1, 10**10),
    losses=st.lists(st.integers(0, 10**10), max_size=6),
    deductible=st.integers(0, 10**5),
)
def test_claims_never_pay_more_than_the_maximum_payout(
    share: Decimal, insured: int, losses: list[int], deductible: int
) -> None:
    coverage = Coverage(share=share, deductible=deductible)
    paid = 0
    for loss in losses:
        part = payable(coverage, insured=insured, loss=loss, paid_before=paid)
        assert 0 <= part <= loss
        paid += part
    assert paid <= max_payout(coverage, insured)
