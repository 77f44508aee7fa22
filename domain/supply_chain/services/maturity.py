"""Maturity: the core enterprise pays an invoice's certificates to their current owners.

`pay_receivable` is the core enterprise paying by hand (idempotent under its key); the
worker's `settle_due_receivables` debits every confirmed invoice due by today from the core
enterprise's wallet. Either way one journal pays each outstanding certificate's amount and
late penalty to its owner (owner_key: the financier's account while a financier owns it, else the
holder's wallet), gives the financiers' credit lines and offers' capacity back, and marks
everything PAID.

When the wallet cannot pay on or after the due date, the job ages each certificate as lending
ages an installment (`domain.lending.overdue.age_installment`: days past due, bucket, daily
penalty after the programme's grace days) and tries again the next business day. Invoices
are claimed in batches with FOR UPDATE SKIP LOCKED, each invoice in its own savepoint: any
number of workers share the book, and an invoice tried today is not tried again today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import or_, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.events.services.outbox import record_events
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.errors import InsufficientFunds
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.lending.overdue import age_installment, penalty_to_date, reminder_due
from domain.participants.roles import Role
from domain.supply_chain.programme import ProgrammeTerms
from domain.supply_chain.services.accounts import owner_key, wallet_key
from domain.supply_chain.services.offers import give_back
from domain.supply_chain.services.programmes import terms_of
from domain.supply_chain.services.reads import OWED, ReceivableView, certificates_of, receivable
from domain.supply_chain.services.updates import (
    audit,
    certificate_row,
    certificate_updated,
    lock_receivable,
    receivable_row,
    step_certificate,
    step_invoice,
)
from domain.supply_chain.states import (
    CertificateEvent,
    CertificateState,
    InvoiceEvent,
    InvoiceState,
)
from domain.supply_chain.tables import Certificate, Receivable
from domain.unit_of_work import transaction

BATCH = 200
REMIND_DAYS = (3, 1)  # days before the due date, as lending reminds installments
CLAIM_DUE = text(
    """
    SELECT id FROM scf_receivable
    WHERE state = 'CONFIRMED' AND due_on <= :today
      AND (checked_on IS NULL OR checked_on < :today)
    ORDER BY due_on, id
    LIMIT :batch
    FOR UPDATE SKIP LOCKED
    """
)


@dataclass(frozen=True, slots=True)
class ReceivablePaid(StoredAnswer):
    receivable_id: UUID


async def settle(session: AsyncSession, row: Receivable, now: datetime) -> int:
    """Pay every outstanding certificate of the (locked) invoice from the core enterprise's
    wallet in one journal; what was paid. InsufficientFunds changes nothing."""
    return await settle_all(session, [row], now)


async def settle_all(session: AsyncSession, rows: list[Receivable], now: datetime) -> int:
    """`settle` for several locked invoices at once: one read of their certificates, one
    journal, one flush, one write of their events (the maturity job's common case)."""
    by_id = {row.id: row for row in rows}
    owed = list(
        (
            await session.exec(
                select(Certificate)
                .where(
                    col(Certificate.receivable_id).in_(by_id),
                    col(Certificate.state).in_(OWED),
                )
                .order_by(col(Certificate.receivable_id), col(Certificate.created_at))
            )
        ).all()
    )
    late = {row.buyer_id for row in rows if now.date() > row.due_on}
    terms = {buyer: await terms_of(session, buyer) for buyer in late}
    for c in owed:
        if c.buyer_id in terms:  # late: the penalty runs to the day it is paid
            age(c, terms[c.buyer_id], now)
    legs = [
        KeyedLeg(
            wallet_key(c.buyer_id, c.currency),
            owner_key(c),
            c.amount + c.penalty_accrued - c.penalty_paid,
            "SCF_MATURITY",
            {"certificate": str(c.id)},
        )
        for c in owed
    ]
    # Lines and capacity first, in offer order: early payment takes them in the same order
    # before it posts, so the two never wait on each other's locks.
    repaid: dict[tuple[UUID, UUID], int] = defaultdict(int)
    for c in owed:
        if c.offer_id is not None and c.recoursed_at is None:
            repaid[(c.offer_id, c.buyer_id)] += c.amount
    for (offer_id, buyer_id), amount in sorted(repaid.items()):
        await give_back(session, offer_id=offer_id, buyer_id=buyer_id, amount=amount, now=now)
    if legs:
        await post_by_key(session, legs=legs, now=now)
    events = []
    for c in owed:
        c.penalty_paid = c.penalty_accrued
        c.paid_at = now
        step_certificate(c, CertificateEvent.PAY, now)
        events.append(certificate_row(c, "PAID", now, [c.seller_id]))
    for row in rows:
        row.paid_at = now
        step_invoice(row, InvoiceEvent.PAY, now)
        events.append(receivable_row(row, "PAID", now))
    session.add_all([*owed, *rows])
    await session.flush()
    await record_events(session, events)
    return sum(leg.amount for leg in legs)


async def pay_receivable(
    *, session: AsyncSession, clock: Clock, actor: Actor, receivable_id: UUID, idempotency_key: str
) -> ReceivableView:
    """The core enterprise pays a confirmed invoice now (at or before maturity, or late)."""
    payer = actor.require_role(Role.CORE_ENTERPRISE)

    async def execute() -> ReceivablePaid:
        now = clock.now()
        row = await lock_receivable(session, receivable_id)
        if row.buyer_id != payer:
            raise NotFound("no such receivable", field="receivable_id")
        paid = await settle(session, row, now)
        audit(session, actor, "invoice.pay", at=now, target=row, details={"paid": paid})
        return ReceivablePaid(receivable_id=row.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="supply_chain.pay_receivable",
        request={"receivable": str(receivable_id)},
        execute=execute,
        answer=ReceivablePaid,
    )
    return await receivable(session, actor, answer.receivable_id)


def age(certificate: Certificate, terms: ProgrammeTerms, now: datetime) -> bool:
    """Age an unpaid certificate to `today` (lending's rules); whether it fell overdue now."""
    aging = age_installment(
        due_date=certificate.due_on,
        on=now.date(),
        overdue_principal=certificate.amount,
        daily_rate=terms.penalty_daily_rate,
        grace_days=terms.grace_days,
        default_days=terms.default_days,
    )
    certificate.days_past_due = aging.days_past_due
    certificate.bucket = aging.bucket.value
    # The amount never changes while it is late: the penalty to date is exact, and recomputing
    # it is idempotent whatever days the job missed.
    certificate.penalty_accrued = penalty_to_date(
        certificate.amount,
        terms.penalty_daily_rate,
        days_late=aging.days_past_due,
        grace_days=terms.grace_days,
    )
    certificate.aged_on = now.date()
    fell = aging.days_past_due > 0 and certificate.state in (
        CertificateState.HELD.value,
        CertificateState.FINANCED.value,
    )
    if fell:
        step_certificate(certificate, CertificateEvent.FALL_OVERDUE, now)
    return fell


async def _age_all(session: AsyncSession, row: Receivable, now: datetime) -> None:
    terms = await terms_of(session, row.buyer_id)
    for c in await certificates_of(session, row.id):
        if c.state not in OWED:
            continue
        fell = age(c, terms, now)
        c.updated_at = now
        session.add(c)
        await session.flush()
        await certificate_updated(
            session, c, "OVERDUE" if fell else "AGED", now=now, audience=[c.seller_id]
        )


async def _try(session: AsyncSession, receivable_id: UUID, now: datetime) -> bool:
    """Pay the invoice, or age it when the core enterprise's wallet cannot; whether paid."""
    conn = await session.connection()
    row = await _row(session, receivable_id)
    await conn.exec_driver_sql("SAVEPOINT scf_maturity")
    try:
        await settle(session, row, now)
    except InsufficientFunds:
        await conn.exec_driver_sql("ROLLBACK TO SAVEPOINT scf_maturity")
        session.expunge_all()
        row = await _row(session, receivable_id)
        await _age_all(session, row, now)
        paid = False
    else:
        paid = True
    row.checked_on = now.date()
    session.add(row)
    await session.flush()
    return paid


async def _settle_batch(session: AsyncSession, ids: list[UUID], now: datetime) -> int:
    """Pay the claimed invoices in one journal; if a core enterprise cannot pay, one by one
    (each paid, or aged); how many were paid."""
    if not ids:
        return 0
    conn = await session.connection()
    await conn.exec_driver_sql("SAVEPOINT scf_batch")
    rows = list(
        (
            await session.exec(
                select(Receivable)
                .where(col(Receivable.id).in_(ids))
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    for row in rows:
        row.checked_on = now.date()
    try:
        await settle_all(session, rows, now)
    except InsufficientFunds:
        await conn.exec_driver_sql("ROLLBACK TO SAVEPOINT scf_batch")
        session.expunge_all()
        return sum([await _try(session, receivable_id, now) for receivable_id in ids])
    return len(rows)


async def _row(session: AsyncSession, receivable_id: UUID) -> Receivable:
    row = await session.get(Receivable, receivable_id, populate_existing=True)
    assert row is not None
    assert row.state == InvoiceState.CONFIRMED.value
    return row


async def remind_due_soon(session: AsyncSession, now: datetime, *, batch: int = BATCH) -> int:
    """`certificateUpdated` REMINDED to the core enterprise and the holder 3 and 1 days
    before a certificate falls due (lending's reminder days), once a day; how many."""
    today = now.date()
    due_days = [today + timedelta(days=n) for n in REMIND_DAYS]
    rows = (
        await session.exec(
            select(Certificate)
            .where(
                col(Certificate.state).in_(OWED),
                col(Certificate.due_on).in_(due_days),
                or_(col(Certificate.reminded_on).is_(None), col(Certificate.reminded_on) < today),
            )
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for c in rows:
        assert reminder_due(c.due_on, today, days_before=REMIND_DAYS)
        c.reminded_on = today
    session.add_all(rows)
    await session.flush()
    await record_events(session, [certificate_row(c, "REMINDED", now) for c in rows])
    return len(rows)


async def settle_due_receivables(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, batch: int = BATCH
) -> int:
    """The worker's job: reminders of what falls due soon, then every confirmed invoice due
    by today paid from its core enterprise's wallet, or aged; a batch per transaction; how
    many were paid."""
    while True:
        async with transaction(sessions) as session:
            reminded = await remind_due_soon(session, clock.now(), batch=batch)
        if reminded < batch:
            break
    paid = 0
    while True:
        async with transaction(sessions) as session:
            now = clock.now()
            claimed = (
                (
                    await (await session.connection()).execute(
                        CLAIM_DUE, {"today": now.date(), "batch": batch}
                    )
                )
                .scalars()
                .all()
            )
            paid += await _settle_batch(session, list(claimed), now)
        if len(claimed) < batch:
            return paid
