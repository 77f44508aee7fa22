"""An early exit's rules: the leaving investor's share of the notes spread over them exactly
(no part above its note, the rest of the plan still shared exactly among the others), the
fee charged as money arrives summing to one rounding of the whole, and the exit's states."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.wealth.plan_exit import early_exit_fee, exit_fee_due, exit_state, note_parts
from domain.wealth.plans import holdings_of
from domain.wealth.states import PlanExitState

NOTES = st.dictionaries(st.integers(0, 10**4), st.integers(1, 10**9), max_size=10)
STAKES = st.dictionaries(st.integers(0, 10**4), st.integers(1, 10**9), min_size=2, max_size=8)


@given(st.integers(0, 10**10), NOTES, STAKES)
def test_a_leavers_share_comes_out_of_the_notes_exactly_and_the_rest_stays_shared(
    cash: int, notes: dict[int, int], stakes: dict[int, int]
) -> None:
    leaver = min(stakes)
    share = holdings_of({"cash": cash, "notes": sum(notes.values())}, stakes)[leaver]
    parts = note_parts(share["notes"], notes)
    assert sum(parts.values()) == share["notes"]
    assert all(0 <= parts[n] <= notes[n] for n in notes)
    # What the others hold after: the plan less the leaver's share, shared exactly again
    left_cash = cash - share["cash"]
    left_notes = sum(notes[n] - parts[n] for n in notes)
    others = {who: amount for who, amount in stakes.items() if who != leaver}
    after = holdings_of({"cash": left_cash, "notes": left_notes}, others)
    assert sum(h["cash"] + h["notes"] for h in after.values()) == (
        cash + sum(notes.values()) - share["cash"] - share["notes"]
    )


@given(st.lists(st.integers(0, 10**9), max_size=20), st.sampled_from(["0", "0.005", "0.05"]))
def test_the_fee_charged_as_money_arrives_is_the_fee_on_the_whole(
    arrivals: list[int], rate: str
) -> None:
    received = charged = 0
    for amount in arrivals:
        received += amount
        fee = exit_fee_due(received, Decimal(rate), charged)
        assert 0 <= fee <= amount  # never more than what just arrived
        charged += fee
    assert charged == early_exit_fee(received, Decimal(rate))


def test_an_exit_is_pending_until_a_note_goes_and_done_when_none_is_left() -> None:
    assert exit_state(3, 3) is PlanExitState.PENDING
    assert exit_state(2, 3) is PlanExitState.PARTLY_SOLD
    assert exit_state(0, 3) is PlanExitState.DONE
    assert exit_state(0, 0) is PlanExitState.DONE
    assert exit_state(2, 3, held=True) is PlanExitState.HELD  # the book could not buy them
    assert exit_state(0, 3, held=True) is PlanExitState.DONE  # and they have all repaid
