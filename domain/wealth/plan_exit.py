"""When a lending plan matures and how its investors leave it (pure).

- A plan matures `term_months` calendar months after its window closes (the day clamped to
  the month's length, as loan due dates are: domain.lending.calendar), in UTC. Its notes
  then go on lending's secondary market at their fair value (outstanding principal plus
  the interest accrued in the current period, within the product's bounds); what nobody
  bought `EXIT_DAYS` days later the platform's book buys at the same rule on that day (the
  plan paying the product's transfer fee, as any seller; none if its notes cannot be
  resold), as far as the book's capacity lets it: the rest the plan holds to maturity.
  Then the plan's cash is what it realised: the fee (plans.plan_fee) goes to revenue stream
  `management_fee` and the rest to its investors by their stakes, exactly; what arrives
  after (held notes' repayments, recoveries) is shared the same way, the fee being the
  rule's on all that was realised less what was taken.
- Early exit: refused until `lockup_months` after the window closes, and once the plan has
  matured. After it, the investor's exact shares of the plan's cash and of its notes'
  principal (plans.holdings_of) leave the plan, so the others' shares keep their value:
  - its share of the notes is spread over the plan's notes by their outstanding principal
    (`note_parts`: largest remainder, so the parts sum to the share exactly and none
    exceeds its note); each part of a note being repaid is split off into a note of the
    exit's own holder (lending's note_split) and listed on the secondary market at the
    maturity exit's price rule (fair value, within the product's bounds); a part of a note
    still being funded is paid as cash instead, with its share of the cash, at once (refused
    if the plan does not hold that much cash now);
  - what the exit's notes bring (sales, repayments, a cover's payment or a recovery on a
    defaulted one) reaches the investor as it arrives, less the plan's early-exit fee
    (`exit_fee_due`: the rate on everything the exit has brought, half-up, charged as the
    difference from what was taken before, so the total is one rounding of the whole);
  - what is unsold `EXIT_DAYS` days after it left the platform's book buys, as at maturity,
    as far as its capacity lets it: the rest the exit holds to maturity (HELD), paying the
    investor as they repay; the exit's state (`exit_state`) says how far it has got.
  Accrued interest stays with the notes: their price carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from domain.lending.calendar import add_months
from domain.money import round_half_up
from domain.wealth.plans import K, shares_of
from domain.wealth.states import PlanExitState

EXIT_DAYS = 7  # on the secondary market before the platform's book buys the rest


def months_after(moment: datetime, months: int) -> datetime:
    """`moment` moved by `months` calendar months (day clamped), keeping its time of day."""
    day = add_months(moment.date(), months)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def matures_at(closes_at: datetime, term_months: int) -> datetime:
    return months_after(closes_at, term_months)


def lockup_ends(closes_at: datetime, lockup_months: int) -> datetime:
    return months_after(closes_at, lockup_months)


def exit_deadline(matured_at: datetime) -> datetime:
    """When the platform's book buys what the market did not."""
    return matured_at + timedelta(days=EXIT_DAYS)


def early_exit_fee(value: int, fee_rate: Decimal) -> int:
    """The fee on leaving early with `value`: the rate, half-up, never more than the value."""
    if value < 0 or fee_rate < 0:
        raise ValueError("the value and the rate are never negative")
    return min(round_half_up(value * Fraction(fee_rate)), value)


def note_parts(share: int, outstanding: Mapping[K, int]) -> dict[K, int]:
    """The investor's `share` of the plan's notes, spread over them by their outstanding
    principal: exact, and no part above its note (share <= their sum)."""
    if not 0 <= share <= sum(outstanding.values()):
        raise ValueError("a share of the notes is within what they hold")
    return shares_of(share, outstanding) if outstanding else {}


def exit_fee_due(received: int, fee_rate: Decimal, charged: int) -> int:
    """The fee on what an exit has just brought, `received` being everything it has brought
    so far and `charged` the fee taken before: the fee on the whole, less that."""
    return max(0, early_exit_fee(received, fee_rate) - charged)


def exit_state(live_notes: int, carved_notes: int, *, held: bool = False) -> PlanExitState:
    """DONE once none of the carved notes is live; else HELD once the platform's book could
    not buy them; else PENDING while all are live."""
    if live_notes == 0:
        return PlanExitState.DONE
    if held:
        return PlanExitState.HELD
    return PlanExitState.PENDING if live_notes >= carved_notes else PlanExitState.PARTLY_SOLD
