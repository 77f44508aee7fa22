"""Cover offers: nobody pays a product's funders without having agreed to.

An insurer (INSURER role, API keys with policies:write) or a guarantor (GUARANTOR role,
guarantees:write) publishes what it will cover: kind, currency, the most of the funders'
outstanding principal it pays on a default, and the largest loan. An operator attaches an
OPEN offer to a product (`attach_cover`); the provider may withdraw it, which stops new
loans under those products. Loans already listed keep the cover of the product version
they were sold under: that row names the provider and the share, and never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind, Forbidden, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.insurance.products import ProductKind
from domain.insurance.tables import InsuranceProduct
from domain.lending.errors import ApplicationRefused
from domain.lending.products import CoverKind, LoanProduct
from domain.lending.tables import CoverOfferRow, LoanProductRow
from domain.money import currency_of
from domain.participants.roles import Role, Scope
from domain.participants.tables import Participant

OFFERS = CoverOfferRow.__table__  # type: ignore[attr-defined]
OPEN, WITHDRAWN = "OPEN", "WITHDRAWN"
# Who may offer each kind of cover, and the scope its API keys need.
PROVIDER_ROLE = {CoverKind.INSURANCE: Role.INSURER, CoverKind.GUARANTEE: Role.GUARANTOR}
WRITE_SCOPE = {
    CoverKind.INSURANCE: Scope.POLICIES_WRITE,
    CoverKind.GUARANTEE: Scope.GUARANTEES_WRITE,
}


@dataclass(frozen=True, slots=True)
class CoverTerms:
    kind: CoverKind
    currency: str
    share: Decimal  # the most of the funders' outstanding principal it pays on a default
    max_loan_amount: int | None = None  # the largest principal it covers; None: any
    terms: str = ""  # the provider's own words (policy number, conditions)
    insurance_product_id: UUID | None = None  # INSURANCE: the CREDIT product sold per loan
    # False: only the borrowers who buy it when accepting their offer are sold the policy.
    requires_cover: bool = True


def _provider(actor: Actor, kind: CoverKind) -> UUID:
    if kind not in PROVIDER_ROLE:
        raise InvalidInput("a cover offer is INSURANCE or GUARANTEE", field="kind")
    provider_id = actor.require_role(PROVIDER_ROLE[kind])
    actor.require_scope(WRITE_SCOPE[kind])
    return provider_id


def _check(terms: CoverTerms) -> None:
    currency_of(terms.currency)
    if not Decimal(0) < terms.share <= 1:
        raise InvalidInput("must be within 0..1, above 0", field="share")
    if terms.max_loan_amount is not None and terms.max_loan_amount <= 0:
        raise InvalidInput("must be greater than zero", field="max_loan_amount")
    if len(terms.terms) > 500:
        raise InvalidInput("at most 500 characters", field="terms")
    if not terms.requires_cover and terms.insurance_product_id is None:
        raise InvalidInput("only an offer naming a CREDIT product sells it", field="requires_cover")


async def check_credit_product(
    session: AsyncSession, product_id: UUID, *, insurer_id: UUID, terms: CoverTerms
) -> None:
    """InvalidInput unless `product_id` is the insurer's own CREDIT product in the offer's
    currency (an INSURANCE offer sells a policy of it with each loan)."""
    product = await session.get(InsuranceProduct, product_id)
    field = "insurance_product_id"
    if product is None or product.insurer_id != insurer_id:
        raise NotFound("no such insurance product", field=field)
    if terms.kind is not CoverKind.INSURANCE or product.kind != ProductKind.CREDIT.value:
        raise InvalidInput("an INSURANCE offer names a CREDIT product", field=field)
    if product.currency != terms.currency:
        raise InvalidInput(f"the product insures {product.currency}", field=field)


@dataclass(frozen=True, slots=True)
class CoverOfferPublished(StoredAnswer):
    """What a cover offer's key keeps: the offer it made."""

    offer_id: UUID


async def publish_cover_offer(
    *, session: AsyncSession, clock: Clock, actor: Actor, terms: CoverTerms, idempotency_key: str
) -> CoverOfferRow:
    """The provider's standing offer to cover products' loans; the same key, the same offer."""
    provider_id = _provider(actor, terms.kind)
    _check(terms)

    async def execute() -> CoverOfferPublished:
        now = clock.now()
        if terms.insurance_product_id is not None:
            await check_credit_product(
                session, terms.insurance_product_id, insurer_id=provider_id, terms=terms
            )
        offer = CoverOfferRow(
            provider_id=provider_id,
            kind=terms.kind.value,
            currency=terms.currency,
            share=terms.share,
            max_loan_amount=terms.max_loan_amount,
            terms=terms.terms,
            insurance_product_id=terms.insurance_product_id,
            requires_cover=terms.requires_cover,
            status=OPEN,
            created_at=now,
        )
        session.add(offer)
        await session.flush()
        record(
            session,
            actor=actor,
            action="lending.cover_offer.publish",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="CoverOffer",
            target_id=offer.id,
            details={"kind": terms.kind.value, "share": str(terms.share)},
        )
        return CoverOfferPublished(offer_id=offer.id)

    request = {
        "kind": terms.kind.value,
        "currency": terms.currency,
        "share": str(terms.share),
        "max_loan_amount": terms.max_loan_amount,
        "terms": terms.terms,
        "insurance_product": str(terms.insurance_product_id or ""),
        **({} if terms.requires_cover else {"optional": True}),
    }
    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="lending.cover_offer.publish",
        request=request,
        execute=execute,
        answer=CoverOfferPublished,
    )
    offer = await session.get(CoverOfferRow, answer.offer_id)  # the row just written
    assert offer is not None  # offers are never deleted
    return offer


async def withdraw_cover_offer(
    *, session: AsyncSession, clock: Clock, actor: Actor, offer_id: UUID
) -> CoverOfferRow:
    """No new loans under the offer; those already listed keep their cover. Withdrawing a
    withdrawn offer changes nothing."""
    participant_id = actor.require_participant()
    offer = await session.get(CoverOfferRow, offer_id, with_for_update=True)
    if offer is None or offer.provider_id != participant_id:
        raise NotFound("no such cover offer", field="offer_id")
    _provider(actor, CoverKind(offer.kind))
    if offer.status == OPEN:
        now = clock.now()
        await (await session.connection()).execute(
            update(OFFERS).where(OFFERS.c.id == offer_id).values(status=WITHDRAWN, withdrawn_at=now)
        )
        record(
            session,
            actor=actor,
            action="lending.cover_offer.withdraw",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="CoverOffer",
            target_id=offer_id,
        )
        await session.refresh(offer)
    return offer


async def cover_offers(session: AsyncSession, *, actor: Actor) -> list[CoverOfferRow]:
    """The caller's own cover offers, or every provider's for an operator; newest first. A
    key reads them with the scope that writes them."""
    if actor.kind is ActorKind.API_KEY and actor.scopes.isdisjoint(WRITE_SCOPE.values()):
        raise Forbidden("this API key lacks the policies:write or guarantees:write scope")
    query = select(CoverOfferRow)
    if not actor.is_operator:
        query = query.where(col(CoverOfferRow.provider_id) == actor.require_participant())
    rows = await session.exec(
        query.order_by(col(CoverOfferRow.created_at).desc(), col(CoverOfferRow.id))
    )
    return list(rows.all())


async def attach_cover(session: AsyncSession, product: LoanProduct) -> LoanProduct:
    """`product` with its cover bound to the provider's OPEN offer that agrees to it: same
    kind and currency, at least the share, loans up to the product's largest. InvalidInput
    on the field at fault otherwise (no role, no such offer, ...). A guarantee naming no
    provider is the platform's own fund and needs no offer."""
    cover = product.cover
    if cover.kind is CoverKind.NONE or cover.provider_id is None:
        return product
    provider = await session.get(Participant, cover.provider_id)
    role = PROVIDER_ROLE[cover.kind]
    if provider is None or role.value not in provider.roles:
        raise InvalidInput(
            f"names no participant with the {role.value} role", field="cover.provider_id"
        )
    query = select(CoverOfferRow).where(
        col(CoverOfferRow.provider_id) == cover.provider_id,
        col(CoverOfferRow.status) == OPEN,
        col(CoverOfferRow.kind) == cover.kind.value,
        col(CoverOfferRow.currency) == product.currency,
    )
    if cover.offer_id is not None:
        query = query.where(col(CoverOfferRow.id) == cover.offer_id)
    # FOR SHARE: a withdrawal waits until this product is written, and sees it.
    offers = list((await session.exec(query.with_for_update(read=True))).all())
    field = "cover.offer_id" if cover.offer_id is not None else "cover.provider_id"
    if not offers:
        raise InvalidInput(
            f"has no open {cover.kind.value} cover offer in {product.currency} from this provider",
            field=field,
        )
    if len(offers) > 1:
        raise InvalidInput("the provider has several open offers: name one", field="cover.offer_id")
    [offer] = offers
    if cover.share > offer.share:
        raise InvalidInput(
            f"the offer covers at most {offer.share} of the principal", field="cover.share"
        )
    if offer.max_loan_amount is not None and product.max_amount > offer.max_loan_amount:
        raise InvalidInput("the cover offer does not cover loans this large", field="max_amount")
    return replace(product, cover=replace(cover, offer_id=offer.id))


async def require_cover_in_force(session: AsyncSession, product: LoanProductRow) -> None:
    """ApplicationRefused if the product's cover offer was withdrawn: its funders were promised
    a cover nobody gives any more, until the operator updates the product."""
    if product.cover_offer_id is None:
        return
    # FOR SHARE: listings go on side by side; a withdrawal waits for them, or they for it.
    offer = await session.get(CoverOfferRow, product.cover_offer_id, with_for_update={"read": True})
    assert offer is not None
    if offer.status != OPEN:
        raise ApplicationRefused(
            "the product's cover was withdrawn by its provider: no new loans until the "
            "operator updates the product",
            field="product_id",
        )
