"""Distribution of a repayment to note holders and the platform: exact to the minor unit."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.lending.allocation import InstallmentAllocation, RepaymentAllocation
from domain.lending.distribution import (
    HolderPayout,
    NoteHolding,
    ReceivedRepayment,
    distribute_repayment,
    holder_interest,
)

RATE = Decimal("0.12")


def test_shares_follow_the_notes_principal_and_the_odd_unit_goes_to_the_largest_remainder() -> None:
    notes = [
        NoteHolding("n2", "bob", 300_000, RATE),
        NoteHolding("n1", "ann", 600_000, RATE),
        NoteHolding("n3", "bank", 100_000, RATE),
    ]

    result = distribute_repayment(ReceivedRepayment(83_333, 10_001), notes, borrower_rate=RATE)

    assert result.payouts == (
        # 83,333 x 0.6 = 49,999.8 / 0.3 = 24,999.9 / 0.1 = 8,333.3: two units left, to the
        # largest remainders (.9 then .8); of 10,001 interest one unit, to n1's .6.
        HolderPayout("n1", "ann", 50_000, 6_001, 0),
        HolderPayout("n2", "bob", 25_000, 3_000, 0),
        HolderPayout("n3", "bank", 8_333, 1_000, 0),
    )
    assert (result.platform_spread, result.platform_fees) == (0, 0)


def test_a_holder_earning_less_than_the_borrower_pays_leaves_the_spread_to_the_platform() -> None:
    notes = [NoteHolding("bank-note", "bank", 1_000_000, Decimal("0.09"))]

    result = distribute_repayment(
        ReceivedRepayment(80_000, 10_000, penalty=500, fees=300), notes, borrower_rate=RATE
    )

    assert result.payouts == (HolderPayout("bank-note", "bank", 80_000, 7_500, 500),)
    assert result.platform_spread == 2_500  # 3 of the 12 points
    assert result.platform_fees == 300
    assert result.total == 90_800


def test_an_allocated_repayment_is_summed_by_component() -> None:
    allocation = RepaymentAllocation(
        (
            InstallmentAllocation(1, penalty=5, fees=10, interest=100, principal=1_000),
            InstallmentAllocation(2, fees=10, interest=90),
        ),
        leftover=7,
    )

    assert ReceivedRepayment.of(allocation) == ReceivedRepayment(1_000, 190, penalty=5, fees=20)


def test_a_holder_never_gets_more_interest_than_its_note_paid() -> None:
    assert holder_interest(100, holder_rate=Decimal("0.15"), borrower_rate=RATE) == 100
    assert holder_interest(100, holder_rate=Decimal("0.05"), borrower_rate=Decimal(0)) == 100
    assert holder_interest(7, holder_rate=Decimal("0.06"), borrower_rate=RATE) == 4  # 3.5 up


notes_held = st.lists(
    st.builds(
        NoteHolding,
        note_id=st.text("abcdef", min_size=1, max_size=4),
        holder_id=st.sampled_from(["ann", "bob", "bank"]),
        principal=st.integers(1, 10**9),
        annual_rate=st.integers(0, 2400).map(lambda bp: Decimal(bp) / 10_000),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda note: note.note_id,
)
received_repayments = st.builds(
    ReceivedRepayment,
    principal=st.integers(0, 10**10),
    interest=st.integers(0, 10**9),
    penalty=st.integers(0, 10**7),
    fees=st.integers(0, 10**7),
)
borrower_rates = st.integers(0, 2400).map(lambda bp: Decimal(bp) / 10_000)


@given(received_repayments, notes_held, borrower_rates)
def test_every_part_is_distributed_exactly_for_any_shares(
    received: ReceivedRepayment, notes: list[NoteHolding], borrower_rate: Decimal
) -> None:
    result = distribute_repayment(received, notes, borrower_rate=borrower_rate)

    assert sum(p.principal for p in result.payouts) == received.principal
    assert sum(p.penalty for p in result.payouts) == received.penalty
    assert sum(p.interest for p in result.payouts) + result.platform_spread == received.interest
    assert result.platform_spread >= 0
    assert result.platform_fees == received.fees
    assert result.total == received.total
    total_principal = sum(n.principal for n in notes)
    for payout, note in zip(result.payouts, sorted(notes, key=lambda n: n.note_id), strict=True):
        assert abs(payout.principal * total_principal - received.principal * note.principal) < (
            total_principal
        )


@given(received_repayments, notes_held, borrower_rates, st.randoms(use_true_random=False))
def test_the_order_of_the_notes_does_not_change_anything(
    received: ReceivedRepayment, notes: list[NoteHolding], borrower_rate: Decimal, random: object
) -> None:
    shuffled = list(notes)
    random.shuffle(shuffled)  # type: ignore[attr-defined]

    assert distribute_repayment(received, shuffled, borrower_rate=borrower_rate) == (
        distribute_repayment(received, notes, borrower_rate=borrower_rate)
    )
