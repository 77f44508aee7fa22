"""A campaign's way to launch: the creator drafts and submits it, an operator approves
(it goes live: its deadline is set and its fee version fixed) or rejects it with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.crowdfunding.errors import CreatorNotEligible, IssuerCapExceeded
from domain.crowdfunding.fees import CURRENT_FEES
from domain.crowdfunding.investor_limits import CURRENT_LIMITS
from domain.crowdfunding.services.reads import CampaignView, tiers_of, view_of
from domain.crowdfunding.services.updates import audit, campaign_updated, lock_campaign, step
from domain.crowdfunding.states import (
    CampaignChange,
    CampaignEvent,
    CampaignKind,
    CampaignState,
    FundingModel,
)
from domain.crowdfunding.tables import Campaign, RewardTier
from domain.crowdfunding.terms import (
    CampaignTerms,
    DebtTerms,
    EquityTerms,
    TierTerms,
    terms_violations,
    threshold,
)
from domain.errors import InputRejected, InvalidInput
from domain.lending.products import FundingChannel, application_violations
from domain.lending.services.applications import current_product
from domain.lending.services.product_terms import product_of
from domain.money import Money, currency_of
from domain.participants.credentials import ParticipantKind
from domain.participants.kyc import KycLevel
from domain.participants.tables import Participant

CAMPAIGNS = Campaign.__table__  # type: ignore[attr-defined]
REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class NewTier:
    name: str
    minimum: Money
    quantity: int | None = None
    estimated_delivery: date | None = None


@dataclass(frozen=True, slots=True)
class NewEquityTerms:
    price_per_share: Money
    shares_offered: int
    minimum_raise: Money
    valuation: Money


@dataclass(frozen=True, slots=True)
class NewDebtTerms:
    product_id: UUID
    annual_rate: Decimal
    term_months: int


@dataclass(frozen=True, slots=True)
class NewCampaign:
    kind: CampaignKind
    funding_model: FundingModel
    goal: Money
    duration_days: int
    title: str
    description: str = ""
    category: str = ""
    tiers: tuple[NewTier, ...] = ()
    equity: NewEquityTerms | None = None
    debt: NewDebtTerms | None = None

    def terms(self) -> CampaignTerms:
        equity = self.equity
        return CampaignTerms(
            kind=self.kind,
            funding_model=self.funding_model,
            goal=self.goal.minor,
            duration_days=self.duration_days,
            title=self.title,
            description=self.description,
            category=self.category,
            tiers=tuple(
                TierTerms(t.name, t.minimum.minor, t.quantity, _iso(t.estimated_delivery))
                for t in self.tiers
            ),
            equity=None
            if equity is None
            else EquityTerms(
                price_per_share=equity.price_per_share.minor,
                shares_offered=equity.shares_offered,
                minimum_raise=equity.minimum_raise.minor,
                valuation=equity.valuation.minor,
            ),
            debt=None
            if self.debt is None
            else DebtTerms(self.debt.annual_rate, self.debt.term_months),
        )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _check(new: NewCampaign) -> None:
    currency = currency_of(new.goal.currency, field="goal")
    money = [t.minimum for t in new.tiers]
    if new.equity is not None:
        e = new.equity
        money += [e.price_per_share, e.minimum_raise, e.valuation]
    found = [
        InvalidInput(f"must be in {currency.code}, the campaign's currency", field="goal")
        for m in money
        if m.currency != currency.code
    ][:1]
    found += [
        InvalidInput(message, field=field) for field, message in terms_violations(new.terms())
    ]
    if new.kind is CampaignKind.EQUITY and currency.code != CURRENT_LIMITS.currency:
        found.append(InvalidInput(f"equity is offered in {CURRENT_LIMITS.currency}", field="goal"))
    if found:
        raise InputRejected(found)


async def _creator(session: AsyncSession, creator_id: UUID, kind: CampaignKind) -> None:
    person = await session.get(Participant, creator_id)
    assert person is not None  # the actor signed in
    if KycLevel(person.kyc_level) is KycLevel.UNVERIFIED:
        raise CreatorNotEligible("verify your identity before you raise money", field="kind")
    if (
        kind in (CampaignKind.EQUITY, CampaignKind.DEBT)
        and person.kind != ParticipantKind.BUSINESS.value
    ):
        raise CreatorNotEligible(f"only a verified business raises {kind.value}", field="kind")


async def _issuer_cap(session: AsyncSession, creator_id: UUID, goal: int, now: datetime) -> None:
    """What one issuer may offer in 12 months (Reg CF's cap), counting its other equity
    offerings that are not over without a sale."""
    offered = (
        await (await session.connection()).execute(
            select(func.coalesce(func.sum(CAMPAIGNS.c.goal), 0)).where(
                CAMPAIGNS.c.creator_id == creator_id,
                CAMPAIGNS.c.kind == CampaignKind.EQUITY.value,
                CAMPAIGNS.c.created_at > now - timedelta(days=CURRENT_LIMITS.window_days),
                CAMPAIGNS.c.state.not_in(
                    [
                        CampaignState.REJECTED.value,
                        CampaignState.FAILED.value,
                        CampaignState.CANCELLED.value,
                    ]
                ),
            )
        )
    ).scalar_one()
    cap = CURRENT_LIMITS.issuer_cap
    if int(offered) + goal > cap:
        left = Money(max(cap - int(offered), 0), CURRENT_LIMITS.currency)
        raise IssuerCapExceeded(
            f"an issuer offers at most {Money(cap, CURRENT_LIMITS.currency).text()} in 12 "
            f"months; {left.text()} is left",
            field="goal",
        )


async def _debt_product(session: AsyncSession, new: NewCampaign) -> None:
    assert new.debt is not None
    row = await current_product(session, new.debt.product_id)
    product = product_of(row)
    found = []
    if row.currency != new.goal.currency:
        found.append(InvalidInput(f"the product lends {row.currency}", field="goal"))
    if FundingChannel.INVESTOR_NOTES.value not in row.funding_channels:
        found.append(InvalidInput("the product is not funded by notes", field="debt.product_id"))
    for v in application_violations(
        product,
        amount=new.goal.minor,
        term_months=new.debt.term_months,
        annual_rate=new.debt.annual_rate,
    ):
        field = {"amount": "goal", "annual_rate": "debt.annual_rate"}.get(
            v.field, f"debt.{v.field}"
        )
        message = "must be within the product's rates" if v.field == "annual_rate" else v.message
        found.append(InvalidInput(message, field=field))
    if found:
        raise InputRejected(found)


async def create_campaign(
    *, session: AsyncSession, clock: Clock, actor: Actor, new: NewCampaign
) -> CampaignView:
    """A DRAFT campaign of the verified creator's; submit it for review when ready."""
    creator_id = actor.require_person()
    _check(new)
    now = clock.now()
    await _creator(session, creator_id, new.kind)
    if new.kind is CampaignKind.EQUITY:
        await _issuer_cap(session, creator_id, new.goal.minor, now)
    if new.debt is not None:
        await _debt_product(session, new)
    equity, debt = new.equity, new.debt
    campaign = Campaign(
        creator_id=creator_id,
        kind=new.kind.value,
        funding_model=new.funding_model.value,
        state=CampaignState.DRAFT.value,
        title=new.title.strip(),
        description=new.description,
        category=new.category.strip().lower(),
        currency=new.goal.currency,
        goal=new.goal.minor,
        threshold=threshold(
            new.kind, new.goal.minor, equity.minimum_raise.minor if equity else None
        ),
        duration_days=new.duration_days,
        fee_version=CURRENT_FEES.version,
        price_per_share=equity.price_per_share.minor if equity else None,
        shares_offered=equity.shares_offered if equity else None,
        minimum_raise=equity.minimum_raise.minor if equity else None,
        valuation=equity.valuation.minor if equity else None,
        loan_product_id=debt.product_id if debt else None,
        annual_rate=debt.annual_rate if debt else None,
        term_months=debt.term_months if debt else None,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    tiers = [
        RewardTier(
            campaign_id=campaign.id,
            position=number,
            name=tier.name.strip(),
            minimum=tier.minimum.minor,
            quantity=tier.quantity,
            estimated_delivery=tier.estimated_delivery,
        )
        for number, tier in enumerate(new.tiers, start=1)
    ]
    session.add_all(tiers)
    await session.flush()
    audit(session, actor, "create", at=now, target=campaign, details={"kind": new.kind.value})
    return view_of(campaign, tiers)


async def _own(session: AsyncSession, actor: Actor, campaign_id: UUID) -> Campaign:
    creator_id = actor.require_person()
    campaign = await lock_campaign(session, campaign_id)
    if campaign.creator_id != creator_id:
        raise NotFound("no such campaign", field="campaign_id")
    return campaign


async def submit_campaign(
    *, session: AsyncSession, clock: Clock, actor: Actor, campaign_id: UUID
) -> CampaignView:
    """The creator hands a draft to the operators for review."""
    campaign = await _own(session, actor, campaign_id)
    now = clock.now()
    step(campaign, CampaignEvent.SUBMIT, now)
    campaign.submitted_at = now
    session.add(campaign)
    await campaign_updated(session, campaign, CampaignChange.SUBMITTED, now=now)
    audit(session, actor, "submit", at=now, target=campaign)
    return await _view(session, campaign)


async def review_campaign(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    campaign_id: UUID,
    approve: bool,
    reason: str,
) -> CampaignView:
    """An operator approves a submission (it goes live until its deadline) or rejects it;
    the reason is kept (a rejection must give one)."""
    actor.require_operator()
    reason = reason.strip()
    if len(reason) > REASON_LENGTH:
        raise InvalidInput(f"must be at most {REASON_LENGTH} characters", field="reason")
    if not approve and not reason:
        raise InvalidInput("say why the campaign is rejected", field="reason")
    campaign = await lock_campaign(session, campaign_id)
    now = clock.now()
    step(campaign, CampaignEvent.APPROVE if approve else CampaignEvent.REJECT, now)
    campaign.reviewed_by, campaign.reviewed_at = actor.participant_id, now
    campaign.review_reason = reason or None
    if approve:
        campaign.launched_at = now
        campaign.deadline = now + timedelta(days=campaign.duration_days)
        campaign.fee_version = CURRENT_FEES.version
    session.add(campaign)
    change = CampaignChange.LAUNCHED if approve else CampaignChange.REJECTED
    await campaign_updated(session, campaign, change, now=now)
    audit(
        session,
        actor,
        "review",
        at=now,
        target=campaign,
        details={"approve": approve, "reason": reason},
    )
    return await _view(session, campaign)


async def _view(session: AsyncSession, campaign: Campaign) -> CampaignView:
    tiers = await tiers_of(session, [campaign.id])
    return view_of(campaign, tiers.get(campaign.id, []))
