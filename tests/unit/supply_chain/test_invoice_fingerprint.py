"""The invoice fingerprint: the same invoice whatever its formatting, a different one otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.supply_chain.fingerprint import invoice_fingerprint

ISSUED = date(2026, 12, 1)


def fingerprint(
    licence: str = "5f1c0e",
    number: str = "INV-0001",
    amount: int = 100_000,
    issued_on: date = ISSUED,
) -> str:
    return invoice_fingerprint(
        licence_fingerprint=licence,
        invoice_number=number,
        amount=amount,
        currency="CNY",
        issued_on=issued_on,
    )


@pytest.mark.parametrize(
    "number", ["inv-0001", "INV 0001", "INV0001", "ＩＮＶ－０００１", " inv/0001 "]
)
def test_formatting_of_the_invoice_number_does_not_make_another_invoice(number: str) -> None:
    assert fingerprint(number=number) == fingerprint()


def test_each_field_makes_another_invoice() -> None:
    base = fingerprint()
    assert fingerprint(licence="5f1c0f") != base
    assert fingerprint(number="INV-0002") != base
    assert fingerprint(amount=100_001) != base
    assert fingerprint(issued_on=date(2026, 12, 2)) != base


def test_an_empty_number_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a verified licence"):
        fingerprint(number=" - ")


@given(st.text(min_size=1, max_size=20), st.integers(1, 10**12))
def test_it_is_64_hex_and_deterministic(number: str, amount: int) -> None:
    try:
        first = fingerprint(number=number, amount=amount)
    except ValueError:
        return
    assert first == fingerprint(number=number, amount=amount)
    assert len(first) == 64
    assert int(first, 16) >= 0
