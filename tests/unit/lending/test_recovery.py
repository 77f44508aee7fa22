"""After a default: the cover's payment, and recoveries to the guarantor first, then funders."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lending.products import Cover, CoverKind
from domain.lending.recovery import cover_amount, cover_due, share_recovery

GUARANTEE = Cover(CoverKind.GUARANTEE, Decimal("0.8"))  # no provider: the platform's fund


def test_the_cover_pays_its_share_as_far_as_its_account_holds() -> None:
    assert cover_amount(GUARANTEE, 1_000_005, available=10**9) == 800_004
    assert cover_amount(GUARANTEE, 1_000_000, available=300_000) == 300_000
    assert cover_amount(GUARANTEE, 1_000_000, available=-5) == 0
    assert cover_amount(Cover(), 1_000_000, available=10**9) == 0


@given(st.integers(0, 10**12), st.integers(-10, 10**12))
def test_what_the_cover_pays_and_its_shortfall_make_what_it_owes(
    outstanding: int, available: int
) -> None:
    paid = cover_amount(GUARANTEE, outstanding, available=available)
    shortfall = cover_due(GUARANTEE, outstanding) - paid
    assert 0 <= paid <= max(available, 0)
    assert shortfall >= 0
    assert shortfall == 0 or paid == max(available, 0)


def test_the_guarantor_is_repaid_before_any_funder() -> None:
    assert share_recovery(500, guarantor_claim=800, note_claims=[120, 80]).notes == (0, 0)
    shares = share_recovery(900, guarantor_claim=800, note_claims=[120, 80])
    assert (shares.guarantor, shares.notes, shares.leftover) == (800, (60, 40), 0)
    everything = share_recovery(1_500, guarantor_claim=800, note_claims=[120, 80])
    assert (everything.applied, everything.leftover) == (1_000, 500)


def test_negative_claims_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        share_recovery(10, guarantor_claim=-1, note_claims=[])


@given(
    st.integers(0, 10**12),
    st.integers(0, 10**10),
    st.lists(st.integers(0, 10**10), max_size=12),
)
def test_recoveries_are_exact_in_order_and_never_beyond_a_claim(
    amount: int, guarantor_claim: int, note_claims: list[int]
) -> None:
    shares = share_recovery(amount, guarantor_claim=guarantor_claim, note_claims=note_claims)

    assert shares.applied + shares.leftover == amount
    assert 0 <= shares.guarantor <= guarantor_claim
    assert all(0 <= part <= claim for part, claim in zip(shares.notes, note_claims, strict=True))
    if sum(shares.notes):  # funders are paid only once the guarantor is whole
        assert shares.guarantor == guarantor_claim
    if shares.leftover:  # money is left over only once every claim is met
        assert shares.applied == guarantor_claim + sum(note_claims)
