"""The platform's guarantee fund: operators put the platform's own money into it, and see
what it holds, what it covers, what it paid and where it fell short.

The platform's own money leaves through a PLATFORM_BOOK account (label "guarantee_fund")
exactly as its lending book's does: its debits are what the platform put into the fund.
A default the fund could not fully pay keeps its shortfall on the payout's repayment row
and in the loan's default event (default.py); this view lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import Leg, post_transfers
from domain.ledger.tables import LedgerAccount
from domain.lending.products import CoverKind
from domain.lending.services.accounts import guarantee_fund
from domain.lending.states import LoanState, NoteStatus
from domain.lending.tables import Loan, LoanNote, LoanProductRow, Repayment
from domain.money import Money, currency_of

FUND_PAYOUT = "GUARANTEE_FUND"  # the kind of its payouts' repayment rows
_LIVE_LOANS = (LoanState.LISTED.value, LoanState.FUNDED.value, LoanState.ACTIVE.value)
_LIVE_NOTES = (NoteStatus.HELD.value, NoteStatus.ACTIVE.value)
A = LedgerAccount.__table__  # type: ignore[attr-defined]
N = LoanNote.__table__  # type: ignore[attr-defined]
L = Loan.__table__  # type: ignore[attr-defined]
P = LoanProductRow.__table__  # type: ignore[attr-defined]
R = Repayment.__table__  # type: ignore[attr-defined]


async def platform_capital(session: AsyncSession, *, currency: str, now: datetime) -> int:
    """The platform's own money, as it goes into its guarantee fund (debits lead)."""
    return await open_account(
        session, kind=AccountKind.PLATFORM_BOOK, currency=currency, now=now, label="guarantee_fund"
    )


@dataclass(frozen=True, slots=True)
class GuaranteeFundFunded(StoredAnswer):
    """The platform's money moved into its guarantee fund, as journal `journal_id`."""

    journal_id: UUID
    transfer_id: UUID


async def fund_guarantee_fund(
    *, session: AsyncSession, clock: Clock, actor: Actor, amount: Money, idempotency_key: str
) -> GuaranteeFundFunded:
    """Operators: move `amount` of the platform's own money into the guarantee fund; the same
    key moves it once."""
    actor.require_operator()
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")

    async def execute() -> GuaranteeFundFunded:
        now = clock.now()
        source = await platform_capital(session, currency=amount.currency, now=now)
        fund = await guarantee_fund(session, currency=amount.currency, now=now)
        journal = uuid4()
        [transfer_id] = await post_transfers(
            session,
            now=now,
            journal_id=journal,
            legs=[Leg(source, fund, amount.minor, "GUARANTEE_FUND_CONTRIBUTION")],
        )
        record(
            session,
            actor=actor,
            action="lending.guarantee_fund.fund",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="LedgerAccount",
            target_id=fund,
            details={
                "amount": amount.minor,
                "currency": amount.currency,
                "journal_id": str(journal),
            },
        )
        return GuaranteeFundFunded(journal_id=journal, transfer_id=transfer_id)

    return await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="lending.guarantee_fund.fund",
        request={"amount": amount.minor, "currency": amount.currency},
        execute=execute,
        answer=GuaranteeFundFunded,
    )


@dataclass(frozen=True, slots=True)
class FundShortfall:
    """A default the fund owed more on than it held."""

    loan_id: UUID
    owed: int
    paid: int
    shortfall: int
    at: datetime


@dataclass(frozen=True, slots=True)
class GuaranteeFundView:
    currency: str
    balance: int  # what it holds now
    contributed: int  # what the platform put in, all told
    covered: int  # outstanding principal of the live loans it guarantees
    paid: int  # what it paid funders on defaults, all told
    shortfall: int  # what it owed on defaults and could not pay, all told
    shortfalls: list[FundShortfall]  # newest first, at most `limit`


async def guarantee_fund_view(
    session: AsyncSession, *, actor: Actor, currency: str, limit: int = 50
) -> GuaranteeFundView:
    """Operators: the fund in one currency."""
    actor.require_operator()
    currency_of(currency)
    conn = await session.connection()
    own = (A.c.currency == currency) & A.c.owner_id.is_(None)
    fund = (A.c.kind == AccountKind.GUARANTEE_FUND.value) & (A.c.label == "")
    capital = (A.c.kind == AccountKind.PLATFORM_BOOK.value) & (A.c.label == "guarantee_fund")
    books = {
        row.kind: row
        for row in await conn.execute(
            select(A.c.kind, A.c.credits_posted, A.c.debits_posted).where(own & (fund | capital))
        )
    }
    held = books.get(AccountKind.GUARANTEE_FUND.value)
    put_in = books.get(AccountKind.PLATFORM_BOOK.value)
    covered = await conn.scalar(
        select(func.coalesce(func.sum(N.c.principal - N.c.principal_received), 0))
        .select_from(N.join(L, L.c.id == N.c.loan_id).join(P, P.c.id == L.c.product_id))
        .where(
            P.c.cover_kind == CoverKind.GUARANTEE.value,
            P.c.cover_provider.is_(None),
            L.c.currency == currency,
            L.c.state.in_(_LIVE_LOANS),
            N.c.status.in_(_LIVE_NOTES),
        )
    )
    payouts = R.join(L, L.c.id == R.c.loan_id)
    of_fund = (R.c.kind == FUND_PAYOUT) & (L.c.currency == currency)
    totals = (
        await conn.execute(
            select(
                func.coalesce(func.sum(R.c.amount), 0), func.coalesce(func.sum(R.c.shortfall), 0)
            )
            .select_from(payouts)
            .where(of_fund)
        )
    ).one()
    short = await conn.execute(
        select(R.c.loan_id, R.c.amount, R.c.shortfall, R.c.created_at)
        .select_from(payouts)
        .where(of_fund & (R.c.shortfall > 0))
        .order_by(R.c.created_at.desc(), R.c.id)
        .limit(limit)
    )
    return GuaranteeFundView(
        currency=currency,
        balance=0 if held is None else held.credits_posted - held.debits_posted,
        contributed=0 if put_in is None else put_in.debits_posted - put_in.credits_posted,
        covered=int(covered or 0),
        paid=int(totals[0]),
        shortfall=int(totals[1]),
        shortfalls=[
            FundShortfall(r.loan_id, r.amount + r.shortfall, r.amount, r.shortfall, r.created_at)
            for r in short
        ],
    )
