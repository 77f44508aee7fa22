"""Early payment: a certificate's holder asks to be paid now; the matching engine picks the
cheapest supply-chain offer that takes it whole; the holder receives the net at once, the
platform its service fee (`scf_fee`), and the financier owns the certificate. When no offer
can take it whole, several do: the certificate is split into one part per offer (exact:
the parts sum to it), each part is priced at its offer's rate and owned by its financier,
who is paid that part at maturity.

`quote_early_payment` shows the discount, fee, net and implied APR before committing (it
reads, it reserves nothing). `request_early_payment`, idempotent under the holder's key,
locks the certificate (so it is financed once), matches, consumes each chosen offer's credit
line to the buyer and its capacity with guarded updates (in offer order, as maturity gives
them back), and, if a concurrent request took that room first, gives back what it took and
matches again without that offer (a bounded number of times).
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
from domain.supply_chain.discount import EarlyPaymentQuote, days_to_maturity, total_quote
from domain.supply_chain.discount import quote_early_payment as quote_of
from domain.supply_chain.errors import Matured, NoFinancingOffer, ReceivableStateConflict
from domain.supply_chain.fees import CURRENT_FEE
from domain.supply_chain.services.accounts import fee_key, financier_key, wallet_key
from domain.supply_chain.services.offers import (
    consume_credit_line,
    give_back,
    open_offers,
    restore_credit_line,
)
from domain.supply_chain.services.reads import certificate as visible_certificate
from domain.supply_chain.services.splitting import split_into
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
class QuotedPart:
    """What one offer would pay for its part of the certificate (the whole, when alone)."""

    offer_id: UUID
    financier_id: UUID
    quote: EarlyPaymentQuote


@dataclass(frozen=True, slots=True)
class EarlyPaymentOffer:
    """What the holder would receive now (`quote`: the parts' total), and from which offers,
    cheapest first (`offer_id`, `financier_id`: the first's)."""

    certificate: Certificate
    quote: EarlyPaymentQuote
    offer_id: UUID
    financier_id: UUID
    explanation: dict[str, Any]
    parts: tuple[QuotedPart, ...]


@dataclass(frozen=True, slots=True)
class EarlyPaid(StoredAnswer):
    certificate_id: UUID
    part_ids: tuple[UUID, ...] = ()  # the parts the offers bought, when several did


@dataclass(frozen=True, slots=True)
class EarlyPayment:
    """The certificate (now the financier's, or SPLIT into `parts`, each its financier's) and
    what the holder was paid for it."""

    certificate: Certificate
    net: int
    implied_apr: str
    parts: tuple[Certificate, ...] = ()


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
    taken = {f.source_id for f in result.fills}
    passed = [
        {"offer": d.source_id, "code": d.code.value, "rate": str(d.asking_rate)}
        for d in result.decisions
        if d.source_id not in taken
    ]
    whole = len(result.fills) == 1
    return {
        "rule": "lowest discount rate, then time priority; "
        + ("bought whole" if whole else "no offer could take it whole: bought in parts"),
        "rank": 1 + [d.source_id for d in result.decisions].index(fill.source_id),
        "discount_rate": str(fill.annual_rate),
        "passed_over": passed,
        "not_considered": result.not_considered,
    } | ({} if whole else {"part": fill.amount, "parts": len(result.fills)})


def _priced(row: Certificate, fill: Fill, now: datetime) -> EarlyPaymentQuote:
    try:
        return quote_of(
            amount=fill.amount,
            annual_rate=fill.annual_rate,
            value_date=now.date(),
            due_date=row.due_on,
            fee_basis_points=CURRENT_FEE.basis_points,
        )
    except ValueError as refused:
        raise InvalidInput(str(refused), field="certificate_id") from refused


async def _match(
    session: AsyncSession, row: Certificate, now: datetime, excluded: frozenset[str]
) -> MatchResult:
    target = _to_finance(row, now)
    offers = await open_offers(session, target, now=now)
    result = match_receivable(target, offers, now=now, excluded=excluded)
    if not result.fills:  # none takes it whole: the offers with any room, for parts
        offers = await open_offers(session, target, now=now, parts=True)
        result = match_receivable(target, offers, now=now, excluded=excluded)
    if not result.fills:
        raise NoFinancingOffer(
            "no open supply-chain offers take this certificate now", field="certificate_id"
        )
    return result


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
    result = await _match(session, row, now, frozenset())
    parts = tuple(
        QuotedPart(UUID(f.source_id), UUID(f.funder_id), _priced(row, f, now)) for f in result.fills
    )
    first = result.fills[0]
    return EarlyPaymentOffer(
        certificate=row,
        quote=total_quote([p.quote for p in parts]),
        offer_id=parts[0].offer_id,
        financier_id=parts[0].financier_id,
        explanation=_explanation(result, first),
        parts=parts,
    )


async def request_early_payment(
    *, session: AsyncSession, clock: Clock, actor: Actor, certificate_id: UUID, idempotency_key: str
) -> EarlyPayment:
    """Be paid now: the cheapest accepting offer buys the certificate whole, or several buy
    it in parts when none can."""
    holder_id = actor.require_participant()

    async def execute() -> EarlyPaid:
        now = clock.now()
        row = await lock_certificate(session, certificate_id)
        _check_holder(row, holder_id)
        excluded: frozenset[str] = frozenset()
        for _ in range(ATTEMPTS):
            result = await _match(session, row, now, excluded)
            taken_meanwhile = await _reserve_all(session, row, result.fills, now)
            if taken_meanwhile is None:
                break
            excluded |= {taken_meanwhile}
        else:
            raise NoFinancingOffer(
                "the offers that took this certificate were taken meanwhile: ask again",
                field="certificate_id",
            )
        if len(result.fills) == 1:
            quote = await _finance(session, row, result, result.fills[0], now)
            details: dict[str, Any] = {
                "offer": result.fills[0].source_id,
                "net": quote.net,
                "fee": quote.fee,
            }
            part_ids: tuple[UUID, ...] = ()
        else:
            parts = await _split_for_offers(session, row, result.fills, now)
            quotes = [
                await _finance(session, part, result, fill, now)
                for part, fill in zip(parts, result.fills, strict=True)
            ]
            total = total_quote(quotes)
            row.explanation = {"implied_apr": str(total.implied_apr), "net": total.net}
            session.add(row)
            await session.flush()
            details = {
                "offers": [f.source_id for f in result.fills],
                "net": total.net,
                "fee": total.fee,
            }
            part_ids = tuple(p.id for p in parts)
        audit(session, actor, "certificate.finance", at=now, target=row, details=details)
        return EarlyPaid(certificate_id=row.id, part_ids=part_ids)

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
    found = [await session.get(Certificate, part_id) for part_id in answer.part_ids]
    parts = tuple(p for p in found if p is not None)
    net = sum(c.amount - c.discount - c.fee for c in parts or (row,))
    apr = (row.explanation or {}).get("implied_apr", "")
    return EarlyPayment(certificate=row, net=net, implied_apr=str(apr), parts=parts)


async def _finance(
    session: AsyncSession, row: Certificate, result: MatchResult, fill: Fill, now: datetime
) -> EarlyPaymentQuote:
    """The fill's offer buys the (held, locked) certificate: the holder is paid the net, the
    platform the fee, and the financier owns it."""
    quote = _priced(row, fill, now)
    financier = UUID(fill.funder_id)
    await _pay_holder(session, row, financier, quote, now)
    row.seller_id, row.holder_id, row.financier_id = row.holder_id, financier, financier
    row.offer_id, row.annual_rate = UUID(fill.source_id), fill.annual_rate
    row.discount, row.fee, row.fee_version = quote.discount, quote.fee, CURRENT_FEE.version
    row.explanation = _explanation(result, fill) | {"implied_apr": str(quote.implied_apr)}
    row.financed_at = now
    step_certificate(row, CertificateEvent.FINANCE, now)
    session.add(row)
    await session.flush()
    await certificate_updated(session, row, "FINANCED", now=now, audience=[row.seller_id])
    return quote


async def _split_for_offers(
    session: AsyncSession, whole: Certificate, fills: tuple[Fill, ...], now: datetime
) -> list[Certificate]:
    """The certificate SPLIT into one HELD part per fill, all the holder's (the fills sum to
    it exactly: the engine takes all of it or nothing)."""
    parts = split_into(whole, [(whole.holder_id, fill.amount) for fill in fills], now)
    session.add_all([whole, *parts])
    await session.flush()
    await certificate_updated(session, whole, "SPLIT", now=now)
    return parts


async def _reserve_all(
    session: AsyncSession, row: Certificate, fills: tuple[Fill, ...], now: datetime
) -> str | None:
    """Consume every fill's credit line and capacity, in offer order; None, or the first
    offer found taken meanwhile (with what was consumed given back)."""
    reserved: list[Fill] = []
    for fill in sorted(fills, key=lambda f: f.source_id):
        if not await _reserve(session, row, UUID(fill.source_id), fill.amount, now):
            for done in reserved:
                await give_back(
                    session,
                    offer_id=UUID(done.source_id),
                    buyer_id=row.buyer_id,
                    amount=done.amount,
                    now=now,
                )
            return fill.source_id
        reserved.append(fill)
    return None


async def _reserve(
    session: AsyncSession, row: Certificate, offer_id: UUID, amount: int, now: datetime
) -> bool:
    """Consume the credit line to the buyer, then the offer's capacity; neither if either is
    gone (the line is given back when the capacity is)."""
    if not await consume_credit_line(
        session, offer_id=offer_id, buyer_id=row.buyer_id, amount=amount
    ):
        return False
    if await commit_capacity(session, offer_id, amount, now):
        return True
    await restore_credit_line(session, offer_id=offer_id, buyer_id=row.buyer_id, amount=amount)
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
