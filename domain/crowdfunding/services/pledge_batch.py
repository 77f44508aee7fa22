"""New pledges to one campaign, many in one transaction (group commit, as wallet transfers are
grouped: domain/services/group_commit.py).

Every pledge locks the campaign's row (its state and running totals) and its escrow account
(every hold goes into it): one at a time, pledges to a hot campaign would commit one by one.
A batch takes those locks once, in a fixed number of statements whatever its size: every key
claimed at once, the campaign locked, the backers' live pledges on it read, every wallet and
the escrow locked at once (in id order), the pledges decided one after another in memory in
arrival order, exactly as if each ran alone (a reward tier's unit is still taken by a guarded
UPDATE each, and an equity investor's 12-month sum still read each), then written together:
the pledges, the campaign's totals, the events, the audit rows, the holds, every key's answer.
The creator and the batch's backers hear one campaignUpdated per batch (per tier taken), with
the totals the batch left: a hot campaign's followers get its progress, not every step of it.
A refused pledge writes nothing but its refusal; the others go on. Nothing is acknowledged
before the commit. The deadline job claims the campaign's row with SKIP LOCKED: a batch
commits whole before it, or finds the campaign no longer live.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import ARRAY, Uuid, any_, bindparam, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, entry_row
from domain.clock import Clock
from domain.crowdfunding.errors import CampaignNotLive, PledgeRefused
from domain.crowdfunding.services.accounts import escrow_key, wallet_key
from domain.crowdfunding.services.holds import REASON
from domain.crowdfunding.services.pledge_checks import (
    PLEDGES,
    PledgeKept,
    PledgeRequest,
    check_amount,
    check_investor_limit,
    check_live,
    give_back_unit,
    take_unit,
)
from domain.crowdfunding.services.pledge_writes import pledge_row, write_pledges
from domain.crowdfunding.services.reads import (
    CampaignView,
    PledgeView,
    may_see,
    tiers_of,
    view_of,
)
from domain.crowdfunding.services.updates import campaign_updated_row, pledge_updated_row
from domain.crowdfunding.states import CampaignChange, CampaignKind, PledgeState
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.errors import DomainError
from domain.idempotency.service import Claim, KeyUse, answer_each, claim_of
from domain.ledger.balances import TransferKind
from domain.ledger.services.account_locks import AccountKey, lock_accounts_by_key
from domain.ledger.services.posting import Leg, LockedAccount
from domain.ledger.services.posting_batch import PostingBatch

OPERATION = "crowdfunding.pledge"
# Which of the batch's backers back the campaign already: the ids as one array parameter, so
# the statement's text (and its prepared plan) is the same whatever the batch's size.
_BACKING = select(PLEDGES.c.backer_id).where(
    PLEDGES.c.campaign_id == bindparam("campaign_id"),
    PLEDGES.c.backer_id == any_(bindparam("backers", type_=ARRAY(Uuid))),
    PLEDGES.c.state == PledgeState.ACTIVE.value,
)


@dataclass(frozen=True, slots=True)
class PledgeOrder:
    """A person's request to back `request.campaign_id`, under their idempotency key."""

    actor: Actor
    request: PledgeRequest
    idempotency_key: str

    @property
    def backer_id(self) -> UUID:
        return self.actor.require_person()

    def claim(self) -> Claim:
        r = self.request
        document = {
            "campaign": str(r.campaign_id),
            "amount": r.amount.minor,
            "currency": r.amount.currency,
            "tier": str(r.tier_id) if r.tier_id else None,
            "tip": r.tip.minor if r.tip else None,
            "income": r.annual_income.minor if r.annual_income else None,
            "worth": r.net_worth.minor if r.net_worth else None,
        }
        return claim_of(self.actor, self.idempotency_key, OPERATION, document)


def check_order(order: PledgeOrder) -> None:
    """What is wrong with the caller or the key itself, before anything is claimed."""
    _ = order.backer_id  # only a signed-in person backs a campaign
    order.claim()  # a malformed key is refused here


@dataclass(frozen=True, slots=True)
class PledgeResult:
    """A pledge's answer (first or replayed) or its refusal, and how its key was answered;
    on a first attempt, the pledge and its campaign as the batch left them (no read after)."""

    answer: PledgeKept | None = None
    refusal: DomainError | None = None
    key_use: KeyUse | None = None
    view: PledgeView | None = None
    campaign: CampaignView | None = None

    def unwrap(self) -> PledgeKept:
        if self.refusal is not None:
            raise self.refusal
        assert self.answer is not None
        return self.answer


@dataclass
class _Batch:
    """The locked campaign and accounts, and what the decided pledges will write."""

    now: datetime
    campaign: Campaign | None
    backing: set[UUID]  # backers with a live pledge on the campaign, as decided so far
    accounts: dict[AccountKey, LockedAccount]
    postings: PostingBatch
    rows: dict[UUID, Pledge] = field(default_factory=dict)  # the new pledges, by id
    pledges: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # Who hears campaignUpdated, by tier taken (None: none): one event per tier, not per pledge.
    heard: dict[UUID | None, tuple[RewardTier | None, list[UUID]]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)


async def _open(
    session: AsyncSession, campaign_id: UUID, backers: set[UUID], now: datetime
) -> _Batch:
    """The campaign locked, and, while it takes pledges, its backers' wallets and escrow."""
    campaign = await session.get(
        Campaign, campaign_id, with_for_update=True, populate_existing=True
    )
    batch = _Batch(now, campaign, set(), {}, PostingBatch(now))
    if campaign is None:
        return batch  # every pledge is refused: nothing more to lock
    try:
        check_live(campaign, now)
    except CampaignNotLive:
        return batch
    conn = await session.connection()
    backing = await conn.execute(_BACKING, {"campaign_id": campaign_id, "backers": list(backers)})
    batch.backing = set(backing.scalars())
    keys = {wallet_key(b, campaign.currency) for b in backers - {campaign.creator_id}}
    batch.accounts = await lock_accounts_by_key(
        session, keys | {escrow_key(campaign.id, campaign.currency)}, now=now
    )
    return batch


async def _decide(session: AsyncSession, batch: _Batch, order: PledgeOrder) -> PledgeKept:
    """One pledge applied to the locked campaign and accounts, or refused changing nothing."""
    campaign, request, backer_id, now = batch.campaign, order.request, order.backer_id, batch.now
    if campaign is None or not may_see(order.actor, campaign):
        raise NotFound("no such campaign", field="campaign_id")
    check_live(campaign, now)
    if campaign.creator_id == backer_id:
        raise PledgeRefused("you cannot back your own campaign", field="campaign_id")
    tip = check_amount(campaign, request)  # a debt campaign's goal: its running total
    if backer_id in batch.backing:
        raise PledgeRefused(
            "you back this campaign already: change that pledge", field="campaign_id"
        )
    income = worth = None
    if campaign.kind == CampaignKind.EQUITY.value:
        income, worth = await check_investor_limit(session, request, backer_id, now)
    tier = None
    if request.tier_id is not None:
        tier = await take_unit(session, campaign, request.tier_id, request.amount.minor)
    wallet = batch.accounts[wallet_key(backer_id, campaign.currency)]
    escrow = batch.accounts[escrow_key(campaign.id, campaign.currency)]
    leg = Leg(
        wallet.id, escrow.id, request.amount.minor + tip, REASON, {"campaign": str(campaign.id)}
    )
    try:
        hold_id = batch.postings.add(leg, wallet, escrow, TransferKind.PENDING)
    except DomainError:  # insufficient funds, a frozen wallet: the unit goes back
        await give_back_unit(session, request.tier_id)
        raise
    # Not an ORM instance (no session will hold it: the batch writes it as a document): one
    # built without SQLAlchemy's instrumentation costs an eighth of one, for every pledge.
    row = Pledge.model_construct(
        id=uuid4(),
        campaign_id=campaign.id,
        backer_id=backer_id,
        tier_id=request.tier_id,
        kind=campaign.kind,
        currency=campaign.currency,
        amount=request.amount.minor,
        tip=tip,
        hold_id=hold_id,
        state=PledgeState.ACTIVE.value,
        terms_version=campaign.terms_version,
        declared_income=income,
        declared_net_worth=worth,
        created_at=now,
        updated_at=now,
    )
    campaign.pledged += row.amount
    campaign.tips += tip
    campaign.backers += 1
    campaign.updated_at = now
    batch.backing.add(backer_id)
    batch.rows[row.id] = row
    batch.pledges.append(pledge_row(row))
    batch.events.append(pledge_updated_row(row, creator_id=campaign.creator_id, now=now))
    _, backers = batch.heard.get(request.tier_id, (tier, []))
    batch.heard[request.tier_id] = (tier, [*backers, backer_id])
    batch.audit.append(
        entry_row(
            actor=order.actor,
            action=OPERATION,
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Pledge",
            target_id=row.id,
            details={"amount": row.amount, "tip": tip},
        )
    )
    return PledgeKept(pledge_id=row.id, campaign_id=campaign.id)


async def _write(session: AsyncSession, batch: _Batch) -> None:
    """Two statements whatever the batch's size: the pledges, the campaign's totals and the
    audit rows; then the holds with every event."""
    campaign = batch.campaign
    if not batch.pledges or campaign is None:
        return
    await write_pledges(session, campaign=campaign, pledges=batch.pledges, audit=batch.audit)
    updated = [
        campaign_updated_row(
            campaign, CampaignChange.PLEDGED, now=batch.now, audience=backers, tier=tier
        )
        for tier, backers in batch.heard.values()
    ]
    await batch.postings.write(session, events=[*batch.events, *updated])


async def pledge_batch(
    session: AsyncSession, *, clock: Clock, orders: list[PledgeOrder]
) -> list[PledgeResult]:
    """Run `orders` (checked, one campaign, distinct keys) in the session's transaction; the
    caller commits. One result per order, in order."""
    if len({order.request.campaign_id for order in orders}) > 1:
        raise ValueError("a batch backs one campaign")
    if not orders:
        return []
    now = clock.now()

    async def prepare(fresh: list[int]) -> _Batch:
        backers = {orders[i].backer_id for i in fresh}
        return await _open(session, orders[0].request.campaign_id, backers, now)

    async def decide(batch: _Batch, i: int) -> PledgeKept:
        return await _decide(session, batch, orders[i])

    keyed, prepared = await answer_each(
        await session.connection(),
        [order.claim() for order in orders],
        now,
        answer=PledgeKept,
        prepare=prepare,
        decide=decide,
    )
    results = [PledgeResult(r.answer, r.refusal, r.key_use) for r in keyed]
    batch = prepared.value
    if batch is None:
        return results
    await _write(session, batch)
    return await _with_views(session, batch, results)


async def _with_views(
    session: AsyncSession, batch: _Batch, results: list[PledgeResult]
) -> list[PledgeResult]:
    """Each first answer with its pledge and campaign, read once for the whole batch."""
    campaign = batch.campaign
    if campaign is None or not batch.rows:
        return results
    tiers: dict[UUID, list[RewardTier]] = {}
    if campaign.kind == CampaignKind.REWARD.value:  # only a reward campaign has tiers
        tiers = await tiers_of(session, [campaign.id])
    seen = view_of(campaign, tiers.get(campaign.id, []))
    return [
        replace(r, view=PledgeView(batch.rows[r.answer.pledge_id], campaign), campaign=seen)
        if r.answer is not None and r.answer.pledge_id in batch.rows
        else r
        for r in results
    ]
