"""The ledger accounts a loan's money moves through.

Funders' money is held into the loan's escrow (a liability: owed to its note holders) and
captured there on full funding; disbursement debits the loan's receivable (what the
borrower owes) and credits the borrower's wallet. Repaid principal runs the other way:
the receivable is credited and the escrow pays the holders, so both end at zero. On
default the uncovered principal is written off both; what the cover paid stays on them,
owed to the guarantor, until the borrower repays it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.accounts import AccountKind
from domain.ledger.services.accounts import open_account
from domain.lending.products import Cover
from domain.lending.tables import LoanNote


def loan_label(loan_id: UUID) -> str:
    return f"loan:{loan_id}"


async def loan_escrow(session: AsyncSession, *, loan_id: UUID, currency: str, now: datetime) -> int:
    """Funders' money committed to the loan: held in, captured on funding, repaid out."""
    return await open_account(
        session, kind=AccountKind.ESCROW, currency=currency, now=now, label=loan_label(loan_id)
    )


async def loan_receivable(
    session: AsyncSession, *, loan_id: UUID, currency: str, now: datetime
) -> int:
    """Principal the borrower owes on the loan."""
    return await open_account(
        session,
        kind=AccountKind.LOAN_RECEIVABLE,
        currency=currency,
        now=now,
        label=loan_label(loan_id),
    )


async def platform_revenue(
    session: AsyncSession, *, stream: str, currency: str, now: datetime
) -> int:
    """The platform's revenue from one stream: interest_spread, origination_fee, ..."""
    return await open_account(
        session, kind=AccountKind.PLATFORM_REVENUE, currency=currency, now=now, label=stream
    )


async def bank_funding(
    session: AsyncSession, *, bank_id: UUID, currency: str, now: datetime
) -> int:
    """What a partner bank has advanced through the platform (debits lead)."""
    return await open_account(
        session, kind=AccountKind.BANK_FUNDING, currency=currency, now=now, owner_id=bank_id
    )


async def platform_book_account(session: AsyncSession, *, currency: str, now: datetime) -> int:
    """What the platform lent of its own money (debits) and got back (credits)."""
    return await open_account(
        session, kind=AccountKind.PLATFORM_BOOK, currency=currency, now=now, label="lending"
    )


async def holder_account(
    session: AsyncSession, *, note: LoanNote, currency: str, now: datetime
) -> int:
    """Where a note's repayments go: an investor's wallet, a bank's funding account, the
    platform book's account."""
    if note.funder_kind == "PLATFORM":
        return await platform_book_account(session, currency=currency, now=now)
    if note.funder_kind == "BANK":
        return await bank_funding(session, bank_id=note.holder_id, currency=currency, now=now)
    return await open_account(
        session, kind=AccountKind.WALLET, currency=currency, now=now, owner_id=note.holder_id
    )


async def guarantee_fund(session: AsyncSession, *, currency: str, now: datetime) -> int:
    return await open_account(session, kind=AccountKind.GUARANTEE_FUND, currency=currency, now=now)


async def cover_account(
    session: AsyncSession, *, cover: Cover, currency: str, now: datetime
) -> int:
    """Where a product's cover pays from and recoveries of its claim return to: the
    guarantor's or insurer's wallet, or the platform's guarantee fund."""
    provider = cover.provider_id
    if provider is None:
        return await guarantee_fund(session, currency=currency, now=now)
    return await open_account(
        session, kind=AccountKind.WALLET, currency=currency, now=now, owner_id=provider
    )
