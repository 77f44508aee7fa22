"""BNPL credit from the risk engine: the decision is kept with its versions and reasons
whatever it says, refusals and referrals are NOT_ELIGIBLE, the line's limit and the grade
banks' offers see are the engine's, and a decision older than 30 days is made again."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from domain.actors import Actor, ActorKind
from domain.consumer_credit.eligibility import BNPL_LIMIT_RULE
from domain.consumer_credit.services import credit_decisions
from domain.consumer_credit.tables import BnplCreditDecisionRow, CreditLineRow
from domain.participants.roles import Role
from domain.risk.default_scorecard import DEFAULT_SCORECARD
from domain.risk.fraud import FraudRules
from support.bnpl import another_shopper, buy, create_bnpl_intent, verify
from support.payments import Shop


async def _decisions(shop: Shop) -> list[BnplCreditDecisionRow]:
    async with shop.sessions() as session:
        query = select(BnplCreditDecisionRow).order_by(col(BnplCreditDecisionRow.decided_at))
        return list((await session.exec(query)).all())


async def _line(shop: Shop) -> CreditLineRow:
    async with shop.sessions() as session:
        query = select(CreditLineRow).where(col(CreditLineRow.shopper_id) == shop.shopper_id)
        return (await session.exec(query)).one()


async def test_without_income_the_engine_declines_and_checkout_says_why(shop: Shop) -> None:
    # given a verified shopper who never declared an income
    await verify(shop, income=0)
    payment = await create_bnpl_intent(shop, 30_000, "d-1")

    # when they pay in installments, then the engine's refusal comes back, and is kept
    assert await buy(shop, payment) == "NOT_ELIGIBLE"
    [decision] = await _decisions(shop)
    assert (decision.status, decision.credit_limit) == ("DECLINED", 0)
    assert decision.scorecard_version == DEFAULT_SCORECARD.version
    assert decision.limit_rule_version == BNPL_LIMIT_RULE.version
    assert decision.fraud_rules_version == FraudRules().version
    codes = [r["code"] for r in decision.reason_codes]
    assert codes[0] == "DEBT_TO_INCOME"  # no income: the worst burden there is
    assert codes[-1] == "NO_INCOME"  # a passing grade, but nothing to size a limit by
    assert {p["feature"] for p in decision.points} == {f.name for f in DEFAULT_SCORECARD.features}
    line = await _line(shop)
    assert (line.credit_limit, line.decision_id) == (0, decision.id)


async def test_a_referral_by_the_fraud_rules_is_not_eligible(shop: Shop) -> None:
    # an income above what is plausible without proof: a person must look first
    decision = await verify(shop, income=60_000_000)
    assert (decision.status, decision.fraud_action) == ("REVIEW", "REVIEW")
    assert [r["code"] for r in decision.fraud_reasons] == ["INCOME_IMPLAUSIBLE"]
    assert decision.credit_limit == 0
    payment = await create_bnpl_intent(shop, 30_000, "d-2")
    assert await buy(shop, payment) == "NOT_ELIGIBLE"
    assert len(await _decisions(shop)) == 1  # still current: not decided again


async def test_the_limit_follows_grade_and_income_and_the_debt_weighs_on_the_next(
    shop: Shop,
) -> None:
    # given a shopper the engine grades B on 4,000.00 a month: 2 months of income
    first = await verify(shop)
    assert (first.grade, first.credit_limit) == ("B", 800_000)
    assert (await _line(shop)).credit_limit == 800_000
    payment = await create_bnpl_intent(shop, 500_000, "d-3")
    assert await buy(shop, payment, 12) == "OK"

    # when they ask again with the plan outstanding, the engine counts it as debt on Agora
    async with shop.sessions() as session:
        again = await credit_decisions.decide_bnpl_credit(
            session=session, clock=shop.clock, actor=shop.shopper, currency="CNY"
        )
        await session.commit()
    debt = {p["feature"]: p["value"] for p in again.points}
    assert debt["platform_debt"] == "500000"
    assert again.declared_monthly_income == 400_000  # the last one declared
    assert again.score < first.score
    line = await _line(shop)
    assert (line.decision_id, line.credit_limit, line.used) == (
        again.id,
        again.credit_limit,
        500_000,
    )


async def test_a_stale_decision_is_made_again_at_checkout(shop: Shop) -> None:
    first = await verify(shop)
    shop.clock.advance(timedelta(days=31))
    payment = await create_bnpl_intent(shop, 30_000, "d-4")

    assert await buy(shop, payment) == "OK"

    decisions = await _decisions(shop)
    assert [d.id for d in decisions[:1]] == [first.id]
    assert len(decisions) == 2
    assert decisions[1].declared_monthly_income == first.declared_monthly_income
    assert (await _line(shop)).decision_id == decisions[1].id


async def test_shoppers_see_their_own_decisions_and_operators_everyone_s(shop: Shop) -> None:
    await verify(shop)
    other = await another_shopper(shop, "Other")
    async with shop.sessions() as session:
        mine = await credit_decisions.my_credit_decisions(session, actor=shop.shopper, limit=10)
        theirs = await credit_decisions.my_credit_decisions(session, actor=other, limit=10)
        seen = await credit_decisions.my_credit_decisions(session, actor=shop.operator, limit=10)
        one = await credit_decisions.my_credit_decisions(
            session, actor=shop.operator, limit=10, shopper_id=other.participant_id
        )
    assert [d.shopper_id for d in mine] == [shop.shopper_id]
    assert [d.shopper_id for d in theirs] == [other.participant_id]
    assert {d.shopper_id for d in seen} == {shop.shopper_id, other.participant_id}
    assert [d.shopper_id for d in one] == [other.participant_id]


async def test_an_unverified_shopper_gets_no_decision(shop: Shop) -> None:
    stranger = Actor(
        ActorKind.PERSON, participant_id=shop.shopper_id, roles=frozenset({Role.INVESTOR})
    )
    payment = await create_bnpl_intent(shop, 30_000, "d-5")
    assert await buy(shop, payment, shopper=stranger) == "KYC_REQUIRED"
    assert await _decisions(shop) == []
