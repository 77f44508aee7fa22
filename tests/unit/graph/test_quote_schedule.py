"""quoteLoan's compact `schedule`: the same table as `installments`, as columns."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.clock import Clock, FixedClock
from graph.schema import build_schema

SCHEMA = build_schema()
QUERY = """
query Q($input: LoanQuoteInput!) {
  quoteLoan(input: $input) {
    installments {
      number dueDate principal { amount currency } interest { amount } total { amount }
      remainingPrincipal { amount }
    }
    schedule { currency number dueDate principal interest total remainingPrincipal }
    totalInterest { amount currency } totalPayment { amount } apr
  }
}
"""


@dataclass
class QuoteContext:
    clock: Clock


async def quote(months: int, method: str) -> dict[str, Any]:
    result = await SCHEMA.execute(
        QUERY,
        variable_values={
            "input": {
                "principal": "10000.00",
                "currency": "CNY",
                "annualRate": "0.0435",
                "termMonths": months,
                "method": method,
            }
        },
        context_value=QuoteContext(FixedClock(datetime(2026, 12, 7, 12, tzinfo=UTC))),
    )
    assert result.errors is None
    assert result.data is not None
    return dict(result.data["quoteLoan"])


async def test_the_schedule_columns_are_the_installments_field_by_field() -> None:
    for months, method in [(1, "BULLET"), (12, "EQUAL_INSTALLMENT"), (360, "EQUAL_PRINCIPAL")]:
        answer = await quote(months, method)
        rows, columns = answer["installments"], answer["schedule"]

        assert columns["currency"] == "CNY"
        assert {row["principal"]["currency"] for row in rows} == {"CNY"}
        for field in ("number", "dueDate"):
            assert columns[field] == [row[field] for row in rows]
        for field in ("principal", "interest", "total", "remainingPrincipal"):
            assert columns[field] == [row[field]["amount"] for row in rows]
        assert len(columns["number"]) == months
