"""Properties over the real ledger: pledges and cancellations in any order never oversell a
tier, never capture before the outcome, and leave every wallet where the outcome says."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.clock import FixedClock
from domain.crowdfunding.services import pledge_changes
from domain.crowdfunding.services.campaigns import NewTier
from domain.crowdfunding.states import FundingModel
from domain.crowdfunding.tables import RewardTier
from domain.errors import DomainError
from support.crowdfunding import (
    Sessions,
    backer,
    balance,
    cny,
    creator,
    ledger_consistent,
    live_campaign,
    past_deadline,
    pledge,
    revenue,
    reward_campaign,
)
from support.examples import examples
from support.ledger import NOW

FUNDS = 50_000
KEYS = itertools.count()
BACKERS = 4
# (backer, amount in whole yuan or 0 to cancel, with the tier or not)
STEPS = st.lists(
    st.tuples(st.integers(0, BACKERS - 1), st.integers(0, 200), st.booleans()),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=examples(8),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS, keep_it_all=st.booleans())
async def test_any_order_of_pledges_and_cancellations_settles_exactly(
    sessions: Sessions, steps: list[tuple[int, int, bool]], keep_it_all: bool
) -> None:
    clock = FixedClock(NOW)
    fee_before = await revenue(sessions, "crowdfunding_fee")
    owner = await creator(sessions, clock)
    model = FundingModel.KEEP_IT_ALL if keep_it_all else FundingModel.ALL_OR_NOTHING
    new = reward_campaign(goal=30_000, model=model, tiers=(NewTier("two", cny(5_000), quantity=2),))
    live = await live_campaign(sessions, clock, owner, new)
    backers = [await backer(sessions, clock, FUNDS) for _ in range(BACKERS)]
    holding: dict[int, tuple[object, int]] = {}  # backer -> (pledge id, amount)

    for who, yuan, with_tier in steps:
        if yuan == 0:
            if who in holding:
                async with sessions() as session:
                    await pledge_changes.cancel_pledge(
                        session=session,
                        clock=clock,
                        actor=backers[who],
                        pledge_id=holding.pop(who)[0],  # type: ignore[arg-type]
                        idempotency_key=f"cancel-{next(KEYS)}",
                    )
                    await session.commit()
            continue
        tier = live.tiers[0].id if with_tier else None
        try:
            made = await pledge(
                sessions, clock, backers[who], live.campaign.id, yuan * 100, tier_id=tier
            )
        except DomainError:
            continue
        holding[who] = (made.pledge.id, yuan * 100)
        assert made.campaign.pledged == sum(amount for _, amount in holding.values())

    async with sessions() as session:
        tier = await session.get(RewardTier, live.tiers[0].id)
        assert tier is not None
        assert tier.quantity is not None
        assert 0 <= tier.taken <= tier.quantity

    # Before the outcome nothing is captured: every cent is the backers' still.
    for number, who in enumerate(backers):
        held = holding.get(number, (None, 0))[1]
        assert await balance(sessions, who) == (FUNDS - held, held)
    assert await balance(sessions, owner) == (0, 0)

    clock.advance(timedelta(seconds=1))
    await past_deadline(sessions, clock, live)

    total = sum(amount for _, amount in holding.values())
    success = total > 0 if keep_it_all else total >= 30_000
    fee = round(total * 5 / 100 + 1e-9) if success else 0
    for number, who in enumerate(backers):
        paid = holding.get(number, (None, 0))[1] if success else 0
        assert await balance(sessions, who) == (FUNDS - paid, 0)
    assert await balance(sessions, owner) == ((total - fee, 0) if success else (0, 0))
    assert await revenue(sessions, "crowdfunding_fee") - fee_before == fee
    assert await ledger_consistent(sessions)
