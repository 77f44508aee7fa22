"""The ledger accounts a fund's money moves through.

- `fund:<id>:units` (ESCROW): the money held for the holders; its balance is the fund's units.
- `fund:<id>:residue` (ESCROW): each day's rounding residue (income.py), the fund's own.
- `fund:<id>:redeeming` (ESCROW): set aside for pending (T+1) redemptions until paid.
- `fund:<id>:earnings` (SETTLEMENT): what the fund's investments earned, as its manager
  reports it; each day's income, the management fee (revenue stream `management_fee`) and
  the custodian's fee are paid from it.
"""

from __future__ import annotations

from uuid import UUID

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import AccountKey
from domain.lending.services.accounts import revenue_key

MANAGEMENT_FEE_STREAM = "management_fee"


def units_key(fund_id: UUID, currency: str) -> AccountKey:
    return AccountKey(AccountKind.ESCROW, currency, label=f"fund:{fund_id}:units")


def residue_key(fund_id: UUID, currency: str) -> AccountKey:
    return AccountKey(AccountKind.ESCROW, currency, label=f"fund:{fund_id}:residue")


def redeeming_key(fund_id: UUID, currency: str) -> AccountKey:
    return AccountKey(AccountKind.ESCROW, currency, label=f"fund:{fund_id}:redeeming")


def earnings_key(fund_id: UUID, currency: str) -> AccountKey:
    return AccountKey(AccountKind.SETTLEMENT, currency, label=f"fund:{fund_id}:earnings")


def management_fee_key(currency: str) -> AccountKey:
    return revenue_key(MANAGEMENT_FEE_STREAM, currency)


def plan_cash_key(plan_id: UUID, currency: str) -> AccountKey:
    """`plan:<id>:cash` (ESCROW): investors' money in a plan not yet in loan notes."""
    return AccountKey(AccountKind.ESCROW, currency, label=f"plan:{plan_id}:cash")
