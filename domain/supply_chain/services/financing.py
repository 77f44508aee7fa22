"""Early payment: a certificate's holder asks to be paid now; the matching engine picks the
cheapest supply-chain offer that takes it whole; the holder receives the net at once, the
platform its service fee (`scf_fee`), and the financier owns the certificate.

`quote_early_payment` shows the discount, fee, net and implied APR before committing (it
reads, it reserves nothing). `request_early_payment`, idempotent under the holder's key,
locks the certificate (so it is financed once), matches, consumes the chosen offer's credit
line to the buyer and its capacity with guarded updates, and, if a concurrent request took
that room first, matches again without it (a bounded number of times).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.lending.services.funding_offers import commit_capacity
from domain.matching.engine import match_receivable
from domain.matching.outcome import Fill, MatchResult
from domain.matching.sources import ReceivableToFinance
from domain.supply_chain.discount import EarlyPaymentQuote, days_to_maturity
from domain.supply_chain.discount import quote_early_payment as quote_of
from domain.supply_chain.errors import Matured, NoFinancingOffer, ReceivableStateConflict
from domain.supply_chain.fees import CURRENT_FEE
from domain.supply_chain.services.accounts import fee_key, financier_key, wallet_key
from domain.supply_chain.services.offers import (
    consume_credit_line,
    open_offers,
    restore_credit_line,
)
from domain.supply_chain.services.reads import certificate as visible_certificate
from domain.supply_chain.services.updates import (
    audit,
    certificate_updated,
    lock_certificate,
    step_certificate,
)
from domain.supply_chain.states import CertificateEvent, CertificateState
from domain.supply_chain.tables import Certificate

ATTEMPTS = 5  # matches per request when concurrent requests keep taking the chosen room


@dataclass(frozen=True, slots=True)
class EarlyPaymentOffer:
    """What the holder would receive now, and from which offer."""

    certificate: Certificate
    quote: EarlyPaymentQuote
    offer_id: UUID
    financier_id: UUID
    explanation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EarlyPaid(StoredAnswer):
    certificate_id: UUID


@dataclass(frozen=True, slots=True)
class EarlyPayment:
    """The certificate, now the financier's, and what the holder was paid for it."""

    certificate: Certificate
    net: int
    implied_apr: str


def _to_finance(row: Certificate, now: datetime) -> ReceivableToFinance:
    days = days_to_maturity(now.date(), row.due_on)
    if days <= 0:
        raise Matured("the certificate is due: it is paid, not discounted", field="certificate_id")
    return ReceivableToFinance(
        certificate_id=str(row.id),
        holder_id=str(row.holder_id),
        buyer_id=str(row.buyer_id),
        amount=row.amount,
        currency=row.currency,
        tenor_days=days,
    )


def _explanation(result: MatchResult, fill: Fill) -> dict[str, Any]:
    passed = [
        {"offer": d.source_id, "code": d.code.value, "rate": str(d.asking_rate)}
        for d in result.decisions
        if d.source_id != fill.source_id
    ]
    return {
        "rule": "lowest discount rate, then time priority; bought whole",
        "rank": len(result.decisions),
        "discount_rate": str(fill.annual_rate),
        "passed_over": passed,
        "not_considered": result.not_considered,
    }


def _priced(row: Certificate, fill: Fill, now: datetime) -> EarlyPaymentQuote:
    try:
        return quote_of(
            amount=row.amount,
            annual_rate=fill.annual_rate,
            value_date=now.date(),
            due_date=row.due_on,
            fee_basis_points=CURRENT_FEE.basis_points,
        )
    except ValueError as refused:
        raise InvalidInput(str(refused), field="certificate_id") from refused


async def _match(
    session: AsyncSession, row: Certificate, now: datetime, excluded: frozenset[str]
) -> tuple[MatchResult, Fill]:
    target = _to_finance(row, now)
    offers = await open_offers(session, target, now=now)
    result = match_receivable(target, offers, now=now, excluded=excluded)
    if not result.fills:
        raise NoFinancingOffer(
            "no open supply-chain offer takes this certificate now", field="certificate_id"
        )
    return result, result.fills[0]


def _check_holder(row: Certificate, holder_id: UUID) -> None:
    if holder_id not in (row.holder_id, row.seller_id):  # holder_id: a participant, never None
        raise NotFound("no such certificate", field="certificate_id")
    if row.holder_id != holder_id or row.state != CertificateState.HELD.value:
        raise ReceivableStateConflict(
            f"a {row.state} certificate cannot be financed", field="certificate_id"
        )


async def quote_early_payment(
    *, session: AsyncSession, clock: Clock, actor: Actor, certificate_id: UUID
) -> EarlyPaymentOffer:
    """What the holder would receive for the certificate now (nothing is reserved)."""
    holder_id = actor.require_participant()
    now = clock.now()
    row = await visible_certificate(session, actor, certificate_id)
    _check_holder(row, holder_id)
    result, fill = await _match(session, row, now, frozenset())
    return EarlyPaymentOffer(
        certificate=row,
        quote=_priced(row, fill, now),
        offer_id=UUID(fill.source_id),
        financier_id=UUID(fill.funder_id),
        explanation=_explanation(result, fill),
    )


async def request_early_payment(
    *, session: AsyncSession, clock: Clock, actor: Actor, certificate_id: UUID, idempotency_key: str
) -> EarlyPayment:
    """Be paid now: the cheapest accepting offer buys the certificate whole."""
    holder_id = actor.require_participant()

    async def execute() -> EarlyPaid:
        now = clock.now()
        row = await lock_certificate(session, certificate_id)
        _check_holder(row, holder_id)
        excluded: frozenset[str] = frozenset()
        for _ in range(ATTEMPTS):
            result, fill = await _match(session, row, now, excluded)
            offer_id = UUID(fill.source_id)
            if await _reserve(session, row, offer_id, now):
                break
            excluded |= {fill.source_id}
        else:
            raise NoFinancingOffer(
                "the offers that took this certificate were taken meanwhile: ask again",
                field="certificate_id",
            )
        quote = _priced(row, fill, now)
        financier = UUID(fill.funder_id)
        await _pay_holder(session, row, financier, quote, now)
        row.seller_id, row.holder_id, row.financier_id = row.holder_id, financier, financier
        row.offer_id, row.annual_rate = offer_id, fill.annual_rate
        row.discount, row.fee, row.fee_version = quote.discount, quote.fee, CURRENT_FEE.version
        row.explanation = _explanation(result, fill) | {"implied_apr": str(quote.implied_apr)}
        row.financed_at = now
        step_certificate(row, CertificateEvent.FINANCE, now)
        session.add(row)
        await session.flush()
        await certificate_updated(session, row, "FINANCED", now=now, audience=[row.seller_id])
        audit(
            session,
            actor,
            "certificate.finance",
            at=now,
            target=row,
            details={"offer": str(offer_id), "net": quote.net, "fee": quote.fee},
        )
        return EarlyPaid(certificate_id=row.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="supply_chain.early_payment",
        request={"certificate": str(certificate_id)},
        execute=execute,
        answer=EarlyPaid,
    )
    row = await session.get(Certificate, answer.certificate_id)
    assert row is not None
    net = row.amount - row.discount - row.fee
    apr = (row.explanation or {}).get("implied_apr", "")
    return EarlyPayment(certificate=row, net=net, implied_apr=str(apr))


async def _reserve(session: AsyncSession, row: Certificate, offer_id: UUID, now: datetime) -> bool:
    """Consume the credit line to the buyer, then the offer's capacity; neither if either is
    gone (the line is given back when the capacity is)."""
    if not await consume_credit_line(
        session, offer_id=offer_id, buyer_id=row.buyer_id, amount=row.amount
    ):
        return False
    if await commit_capacity(session, offer_id, row.amount, now):
        return True
    await restore_credit_line(session, offer_id=offer_id, buyer_id=row.buyer_id, amount=row.amount)
    return False


async def _pay_holder(
    session: AsyncSession,
    row: Certificate,
    financier: UUID,
    quote: EarlyPaymentQuote,
    now: datetime,
) -> None:
    """One journal: the financier pays the holder the net and the platform the fee."""
    funding = financier_key(financier, row.currency)
    tag = {"certificate": str(row.id)}
    legs = [
        KeyedLeg(
            funding, wallet_key(row.holder_id, row.currency), quote.net, "SCF_EARLY_PAYMENT", tag
        ),
        KeyedLeg(funding, fee_key(row.currency), quote.fee, "SCF_FEE", tag),
    ]
    await post_by_key(session, legs=[leg for leg in legs if leg.amount], now=now)
