"""A fund's, a movement's and a redemption's states and kinds (pure)."""

from __future__ import annotations

from enum import Enum


class FundState(Enum):
    OPEN = "OPEN"  # takes purchases and redemptions
    CLOSED = "CLOSED"  # redemptions only


class MovementKind(Enum):
    PURCHASE = "PURCHASE"
    REDEMPTION = "REDEMPTION"


class RedemptionState(Enum):
    PAID = "PAID"  # every part paid
    PENDING = "PENDING"  # the T+1 part waits for its business day


class PlanState(Enum):
    OPEN = "OPEN"  # taking subscriptions until its window closes
    INVESTING = "INVESTING"  # its money in loan notes through the matching engine
    MATURED = "MATURED"  # its notes on the secondary market until its exit deadline
    EXITED = "EXITED"  # its notes sold, its investors paid


class PlanExitState(Enum):
    """An early exit's notes on the secondary market (plan_exit.exit_state)."""

    PENDING = "PENDING"  # none of its notes sold (or repaid) yet
    PARTLY_SOLD = "PARTLY_SOLD"  # some sold or repaid, some still listed
    HELD = "HELD"  # past its deadline, the platform's book could not buy the rest: they are
    # kept to maturity, their repayments paid to the investor as they come
    DONE = "DONE"  # none left: everything they brought was paid to the investor
