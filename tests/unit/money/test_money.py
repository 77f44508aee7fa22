"""Money: integer minor units with a currency; decimal strings in plain notation at the edge."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.currencies import MINOR_UNIT_DIGITS
from domain.errors import InvalidInput
from domain.money import MAX_MINOR, Currency, Money, currency_of, parse_decimal, parse_money

CNY = currency_of("CNY")  # 2 digits
JPY = currency_of("JPY")  # 0 digits
KWD = currency_of("KWD")  # 3 digits


def make_money(minor: int = 12_345, currency: str = "CNY") -> Money:
    return Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10000.00", Decimal("10000.00")),
        ("0.5", Decimal("0.5")),
        ("7", Decimal(7)),
        ("0", Decimal(0)),
        ("-12.34", Decimal("-12.34")),
        ("0.0435", Decimal("0.0435")),
    ],
)
def test_parse_decimal_reads_plain_notation(text: str, expected: Decimal) -> None:
    assert parse_decimal(text, field="amount") == expected


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E3",
        "+5",
        " 5",
        "5 ",
        "5\n",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "",
        "1.",
        ".5",
        "-",
        "-.5",
        "0x10",
        "1_000",
        "1,000.00",
        "01",
        "--1",
        "１２",  # full-width digits
        "1２",  # a full-width digit after an ASCII one
        "1.٥",  # an Arabic-Indic five as a decimal
        "٣",
    ],
)
def test_parse_decimal_rejects_anything_but_plain_ascii_notation(text: str) -> None:
    with pytest.raises(InvalidInput) as rejected:
        parse_decimal(text, field="amount")

    assert rejected.value.field == "amount"
    assert rejected.value.code == "INVALID_INPUT"


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("10000.00", CNY, 1_000_000),
        ("0.5", CNY, 50),
        ("7", CNY, 700),
        ("0.01", CNY, 1),
        ("7", JPY, 7),
        ("1.234", KWD, 1_234),
        ("-3.10", CNY, -310),
        ("10000000000000.00", CNY, MAX_MINOR),
    ],
)
def test_parse_money_scales_to_minor_units(text: str, currency: Currency, minor: int) -> None:
    assert parse_money(text, currency, field="amount") == Money(minor, currency.code)


@pytest.mark.parametrize(
    ("text", "currency"),
    [("1.001", CNY), ("1.5", JPY), ("1.0", JPY), ("0.0001", KWD), ("1.000", CNY)],
)
def test_parse_money_refuses_more_decimals_than_the_currency_has(
    text: str, currency: Currency
) -> None:
    with pytest.raises(InvalidInput, match="decimals") as rejected:
        parse_money(text, currency, field="principal")

    assert rejected.value.field == "principal"


@pytest.mark.parametrize("text", ["10000000000000.01", "-10000000000000.01", "1" + "0" * 40])
def test_parse_money_refuses_amounts_beyond_the_ledger(text: str) -> None:
    with pytest.raises(InvalidInput, match="too large") as rejected:
        parse_money(text, CNY, field="principal")

    assert rejected.value.field == "principal"


@pytest.mark.parametrize("code", ["XXX", "cny", "", "RMB", " CNY"])
def test_unknown_currency_is_invalid_input_on_the_currency_field(code: str) -> None:
    with pytest.raises(InvalidInput) as rejected:
        currency_of(code)

    assert rejected.value.field == "currency"


def test_currency_knows_its_minor_unit() -> None:
    assert (CNY.digits, CNY.scale) == (2, 100)
    assert (JPY.digits, JPY.scale) == (0, 1)
    assert (KWD.digits, KWD.scale) == (3, 1000)


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(12_345, "CNY"), "123.45"),
        (Money(5, "CNY"), "0.05"),
        (Money(0, "CNY"), "0.00"),
        (Money(-5, "CNY"), "-0.05"),
        (Money(-12_345, "CNY"), "-123.45"),
        (Money(7, "JPY"), "7"),
        (Money(-7, "JPY"), "-7"),
        (Money(1_234, "KWD"), "1.234"),
        (Money(1, "KWD"), "0.001"),
    ],
)
def test_to_decimal_string_writes_every_decimal_of_the_currency(money: Money, text: str) -> None:
    assert money.to_decimal_string() == text


@given(
    minor=st.integers(min_value=0, max_value=MAX_MINOR),
    code=st.sampled_from(["CNY", "JPY", "KWD", "USD", "CLP", "BHD"]),
)
def test_decimal_string_parses_back_to_the_same_money(minor: int, code: str) -> None:
    # given
    money = Money(minor, code)

    # when
    text = money.to_decimal_string()

    # then
    assert parse_money(text, currency_of(code), field="amount") == money


@given(
    minor=st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR),
    code=st.sampled_from(sorted(MINOR_UNIT_DIGITS)),
)
def test_every_currency_round_trips_signed_amounts(minor: int, code: str) -> None:
    # given
    money = Money(minor, code)

    # when
    parsed = parse_money(money.to_decimal_string(), currency_of(code), field="amount")

    # then
    assert parsed == money


def test_adding_and_subtracting_money_of_one_currency() -> None:
    # given
    price, discount = make_money(10_000), make_money(1_250)

    # when / then
    assert price + discount == Money(11_250, "CNY")
    assert price - discount == Money(8_750, "CNY")
    assert Money.zero("CNY") + price == price


@pytest.mark.parametrize("combine", [Money.__add__, Money.__sub__])
def test_combining_two_currencies_is_a_currency_mismatch(combine: object) -> None:
    # given
    yuan, yen = make_money(100, "CNY"), make_money(100, "JPY")

    # when
    with pytest.raises(InvalidInput) as rejected:
        combine(yuan, yen)  # type: ignore[operator]

    # then
    assert rejected.value.code == "CURRENCY_MISMATCH"


def test_money_is_an_immutable_value() -> None:
    # given
    money = make_money()

    # when / then
    assert money == Money(12_345, "CNY")
    assert hash(money) == hash(Money(12_345, "CNY"))
    with pytest.raises(AttributeError):
        money.minor = 1  # type: ignore[misc]
