"""Unpaid installments of a scheduled loan, as the pure repayment rules read them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.lending.allocation import InstallmentDue
from domain.lending.calendar import monthly_due_dates
from domain.lending.schedule import RepaymentMethod, build_schedule

DISBURSED = date(2026, 1, 15)
RATE = Decimal("0.12")
METHOD = RepaymentMethod.EQUAL_INSTALLMENT


def make_loan(
    principal: int = 1_200_000,
    months: int = 12,
    paid: int = 0,
    fees: int = 0,
    method: RepaymentMethod = METHOD,
) -> list[InstallmentDue]:
    """The unpaid installments of a loan disbursed on DISBURSED at RATE whose first `paid`
    installments were repaid, each with `fees` and its period's start."""
    schedule = build_schedule(
        principal=principal, annual_rate=RATE, term_months=months, method=method
    )
    dates = monthly_due_dates(DISBURSED, months, months_to_first=1)
    starts = [DISBURSED, *dates[:-1]]
    return [
        InstallmentDue(
            item.number, due, item.principal, item.interest, fees=fees, period_start=start
        )
        for item, due, start in zip(schedule, dates, starts, strict=True)
    ][paid:]
