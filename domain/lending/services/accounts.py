"""The ledger accounts a loan's money moves through.

Funders' money is held into the loan's escrow (a liability: owed to its note holders) and
captured there on full funding; disbursement debits the loan's receivable (what the
borrower owes) and credits the borrower's wallet. Repaid principal runs the other way:
the receivable is credited and the escrow pays the holders, so both end at zero. On
default the uncovered principal is written off both; what the cover paid stays on them,
owed to the guarantor, until the borrower repays it.

Each account is named by its key (`AccountKey`): a posting names its legs' accounts so and
locks them all in one statement (`post_by_key`); the `async` forms open one and answer its id.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import AccountKey, open_by_key
from domain.lending.products import Cover
from domain.lending.tables import LoanNote
from domain.wallets.services.accounts import wallet_key


def loan_label(loan_id: UUID) -> str:
    return f"loan:{loan_id}"


def loan_escrow_key(loan_id: UUID, currency: str) -> AccountKey:
    """Funders' money committed to the loan: held in, captured on funding, repaid out."""
    return AccountKey(AccountKind.ESCROW, currency, label=loan_label(loan_id))


def loan_receivable_key(loan_id: UUID, currency: str) -> AccountKey:
    """Principal the borrower owes on the loan."""
    return AccountKey(AccountKind.LOAN_RECEIVABLE, currency, label=loan_label(loan_id))


def revenue_key(stream: str, currency: str) -> AccountKey:
    """The platform's revenue from one stream: interest_spread, origination_fee, ..."""
    return AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=stream)


def bank_funding_key(bank_id: UUID, currency: str) -> AccountKey:
    """What a partner bank has advanced through the platform (debits lead)."""
    return AccountKey(AccountKind.BANK_FUNDING, currency, owner_id=bank_id)


def platform_book_key(currency: str, book: str = "lending") -> AccountKey:
    """What the platform lent of its own money (debits) and got back (credits), per book:
    "lending" (loans), "supply_chain" (discounted receivables)."""
    return AccountKey(AccountKind.PLATFORM_BOOK, currency, label=book)


def holder_key(note: LoanNote, currency: str) -> AccountKey:
    """Where a note's repayments go: an investor's wallet, a bank's funding account, the
    platform book's account."""
    if note.funder_kind == "PLATFORM":
        return platform_book_key(currency)
    if note.funder_kind == "BANK":
        return bank_funding_key(note.holder_id, currency)
    return wallet_key(note.holder_id, currency)


def guarantee_fund_key(currency: str) -> AccountKey:
    return AccountKey(AccountKind.GUARANTEE_FUND, currency)


def cover_key(cover: Cover, currency: str) -> AccountKey:
    """Where a product's cover pays from and recoveries of its claim return to: the
    guarantor's or insurer's wallet, or the platform's guarantee fund."""
    if cover.provider_id is None:
        return guarantee_fund_key(currency)
    return wallet_key(cover.provider_id, currency)


async def loan_escrow(session: AsyncSession, *, loan_id: UUID, currency: str, now: datetime) -> int:
    return await open_by_key(session, loan_escrow_key(loan_id, currency), now=now)


async def loan_receivable(
    session: AsyncSession, *, loan_id: UUID, currency: str, now: datetime
) -> int:
    return await open_by_key(session, loan_receivable_key(loan_id, currency), now=now)


async def platform_revenue(
    session: AsyncSession, *, stream: str, currency: str, now: datetime
) -> int:
    return await open_by_key(session, revenue_key(stream, currency), now=now)


async def bank_funding(
    session: AsyncSession, *, bank_id: UUID, currency: str, now: datetime
) -> int:
    return await open_by_key(session, bank_funding_key(bank_id, currency), now=now)


async def platform_book_account(session: AsyncSession, *, currency: str, now: datetime) -> int:
    return await open_by_key(session, platform_book_key(currency), now=now)


async def guarantee_fund(session: AsyncSession, *, currency: str, now: datetime) -> int:
    return await open_by_key(session, guarantee_fund_key(currency), now=now)
