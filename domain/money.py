"""Money as integer minor units of an ISO 4217 currency; decimal strings only at the edge."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.currencies import MINOR_UNIT_DIGITS
from domain.errors import InvalidInput

# Plain decimal notation only: no exponent, no sign other than a leading minus, no spaces,
# so "1e3", "+5", " 5" and "NaN" never become amounts. ASCII digits only: `\d` would also
# match "２" or "٥", which Decimal reads as 2 and 5.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")

# Amounts above this never fit a sane ledger entry and would overflow BIGINT after scaling.
MAX_MINOR = 10**15


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    digits: int

    @property
    def scale(self) -> int:
        scale: int = 10**self.digits
        return scale


_CURRENCIES = {code: Currency(code, digits) for code, digits in MINOR_UNIT_DIGITS.items()}


def currency_of(code: str, *, field: str = "currency") -> Currency:
    """The currency with this ISO 4217 code; InvalidInput naming `field` if unknown."""
    currency = _CURRENCIES.get(code)
    if currency is None:
        raise InvalidInput(f"unknown currency {code!r}; expected an ISO 4217 code", field=field)
    return currency


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: `minor` units of `currency` (e.g. 12345 CNY is 123.45 yuan)."""

    minor: int
    currency: str

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(
                f"cannot combine {self.currency} with {other.currency}",
                code="CURRENCY_MISMATCH",
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def to_decimal_string(self) -> str:
        """`12345 CNY` -> "123.45"; always as many decimals as the currency has."""
        digits: int = currency_of(self.currency).digits
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**digits)
        return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"

    def text(self) -> str:
        """`35000 CNY` -> "350.00 CNY": money in a message, spoken as the schema speaks it."""
        return f"{self.to_decimal_string()} {self.currency}"


def parse_decimal(text: str, *, field: str) -> Decimal:
    """A decimal written in plain notation ("10000.00", "0.0435"); InvalidInput otherwise."""
    if not _DECIMAL.fullmatch(text):
        raise InvalidInput(f"must be a decimal number like 1234.56, got {text!r}", field=field)
    return Decimal(text)


def parse_money(text: str, currency: Currency, *, field: str) -> Money:
    """Parse "123.45" into minor units, refusing more decimals than the currency has."""
    value = parse_decimal(text, field=field)
    decimals = -value.as_tuple().exponent  # type: ignore[operator]  # finite by the regex
    if decimals > currency.digits:
        raise InvalidInput(
            f"has {decimals} decimals; {currency.code} allows {currency.digits}",
            field=field,
        )
    minor = int(value * currency.scale)
    if abs(minor) > MAX_MINOR:
        raise InvalidInput("is too large", field=field)
    return Money(minor, currency.code)


def round_half_up(value: Fraction) -> int:
    """`value` to a whole minor unit, a tie away from zero (DESIGN.md: half-up by default)."""
    whole, rest = divmod(abs(value.numerator), value.denominator)
    if 2 * rest >= value.denominator:
        whole += 1
    return -whole if value < 0 else whole


def split_exactly(
    total: int, weights: Sequence[int | Fraction], *, favoured: int | None = None
) -> list[int]:
    """`total` minor units in parts proportional to `weights` that sum exactly to `total`.

    Largest remainder (Hamilton): every part is its exact quota rounded toward zero, then the
    units left over go one each to the largest fractional remainders. Equal remainders go to
    position `favoured` first, then in order of position, so the result is deterministic.
    Each part is its exact quota rounded down or up: never a whole unit off. A negative
    total is split like its absolute value, every part negated.
    """
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    whole = sum(weights, Fraction(0))
    if whole == 0:
        if total:
            raise ValueError("a non-zero total needs a positive weight")
        return [0] * len(weights)
    size = abs(total)
    quotas = [Fraction(weight) * size / whole for weight in weights]
    parts = [quota.numerator // quota.denominator for quota in quotas]
    left = size - sum(parts)

    def rank(index: int) -> tuple[Fraction, bool, int]:
        return (parts[index] - quotas[index], index != favoured, index)

    for index in sorted(range(len(weights)), key=rank)[:left]:
        parts[index] += 1
    return [-part for part in parts] if total < 0 else parts
