"""A money-market fund's daily income, paid in units (pure).

Units are worth 1.00 each, so a holding's units are counted in minor units of the fund's
currency, and a day's income in units is that much money.

Day counting. A fund day is a calendar day in UTC (`domain.clock.today`): the fund earns
every calendar day, weekends and holidays included (business days matter only to T+1
redemptions, domain/wealth/business_days.py). The asset manager publishes the day's income
per 10,000 units once the day has closed; the units that earn day D are those held at the
close of D-1, less what was redeemed on D beyond what was bought on D (`earning_units`):
money bought on D starts earning on D+1, money redeemed on D earns nothing on D.

Rounding. A holding's income is its earning units x the rate / 10,000, rounded down to the
minor unit (nobody is paid a fraction the fund did not earn). The fund's income is all the
earning units x the rate / 10,000, rounded half-up once on the whole; the residue (the
fund's income less the holdings' incomes, 0 <= residue <= the number of holdings) is booked
to the fund's residue account, so the holders' units always equal the money held for them
to the minor unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.money import round_half_up

PER_UNITS = 10_000  # the rate is the income of 10,000 units (万份收益)
RATE_PLACES = 4  # the rate is published to 0.0001 of the currency
MAX_RATE = Decimal(100)  # 100.00 per 10,000 a day (365 % a year): a typo, not a fund


def check_rate(per_ten_thousand: Decimal) -> Fraction:
    """The rate as an exact fraction; ValueError unless 0 <= rate < 100 with 4 places at most."""
    if not per_ten_thousand.is_finite() or not Decimal(0) <= per_ten_thousand < MAX_RATE:
        raise ValueError("the income per 10,000 units is between 0 and 100")
    if per_ten_thousand != per_ten_thousand.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise ValueError("the income per 10,000 units has at most 4 decimal places")
    return Fraction(per_ten_thousand)


def holding_income(units: int, per_ten_thousand: Decimal) -> int:
    """What `units` earning units earn in a day: rounded down to the minor unit."""
    if units < 0:
        raise ValueError("units are never negative")
    exact = units * check_rate(per_ten_thousand) / PER_UNITS
    return exact.numerator // exact.denominator


def fund_income(units: int, per_ten_thousand: Decimal) -> int:
    """What the fund earned on `units` earning units in a day: rounded half-up once."""
    if units < 0:
        raise ValueError("units are never negative")
    return round_half_up(units * check_rate(per_ten_thousand) / PER_UNITS)


@dataclass(frozen=True, slots=True)
class DayIncome:
    """A day's income: each holding's (in the order given), the fund's, and the residue."""

    incomes: tuple[int, ...]
    total: int
    residue: int

    @property
    def distributed(self) -> int:
        return self.total - self.residue


def daily_income(earning: Sequence[int], per_ten_thousand: Decimal) -> DayIncome:
    """Each holding's income for a day from its earning units, and the fund's residue."""
    incomes = tuple(holding_income(units, per_ten_thousand) for units in earning)
    total = fund_income(sum(earning), per_ten_thousand)
    return DayIncome(incomes=incomes, total=total, residue=total - sum(incomes))


def earning_units(*, held_at_last_close: int, bought_today: int, redeemed_today: int) -> int:
    """The units that earn today (see the module's day counting): what was held at the last
    close, less what was redeemed today beyond what was bought today."""
    if min(held_at_last_close, bought_today, redeemed_today) < 0:
        raise ValueError("units are never negative")
    earning = held_at_last_close - max(0, redeemed_today - bought_today)
    if earning < 0:
        raise ValueError("more was redeemed than was ever held")
    return earning
