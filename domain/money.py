"""Money as integer minor units of an ISO 4217 currency; decimal strings only at the edge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

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
