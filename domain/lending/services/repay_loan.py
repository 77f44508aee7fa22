"""Borrowers repay (a mutation, idempotent), and the worker debits wallets on due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import AccountKey, lock_accounts_by_key
from domain.lending.services.commitments import lock_loan
from domain.lending.services.product_terms import sold_under
from domain.lending.services.receive_recovery import receive_recovery
from domain.lending.services.receive_repayment import RepaymentScope, receive_repayment
from domain.lending.states import LoanState, LoanStateConflict
from domain.lending.tables import Loan, Repayment
from domain.money import Money
from domain.unit_of_work import transaction
from domain.wallets.services.accounts import wallet_key


@dataclass(frozen=True, slots=True)
class Repaid(StoredAnswer):
    """What a repayment's key keeps: the repayment, what it took (minor units of the loan's
    currency) and the state it left the loan in."""

    repayment_id: UUID
    applied: int
    loan_state: str


@dataclass(frozen=True, slots=True)
class RepaymentApplied:
    """A repayment (first or replayed), with the loan as it is now."""

    repayment_id: UUID
    applied: Money
    loan: Loan


async def repay_loan(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    loan_id: UUID,
    amount: Money,
    idempotency_key: str,
    prepay: bool = False,
) -> RepaymentApplied:
    """Pay `amount` towards your loan: what is due first, then the next installment early;
    or, to `prepay`, ahead of the schedule under the product's early-repayment rule (the
    payoff, or principal prepaid and the installments not yet due re-amortised). On a
    defaulted loan it repays the cover's claim, then the funders' loss. Anything beyond
    stays in your wallet."""
    borrower_id = actor.require_person()
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")

    async def execute() -> Repaid:
        now = clock.now()
        loan = await lock_loan(session, loan_id)
        if loan.borrower_id != borrower_id:
            raise NotFound("no such loan", field="loan_id")
        if loan.state not in (LoanState.ACTIVE.value, LoanState.DEFAULTED.value):
            raise LoanStateConflict(f"the loan is {loan.state}", field="loan_id")
        if amount.currency != loan.currency:
            raise InvalidInput(f"the loan is in {loan.currency}", field="amount")
        wallet = wallet_key(borrower_id, loan.currency)
        repayment = await _apply(
            session, loan=loan, amount=amount.minor, wallet=wallet, now=now, prepay=prepay
        )
        if repayment is None:
            raise InvalidInput("nothing is owed on this loan now", field="amount")
        return Repaid(repayment_id=repayment.id, applied=repayment.amount, loan_state=loan.state)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="lending.repay",
        request={
            "loan": str(loan_id),
            "amount": amount.minor,
            "currency": amount.currency,
            **({"prepay": True} if prepay else {}),
        },
        execute=execute,
        answer=Repaid,
    )
    loan = await session.get(Loan, loan_id)  # the row just written, or as it is now on a replay
    assert loan is not None  # the borrower's, checked by the first attempt
    return RepaymentApplied(answer.repayment_id, Money(answer.applied, loan.currency), loan)


async def _apply(
    session: AsyncSession,
    *,
    loan: Loan,
    amount: int,
    wallet: AccountKey,
    now: datetime,
    prepay: bool,
) -> Repayment | None:
    """A defaulted loan's claims, or the schedule (ahead of it only to `prepay`)."""
    product = await sold_under(session, loan)
    if loan.state == LoanState.DEFAULTED.value:
        return await receive_recovery(
            session,
            loan=loan,
            product=product,
            amount=amount,
            from_account=wallet,
            payer_id=loan.borrower_id,
            now=now,
        )
    scope = RepaymentScope.PREPAY if prepay else RepaymentScope.NEXT_INSTALLMENT
    return await receive_repayment(
        session,
        loan=loan,
        amount=amount,
        from_account=wallet,
        payer_id=loan.borrower_id,
        kind="MANUAL",
        product=product,
        now=now,
        scope=scope,
    )


CLAIM_DUE_LOANS = text(
    """
    SELECT l.id FROM loan l
    WHERE l.state = 'ACTIVE'
      AND EXISTS (SELECT 1 FROM loan_installment i
                  WHERE i.loan_id = l.id AND i.paid_at IS NULL AND i.due_date <= :today)
      AND NOT EXISTS (SELECT 1 FROM repayment r
                      WHERE r.loan_id = l.id AND r.kind = 'AUTO_DEBIT'
                        AND r.created_at >= :midnight)
      AND l.id > :after
    ORDER BY l.id
    LIMIT 1
    FOR UPDATE OF l SKIP LOCKED
    """
)


async def debit_due_installments(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, limit: int = 1000
) -> int:
    """On and after due dates, take what is due from borrowers' wallets (as much as they
    hold); one loan per transaction, at most one automatic debit per loan a day."""
    now = clock.now()
    today = now.astimezone(UTC).date()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    debited, after = 0, UUID(int=0)
    for _ in range(limit):
        async with transaction(sessions) as session:
            conn = await session.connection()
            loan_id = (
                await conn.execute(
                    CLAIM_DUE_LOANS, {"today": today, "midnight": midnight, "after": after}
                )
            ).scalar()
            if loan_id is None:
                return debited
            after = loan_id
            loan = await lock_loan(session, loan_id)
            wallet = wallet_key(loan.borrower_id, loan.currency)
            locked = await lock_accounts_by_key(session, {wallet}, now=now)
            available = locked[wallet].balances.available_credit
            if (
                available > 0
                and await receive_repayment(
                    session,
                    loan=loan,
                    amount=available,
                    from_account=wallet,
                    payer_id=loan.borrower_id,
                    kind="AUTO_DEBIT",
                    now=now,
                    product=await sold_under(session, loan),
                )
                is not None
            ):
                debited += 1
    return debited
