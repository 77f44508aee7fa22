"""Campaigns, reward tiers, pledges and cap tables as clients see them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain.crowdfunding import states
from domain.crowdfunding.services.reads import CampaignView, CapTableLine, PledgeView
from domain.crowdfunding.tables import Campaign as CampaignRow
from domain.crowdfunding.tables import Pledge as PledgeRow
from domain.crowdfunding.tables import RewardTier as TierRow
from domain.money import Money as DomainMoney
from graph.advertising.promotion import Promotable
from graph.errors import UserError
from graph.idempotency import IdempotentPayload
from graph.money import Money
from graph.relay import Node, to_global_id

CampaignKind = states.CampaignKind
FundingModel = states.FundingModel
CampaignState = states.CampaignState
PledgeState = states.PledgeState
CampaignChange = states.CampaignChange
strawberry.enum(CampaignKind, description="What backers get: nothing, a reward, shares, a note.")
strawberry.enum(FundingModel, description="Whether the goal must be reached to keep anything.")
strawberry.enum(CampaignState, description="Where a campaign is in its life.")
strawberry.enum(PledgeState, description="Where a pledge is: held, captured, or given back.")
strawberry.enum(CampaignChange, description="What changed a campaign.")


def money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


def maybe_money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else money(minor, currency)


@strawberry.type(description="A reward backers of a campaign may choose, in limited stock or not.")
class RewardTier(Node):
    id: strawberry.ID
    name: str
    minimum: Money = strawberry.field(description="The least a pledge for it may be.")
    quantity: int | None = strawberry.field(description="Units in stock; null: unlimited.")
    taken: int = strawberry.field(description="Units held by live pledges or delivered.")
    remaining: int | None = strawberry.field(description="Units left; null: unlimited.")
    estimated_delivery: date | None

    @classmethod
    def of(cls, row: TierRow, currency: str) -> RewardTier:
        return cls(
            id=to_global_id("RewardTier", row.id),
            name=row.name,
            minimum=money(row.minimum, currency),
            quantity=row.quantity,
            taken=row.taken,
            remaining=None if row.quantity is None else row.quantity - row.taken,
            estimated_delivery=row.estimated_delivery,
        )


@strawberry.type(description="An equity offering's terms, and the shares allotted at success.")
class EquityTerms:
    price_per_share: Money
    shares_offered: int
    minimum_raise: Money = strawberry.field(description="The offering succeeds at this.")
    valuation: Money = strawberry.field(description="Pre-money, as the issuer states it.")
    shares_allotted: int | None = strawberry.field(description="At success, pro rata.")


@strawberry.type(description="A debt campaign's terms: at success, a loan under a lending product.")
class DebtTerms:
    annual_rate: str = strawberry.field(description='A decimal string, e.g. "0.085".')
    term_months: int
    loan_product_id: strawberry.ID = strawberry.field(description="The LoanProduct.")
    loan_id: strawberry.ID | None = strawberry.field(
        description="The Loan it became at success (the creator's, as myLoans shows)."
    )


@strawberry.type(description="A crowdfunding campaign: its terms, progress and outcome.")
class Campaign(Node, Promotable):
    id: strawberry.ID
    creator_id: strawberry.ID
    kind: CampaignKind
    funding_model: FundingModel
    state: CampaignState
    title: str
    description: str
    category: str
    goal: Money
    success_threshold: Money = strawberry.field(
        description="What must be pledged at the deadline for ALL_OR_NOTHING to succeed "
        "(the goal, or an equity offering's minimum raise)."
    )
    pledged: Money = strawberry.field(description="Held by live pledges (tips apart).")
    backers: int = strawberry.field(description="Live pledges.")
    tiers: list[RewardTier]
    equity: EquityTerms | None
    debt: DebtTerms | None
    duration_days: int
    launched_at: datetime | None
    deadline: datetime | None = strawberry.field(description="Set when an operator approves.")
    review_reason: str | None
    terms_version: int = strawberry.field(
        description="Raised by a material change; investors of older terms must reconfirm."
    )
    reconfirm_by: datetime | None
    captured: Money = strawberry.field(description="What the outcome captured (fee included).")
    fee: Money = strawberry.field(description="The platform's fee on what was captured.")
    refunded: Money = strawberry.field(description="What the creator gave back since.")
    fee_version: str
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, view: CampaignView) -> Campaign:
        row: CampaignRow = view.campaign
        c = row.currency
        equity = None
        if row.price_per_share is not None:
            equity = EquityTerms(
                price_per_share=money(row.price_per_share, c),
                shares_offered=row.shares_offered or 0,
                minimum_raise=money(row.minimum_raise or 0, c),
                valuation=money(row.valuation or 0, c),
                shares_allotted=row.shares_allotted,
            )
        debt = None
        if row.loan_product_id is not None:
            debt = DebtTerms(
                annual_rate=str(row.annual_rate),
                term_months=row.term_months or 0,
                loan_product_id=to_global_id("LoanProduct", row.loan_product_id),
                loan_id=to_global_id("Loan", row.loan_id) if row.loan_id else None,
            )
        return cls(
            id=to_global_id("Campaign", row.id),
            creator_id=to_global_id("Participant", row.creator_id),
            kind=CampaignKind(row.kind),
            funding_model=FundingModel(row.funding_model),
            state=CampaignState(row.state),
            title=row.title,
            description=row.description,
            category=row.category,
            goal=money(row.goal, c),
            success_threshold=money(row.threshold, c),
            pledged=money(row.pledged, c),
            backers=row.backers,
            tiers=[RewardTier.of(tier, c) for tier in view.tiers],
            equity=equity,
            debt=debt,
            duration_days=row.duration_days,
            launched_at=row.launched_at,
            deadline=row.deadline,
            review_reason=row.review_reason,
            terms_version=row.terms_version,
            reconfirm_by=row.reconfirm_by,
            captured=money(row.captured, c),
            fee=money(row.fee, c),
            refunded=money(row.refunded, c),
            fee_version=row.fee_version,
            created_at=row.created_at,
            settled_at=row.settled_at,
        )


@strawberry.type(description="A backer's pledge to a campaign: held until the outcome.")
class Pledge(Node):
    id: strawberry.ID
    campaign_id: strawberry.ID
    backer_id: strawberry.ID
    tier_id: strawberry.ID | None
    state: PledgeState
    amount: Money
    tip: Money = strawberry.field(description="For the platform (donations).")
    captured: Money = strawberry.field(description="What the creator received of it (and fee).")
    fee: Money = strawberry.field(description="Its share of the platform's fee.")
    refunded: Money
    shares: int | None = strawberry.field(description="Equity: allotted at success.")
    note_id: strawberry.ID | None = strawberry.field(description="Debt: its LoanNote.")
    needs_reconfirmation: bool = strawberry.field(
        description="The campaign's terms changed since this pledge confirmed them."
    )
    fulfilled_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, view: PledgeView) -> Pledge:
        row: PledgeRow = view.pledge
        c = row.currency
        return cls(
            id=to_global_id("Pledge", row.id),
            campaign_id=to_global_id("Campaign", row.campaign_id),
            backer_id=to_global_id("Participant", row.backer_id),
            tier_id=to_global_id("RewardTier", row.tier_id) if row.tier_id else None,
            state=PledgeState(row.state),
            amount=money(row.amount, c),
            tip=money(row.tip, c),
            captured=money(row.captured, c),
            fee=money(row.fee, c),
            refunded=money(row.refunded, c),
            shares=row.shares,
            note_id=to_global_id("LoanNote", row.note_id) if row.note_id else None,
            needs_reconfirmation=row.state == PledgeState.ACTIVE.value
            and row.terms_version < view.campaign.terms_version,
            fulfilled_at=row.fulfilled_at,
            created_at=row.created_at,
        )


@strawberry.type(description="One investor's line of an equity campaign's cap table.")
class CapTableEntry:
    holder_id: strawberry.ID
    pledge_id: strawberry.ID
    shares: int
    paid: Money

    @classmethod
    def of(cls, line: CapTableLine, currency: str) -> CapTableEntry:
        return cls(
            holder_id=to_global_id("Participant", line.holder_id),
            pledge_id=to_global_id("Pledge", line.pledge_id),
            shares=line.shares,
            paid=money(line.paid, currency),
        )


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _pledge_of(root: PledgePayload) -> Pledge | None:
    return None if root.view is None else Pledge.of(root.view)


def _campaign_of(root: PledgePayload) -> Campaign | None:
    return None if root.campaign_view is None else Campaign.of(root.campaign_view)


@strawberry.type
class PledgePayload(IdempotentPayload):
    """Keeps the pledge and its campaign as read, and builds their GraphQL objects only when
    selected: `Campaign.of` builds every field and tier (~0.1 ms), and a backer's pledge
    usually asks for `pledge { state }` alone."""

    view: strawberry.Private[PledgeView | None] = None
    campaign_view: strawberry.Private[CampaignView | None] = None
    pledge: Pledge | None = strawberry.field(resolver=_pledge_of)
    campaign: Campaign | None = strawberry.field(resolver=_campaign_of)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PledgeChangePayload:
    """A change that moves no money (reconfirmation, fulfilment)."""

    pledge: Pledge | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
