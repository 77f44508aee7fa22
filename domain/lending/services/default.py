"""A loan past the product's default threshold: a guarantee (the platform's guarantee fund,
or a guarantor's wallet) pays each note holder its share of the principal they are still
owed, and the claim for it passes to the guarantor; only the uncovered rest is written off.
What the guarantee owed beyond what its account held is its shortfall, stated in the
payout's row and the event, never silent. Insurance is always a credit policy: the default
opens its claim, which pays through the same `pay_funders_cover` once decided (by its
insurer, or at once for the share a loan product carried, whose policy a loan disbursed
before policies existed is bound here if nobody bound it before).
Later recoveries: receive_recovery.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.services.outbox import emit
from domain.insurance.services.carried_cover import bind_carried_cover
from domain.insurance.services.credit_cover import (
    credit_policy_of,
    open_default_claim,
    settle_default_claim,
)
from domain.ledger.services.account_locks import (
    AccountKey,
    KeyedLeg,
    lock_accounts_by_key,
    post_by_key,
)
from domain.lending.events import LoanDefaulted
from domain.lending.products import CoverKind, LoanProduct
from domain.lending.recovery import cover_amount, cover_due
from domain.lending.services.accounts import (
    cover_key,
    holder_key,
    loan_escrow_key,
    loan_receivable_key,
)
from domain.lending.services.receive_repayment import live_notes
from domain.lending.states import LoanEvent, LoanState, NoteStatus, transition
from domain.lending.tables import Loan, LoanNote, Repayment
from domain.money import split_exactly


async def pay_funders_cover(
    session: AsyncSession,
    *,
    loan: Loan,
    notes: Sequence[LoanNote],
    account: AccountKey,
    amount: int,
    due: int,
    payout: str,
    payer_id: UUID | None,
    write_off: int,
    now: datetime,
) -> None:
    """The cover's one payout path: `amount` from `account` to the note holders in
    proportion to the principal each is still owed (largest remainder), `write_off` of the
    loan's books written off, in one journal; its Repayment row states `due - amount` as the
    shortfall. Used at default (guarantee funds, guarantors, insurance without a policy) and
    by a credit policy's claim when its insurer pays it."""
    currency, tag = loan.currency, {"loan": str(loan.id)}
    owed = [n.principal - n.principal_received for n in notes]
    legs: list[KeyedLeg] = []
    covered: list[dict[str, object]] = []
    for note, part in zip(notes, split_exactly(amount, owed), strict=True):
        if part:
            holder = holder_key(note, currency)
            legs.append(KeyedLeg(account, holder, part, f"{payout}_COVER", tag))
            note.principal_received += part
            covered.append({"note": str(note.id), "holder": str(note.holder_id), "cover": part})
    if write_off:
        # What the cover paid stays on the loan's books: the borrower now owes it the cover.
        escrow = loan_escrow_key(loan.id, currency)
        receivable = loan_receivable_key(loan.id, currency)
        legs.append(KeyedLeg(escrow, receivable, write_off, "LOAN_WRITE_OFF", tag))
    if not legs:
        return
    journal = uuid4()
    await post_by_key(session, legs=legs, now=now, journal_id=journal)
    if amount or due:
        session.add(
            Repayment(
                loan_id=loan.id,
                payer_id=payer_id,
                kind=payout,
                amount=amount,
                principal=amount,
                shortfall=due - amount,
                distribution=covered,
                journal_id=journal,
                created_at=now,
            )
        )


async def default_loan(
    session: AsyncSession, *, loan: Loan, product: LoanProduct, now: datetime
) -> None:
    """Default the locked, ACTIVE loan: a guarantee paid out and its claim kept, the rest
    written off; the notes stay as claims on what the borrower may still repay. An insured
    loan opens its credit policy's claim instead: what the claim may pay stays on the books
    until it is decided and paid (domain/insurance/services/credit_cover.py); a borrower who
    turned the offered cover down left the funders none."""
    notes = await live_notes(session, loan.id)
    owed = [n.principal - n.principal_received for n in notes]
    outstanding = sum(owed)
    currency = loan.currency
    payout = product.cover.payout_kind  # INSURANCE, GUARANTEE or GUARANTEE_FUND
    cover = 0
    due = cover_due(product.cover, outstanding)
    guarantor = product.cover.provider_id
    policy = await credit_policy_of(session, loan.id) or await bind_carried_cover(
        session, loan=loan, product=product, now=now
    )
    if policy is not None:
        due = await open_default_claim(session, policy, loan=loan, outstanding=outstanding, now=now)
        await pay_funders_cover(
            session,
            loan=loan,
            notes=notes,
            account=cover_key(product.cover, currency),
            amount=0,
            due=0,
            payout=payout,
            payer_id=guarantor,
            write_off=outstanding - due,
            now=now,
        )
    elif outstanding:
        account = cover_key(product.cover, currency)
        if product.cover.kind is CoverKind.GUARANTEE:
            locked = (await lock_accounts_by_key(session, {account}, now=now))[account]
            cover = cover_amount(
                product.cover, outstanding, available=locked.balances.available_credit
            )
        else:  # insurance without a policy: the borrower turned the offered cover down
            due = 0
        await pay_funders_cover(
            session,
            loan=loan,
            notes=notes,
            account=account,
            amount=cover,
            due=due,
            payout=payout,
            payer_id=guarantor,
            write_off=outstanding - cover,
            now=now,
        )
    for note in notes:
        note.status = NoteStatus.DEFAULTED.value
    loan.state = transition(LoanState(loan.state), LoanEvent.DEFAULT_THRESHOLD_PASSED).value
    loan.ended_at = now
    loan.version += 1
    await session.flush()
    shortfall = 0 if policy is not None else due - cover
    written_off = outstanding - (due if policy is not None else cover)
    if policy is not None:  # once the notes are DEFAULTED: the claim pays their holders
        cover = await settle_default_claim(session, policy, loan=loan, now=now)
    defaulted = LoanDefaulted(
        loan_id=str(loan.id),
        outstanding=outstanding,
        covered=cover,
        written_off=written_off,
        cover_kind=product.cover.kind.value,
        paid_by=payout if cover else None,
        cover_provider=str(guarantor) if guarantor and (cover or policy) else None,
        cover_due=due,
        shortfall=shortfall,
        currency=currency,
    )
    await emit(
        session,
        defaulted,
        aggregate_id=loan.id,
        occurred_at=now,
        audience=[
            loan.borrower_id,
            *(n.holder_id for n in notes),
            *([guarantor] if guarantor and (cover or policy) else []),
        ],
    )
