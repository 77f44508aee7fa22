"""Refusals of wealth management: each with a code a client can act on."""

from domain.errors import DomainError


class FundNotOpen(DomainError):
    """The fund takes no purchases (it is closed)."""

    code = "FUND_NOT_OPEN"


class FundCapExceeded(DomainError):
    """A purchase beyond the investor's holding cap or daily purchase cap; the message says
    which, and how much would still fit."""

    code = "FUND_CAP_EXCEEDED"


class InsufficientUnits(DomainError):
    """A redemption of more units than the holding has."""

    code = "INSUFFICIENT_UNITS"


class FundDayRefused(DomainError):
    """A day's income that cannot be published: the day has not closed, is before the fund
    earned anything, or is posted already."""

    code = "FUND_DAY_REFUSED"


class PlanNotOpen(DomainError):
    """The plan takes no subscriptions now (its window has not opened, or has closed)."""

    code = "PLAN_NOT_OPEN"


class PlanRefused(DomainError):
    """A subscription the plan does not take: below its minimum, beyond what is left."""

    code = "PLAN_REFUSED"


class PlanLockedUp(DomainError):
    """An early exit while the plan's lock-up lasts (or before it invests, or once it has
    matured: then it exits by itself); the message says until when."""

    code = "PLAN_LOCKED_UP"
