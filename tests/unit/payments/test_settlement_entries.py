"""From splits and refund reversals to a merchant's settlement: its net is its own leg, kept."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import Money
from domain.payments.settlement import PayoutSchedule, settle_merchant
from domain.payments.settlement_entries import payment_entry, refund_entry
from domain.revenue.refund_reversal import CapturedSplit, reverse_for_refund
from domain.revenue.splits import Party, Role, SplitLeg

MERCHANT = Party(Role.MERCHANT, "m-1")
OTHERS = [Party(Role.PLATFORM, "agora"), Party(Role.REFERRER, "r-1"), Party(Role.INSURER, "i-1")]
RELEASED = date(2026, 11, 30)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


@st.composite
def payments_with_refunds(draw: st.DrawFn) -> tuple[CapturedSplit, list[int]]:
    legs = [SplitLeg(MERCHANT, cny(draw(st.integers(0, 10**9))))]
    for party in draw(st.lists(st.sampled_from(OTHERS), unique=True, max_size=3)):
        legs.append(SplitLeg(party, cny(draw(st.integers(0, 10**7)))))
    split = CapturedSplit(cny(draw(st.integers(0, 10**7))), tuple(draw(st.permutations(legs))))
    refunds, left = [], split.captured.minor
    for _ in range(draw(st.integers(0, 4))):
        if left == 0:
            break
        refunds.append(draw(st.integers(1, left)))
        left -= refunds[-1]
    return split, refunds


@given(payments_with_refunds())
def test_the_batch_pays_the_merchant_what_its_leg_kept(
    case: tuple[CapturedSplit, list[int]],
) -> None:
    # given a released payment and its refunds as settlement entries
    split, refunds = case
    entries = [payment_entry(reference="p", released_on=RELEASED, split=split, merchant=MERCHANT)]
    refunded = merchant_gave_back = 0
    for number, refund in enumerate(refunds):
        reversal = reverse_for_refund(split, refunded_before=cny(refunded), refund=cny(refund))
        refunded += refund
        (leg,) = [leg for leg in reversal.legs if leg.party == MERCHANT]
        merchant_gave_back += leg.amount.minor
        entries.append(
            refund_entry(
                reference=f"r{number}", refunded_on=RELEASED, reversal=reversal, merchant=MERCHANT
            )
        )

    # when
    batch = settle_merchant(
        merchant_id="m-1",
        entries=entries,
        on=RELEASED + timedelta(days=1),
        schedule=PayoutSchedule(minimum_payout=cny(0)),
        carried_in=cny(0),
    )

    # then
    (merchant_leg,) = [leg for leg in split.legs if leg.party == MERCHANT]
    assert batch.net == cny(merchant_leg.amount.minor - merchant_gave_back)
    assert batch.gross - batch.refunds == cny(split.captured.minor - refunded)
    assert batch.gross - batch.refunds == batch.fees + batch.splits + batch.net


def test_an_entry_needs_the_merchant_among_the_parties() -> None:
    split = CapturedSplit(cny(10), (SplitLeg(OTHERS[0], cny(90)),))
    with pytest.raises(ValueError, match="no leg"):
        payment_entry(reference="p", released_on=RELEASED, split=split, merchant=MERCHANT)
