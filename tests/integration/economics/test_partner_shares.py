"""Channel partners: a referral kept at sign-up, a versioned agreement, the month's share
booked once by the worker (exact across streams), refunds reversing it, and the statement."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.ledger.services.verification import verify_ledger
from domain.money import Money
from domain.participants.roles import Role
from domain.partners.services.agreements import set_partner_agreement
from domain.partners.services.booking import book_partner_shares
from domain.partners.services.referrals import issue_referral_code, record_referral
from domain.partners.services.statements import partner_statements, statement_csv
from domain.payments.services import refunds, release
from support.graphql import gql
from support.lending_life import disbursed_loan
from support.lending_world import participant
from support.payments import Shop, attempt, create_and_pay, wallet

Sessions = async_sessionmaker[AsyncSession]


async def _partner(shop: Shop) -> tuple[Actor, str]:
    partner = await participant(shop.sessions, shop.clock, {Role.CHANNEL_PARTNER})
    async with shop.sessions() as session:
        issued = await issue_referral_code(session=session, clock=shop.clock, actor=partner)
        again = await issue_referral_code(session=session, clock=shop.clock, actor=partner)
        await session.commit()
    assert issued == again
    return partner, issued.code


async def _refer(shop: Shop, who: UUID, code: str) -> None:
    async with shop.sessions() as session:
        await record_referral(session, participant_id=who, code=code.lower(), now=shop.clock.now())
        await session.commit()


async def _sale(shop: Shop, minor: int, order: str) -> UUID:
    payment = await create_and_pay(shop, minor, order=order)

    async def receive(session: AsyncSession) -> None:
        await release.confirm_receipt(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            payment_id=payment,
            idempotency_key=f"receipt-{order}",
        )

    assert await attempt(shop.sessions, receive) == "OK"
    return payment


async def _fees(shop: Shop, stream: str, month: str) -> int:
    """The stream's net revenue in `month` from the referred merchant and borrower (SQL)."""
    async with shop.sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT COALESCE(SUM(CASE WHEN t.credit_account_id = a.id THEN t.amount "
                "ELSE -t.amount END), 0) FROM ledger_transfer t JOIN ledger_account a "
                "ON a.id IN (t.debit_account_id, t.credit_account_id) "
                "WHERE a.kind = 'PLATFORM_REVENUE' AND a.label = :stream "
                "AND to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM') = :month "
                "AND t.reason <> 'PARTNER_SHARE'"
            ),
            {"stream": stream, "month": month},
        )
        return int(found.scalar_one())


async def test_the_month_is_shared_exactly_once_and_refunds_reverse_it(shop: Shop) -> None:
    clock: FixedClock = shop.clock
    # given a partner who referred the merchant and a borrower, and its agreement
    partner, code = await _partner(shop)
    partner_id = partner.require_participant()
    await _refer(shop, shop.merchant_id, code)
    borrower = await participant(shop.sessions, clock, {Role.BORROWER})
    await _refer(shop, borrower.require_participant(), code)
    async with shop.sessions() as session:
        agreement = await set_partner_agreement(
            session=session,
            clock=clock,
            actor=shop.operator,
            partner_id=partner_id,
            currency="CNY",
            streams=["mdr", "origination_fee", "mdr"],
            share_bps=1_500,
            valid_from=datetime(2026, 11, 5).date(),
            valid_to=None,
        )
        await session.commit()
    assert (agreement.version, agreement.streams) == (1, ["mdr", "origination_fee"])

    # when November has sales and a loan, and the worker runs on the 1st of December
    first = await _sale(shop, 33_333, "p-1")
    await _sale(shop, 12_345, "p-2")
    await disbursed_loan(
        shop.sessions, clock, borrower=borrower, principal=125_000, shares=(125_000,)
    )
    mdr, origination = (
        await _fees(shop, "mdr", "2026-11"),
        await _fees(shop, "origination_fee", "2026-11"),
    )
    assert mdr > 0
    assert origination > 0
    clock.set(datetime(2026, 12, 1, 0, 10, tzinfo=UTC))
    assert await book_partner_shares(shop.sessions, clock) == 1
    assert await book_partner_shares(shop.sessions, clock) == 0  # once

    # then the statement shares each stream exactly, and the wallet has the share
    async with shop.sessions() as session:
        [november] = await partner_statements(session, actor=partner, currency="CNY")
    assert [(x["stream"], x["revenue"]) for x in november.lines] == [
        ("mdr", mdr),
        ("origination_fee", origination),
    ]
    total = ((mdr + origination) * 1_500 * 2 + 10_000) // 20_000  # half-up
    assert november.share == total == sum(x["share"] for x in november.lines)
    assert all(abs(x["share"] - x["revenue"] * 0.15) < 1 for x in november.lines)
    assert (await wallet(shop.sessions, partner_id)).available.minor == total

    # when December refunds most of the first sale (its MDR reversed) and nothing else
    clock.set(datetime(2026, 12, 10, tzinfo=UTC))

    async def refund(session: AsyncSession) -> None:
        await refunds.refund_payment(
            session=session,
            clock=clock,
            actor=shop.merchant,
            payment_id=first,
            amount=Money(30_000, "CNY"),
            reason="returned",
            idempotency_key="refund-dec",
        )

    assert await attempt(shop.sessions, refund) == "OK"
    given_back = await _fees(shop, "mdr", "2026-12")
    assert given_back < 0
    clock.set(datetime(2027, 1, 1, 0, 10, tzinfo=UTC))
    assert await book_partner_shares(shop.sessions, clock) == 1

    # then December's statement takes the share of the refunded fee back from the partner
    async with shop.sessions() as session:
        december, _ = await partner_statements(session, actor=partner, currency="CNY")
        others = await partner_statements(
            session, actor=shop.operator, currency="CNY", partner_id=partner_id
        )
    async with shop.sessions() as session:
        assert (await verify_ledger(session)).consistent
    assert len(others) == 2
    back = -((-given_back * 1_500 * 2 + 10_000) // 20_000)
    assert december.share == back < 0
    assert (await wallet(shop.sessions, partner_id)).available.minor == total + back
    csv_text = statement_csv(november)
    assert csv_text.splitlines()[0] == "month,currency,stream,referred_revenue,share_bps,share"
    assert csv_text.splitlines()[-1].startswith("2026-11,CNY,TOTAL,")


async def test_a_referral_code_is_kept_at_registration_and_a_wrong_one_refused(
    shop: Shop, client: httpx.AsyncClient
) -> None:
    _, code = await _partner(shop)
    register = (
        "mutation R($input: RegisterInput!) { register(input: $input) { "
        "participant { id } errors { code field } } }"
    )
    base = {"kind": "PERSON", "displayName": "Ref", "password": "correct horse battery"}
    wrong = await gql(
        client,
        register,
        {
            "input": {
                **base,
                "email": "ref-wrong@example.com",
                "roles": ["BORROWER"],
                "referralCode": "NOPE2345",
            }
        },
    )
    assert wrong["data"]["register"]["errors"] == [
        {"code": "UNKNOWN_REFERRAL_CODE", "field": "referralCode"}
    ]
    right = await gql(
        client,
        register,
        {
            "input": {
                **base,
                "email": "ref@example.com",
                "roles": ["BORROWER"],
                "referralCode": code,
            }
        },
    )
    assert right["data"]["register"]["errors"] == []
    async with shop.sessions() as session:
        rows = await (await session.connection()).execute(
            text(
                "SELECT p.email, r.code FROM partner_referral r JOIN participant p "
                "ON p.id = r.participant_id"
            )
        )
        assert [tuple(row) for row in rows] == [("ref@example.com", code)]
