"""Matching through a process's index picks exactly the sources matching over every open
one read from the tables picks, whatever the offers and rules, what other processes changed
since the index was built, and whose offers they are (never the borrower's); and the index
counts the sources that cannot take the loan at all, by reason, as the tables' scan
(`screened_sources`) does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.lending.services.match_sources import (
    auto_invest_sources,
    bank_offer_sources,
    loan_to_fund,
    screened_sources,
)
from domain.lending.services.open_sources import SourceCache, indexed_sources
from domain.lending.tables import AutoInvestRuleRow, BankFundingOffer, Loan, LoanProductRow
from domain.matching.engine import match_loan
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.examples import examples
from support.ledger import NOW
from support.lending_world import fund_wallet, participant, product_row
from support.stores import StoreUrls

GRADES = "AB"
KINDS = [(True, True), (True, False), (False, True)]  # offers, rules: a product's channels


@dataclass(frozen=True)
class World:
    database_url: str
    funders: list[UUID]  # the last one is the borrower (a bank and an investor too)
    product: LoanProductRow


@pytest.fixture
async def world(clean_stores: StoreUrls) -> World:
    engine = create_async_engine(clean_stores.database_url)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    clock = FixedClock(NOW)
    roles = {Role.PARTNER_BANK, Role.INVESTOR, Role.BORROWER}
    funders = []
    for n in range(4):
        actor = await participant(sessions, clock, roles, kind=ParticipantKind.BUSINESS)
        assert actor.participant_id is not None
        funders.append(actor.participant_id)
        if n:  # the first has no money
            await fund_wallet(sessions, clock, actor.participant_id, 300_000 * n)
    product = product_row(NOW)
    try:
        async with sessions() as session:
            session.add(product)
            await session.commit()
    finally:
        await engine.dispose()
    return World(clean_stores.database_url, funders, product)


currency = st.sampled_from(["CNY", "CNY", "CNY", "USD"])
rate = st.sampled_from([Decimal(r) for r in ("0.03", "0.05", "0.06", "0.08", "0.12")])
grades = st.sets(st.sampled_from(GRADES), min_size=1).map(sorted)
terms = st.tuples(st.sampled_from([3, 6, 12]), st.sampled_from([0, 6, 24, 24]))
when = st.integers(0, 3).map(lambda n: NOW - timedelta(hours=n))  # ties: the id decides
offer = st.fixed_dictionaries(
    {
        "funder": st.integers(0, 3),
        "currency": currency,
        "rate_floor": st.one_of(st.none(), rate),
        "spread": st.sampled_from([Decimal("-0.02"), Decimal("0"), Decimal("0.01")]),
        "grades": grades,
        "terms": terms,
        "min_amount": st.sampled_from([1, 100_000, 400_000]),
        "max_amount": st.sampled_from([200_000, 500_000, 5_000_000]),
        "capacity": st.sampled_from([100_000, 600_000, 5_000_000]),
        "used": st.sampled_from([0, 0, 0, 50, 100]),  # percent of capacity committed
        "expires": st.sampled_from([None, None, None, -1, 1]),
        "open": st.sampled_from([True, True, True, False]),
        "cap": st.sampled_from([None, None, 150_000]),
        "created_at": when,
    }
)
rule = st.fixed_dictionaries(
    {
        "funder": st.integers(0, 3),
        "currency": currency,
        "grades": grades,
        "terms": terms,
        "min_rate": rate,
        "max_per_loan": st.sampled_from([50_000, 200_000, 1_000_000]),
        "daily_budget": st.sampled_from([0, 100_000, 1_000_000]),
        "active": st.sampled_from([True, True, False]),
        "created_at": when,
    }
)
# What another process does after the index was built: to an offer (by position, modulo):
# withdraw, use up, reprice, lower capacity; to a rule: pause, delete, resume.
change = st.tuples(
    st.sampled_from(["withdraw", "use", "reprice", "pause", "delete", "resume"]), st.integers(0, 20)
)
loan = st.fixed_dictionaries(
    {
        "grade": st.sampled_from(GRADES),
        "term": st.sampled_from([3, 6, 12, 24]),
        "rate": st.sampled_from([Decimal(r) for r in ("0.04", "0.10", "0.15", "0.15")]),
        "principal": st.sampled_from([100_000, 500_000, 2_000_000]),
    }
)


def _offer_row(world: World, o: dict[str, Any]) -> BankFundingOffer:
    low, extra = o["terms"]
    expires = None if o["expires"] is None else NOW + timedelta(days=o["expires"])
    return BankFundingOffer(
        bank_id=world.funders[o["funder"]],
        currency=o["currency"],
        capacity=o["capacity"],
        committed=o["capacity"] * o["used"] // 100,
        rate_floor=o["rate_floor"],
        spread=None if o["rate_floor"] is not None else o["spread"],
        grades=o["grades"],
        min_term_months=low,
        max_term_months=low + extra,
        min_amount=o["min_amount"],
        max_amount=max(o["min_amount"], o["max_amount"]),
        per_borrower_cap=o["cap"],
        expires_at=expires,
        status="OPEN" if o["open"] else "WITHDRAWN",
        created_at=o["created_at"],
        updated_at=NOW,
    )


def _rule_row(world: World, r: dict[str, Any]) -> AutoInvestRuleRow:
    low, extra = r["terms"]
    return AutoInvestRuleRow(
        investor_id=world.funders[r["funder"]],
        currency=r["currency"],
        grades=r["grades"],
        min_term_months=low,
        max_term_months=low + extra,
        min_rate=r["min_rate"],
        max_per_loan=r["max_per_loan"],
        daily_budget=r["daily_budget"],
        active=r["active"],
        created_at=r["created_at"],
        updated_at=NOW,
    )


async def _apply(
    session: AsyncSession, what: str, n: int, offers: list[UUID], rules: list[UUID]
) -> None:
    offer_table, rule_table = BankFundingOffer, AutoInvestRuleRow
    if what in ("withdraw", "use", "reprice") and offers:
        values: dict[str, Any] = {
            "withdraw": {"status": "WITHDRAWN"},
            "use": {"committed": offer_table.capacity},
            "reprice": {"rate_floor": Decimal("0.02"), "spread": None},
        }[what]
        await session.exec(  # type: ignore[call-overload]
            update(offer_table)
            .where(col(offer_table.id) == offers[n % len(offers)])
            .values(**values)
        )
    elif rules and what == "delete":
        await session.exec(delete(rule_table).where(col(rule_table.id) == rules[n % len(rules)]))  # type: ignore[call-overload]
    elif rules:
        await session.exec(  # type: ignore[call-overload]
            update(rule_table)
            .where(col(rule_table.id) == rules[n % len(rules)])
            .values(active=what == "resume")
        )


async def _compare(
    world: World,
    offers: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    changes: list[tuple[str, int]],
    asked: dict[str, Any],
) -> None:
    engine = create_async_engine(world.database_url, pool_size=2)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    cache = SourceCache()  # a process of its own, built before the changes
    offer_rows = [_offer_row(world, o) for o in offers]
    rule_rows = [_rule_row(world, r) for r in rules]
    try:
        async with sessions() as session:
            session.add_all([*offer_rows, *rule_rows])
            await session.commit()
        async with sessions() as session:
            await cache.refresh(session, NOW)
            await session.commit()
        async with sessions() as session:
            for what, n in changes:
                await _apply(
                    session, what, n, [o.id for o in offer_rows], [r.id for r in rule_rows]
                )
            await session.commit()
        listing = Loan(
            id=uuid4(),
            application_id=uuid4(),
            borrower_id=world.funders[3],
            product_id=world.product.id,
            currency="CNY",
            principal=asked["principal"],
            term_months=asked["term"],
            repayment_method="EQUAL_INSTALLMENT",
            rounding="HALF_UP",
            grade=asked["grade"],
            borrower_rate=asked["rate"],
            funder_rate=asked["rate"] - world.product.platform_spread,
            state="LISTED",
            listed_at=NOW,
            funding_deadline=NOW + timedelta(days=7),
        )
        async with sessions() as session:
            target = await loan_to_fund(session, loan=listing, product=world.product)
            every = match_loan(
                target,
                await bank_offer_sources(session, loan=listing, now=NOW),
                await auto_invest_sources(session, loan=listing, now=NOW),
                now=NOW,
                reference_rate=listing.borrower_rate,
            )
            found = await indexed_sources(
                session, loan=listing, target=target, now=NOW, offers=True, rules=True, cache=cache
            )
            counted = [cache.screened(listing, target, NOW, o, r) for o, r in KINDS]
            scanned = [
                await screened_sources(session, loan=listing, now=NOW, offers=o, rules=r)
                for o, r in KINDS
            ]
            await session.rollback()
        assert found is not None  # the index, not the tables' fallback, chose
        indexed = match_loan(target, *found, now=NOW, reference_rate=listing.borrower_rate)
        assert indexed.fills == every.fills
        assert indexed.unfilled == every.unfilled
        borrower = str(world.funders[3])
        assert all(fill.funder_id != borrower for fill in indexed.fills)
        assert counted == scanned  # expired, closed, full, another currency, spent budgets
    finally:
        async with sessions() as session:
            await session.exec(delete(BankFundingOffer))  # type: ignore[call-overload]
            await session.exec(delete(AutoInvestRuleRow))  # type: ignore[call-overload]
            await session.commit()
        await engine.dispose()


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    offers=st.lists(offer, min_size=1, max_size=12),
    rules=st.lists(rule, max_size=6),
    changes=st.lists(change, max_size=4),
    asked=loan,
)
def test_matching_through_the_index_picks_what_matching_over_every_source_picks(
    world: World,
    offers: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    changes: list[tuple[str, int]],
    asked: dict[str, Any],
) -> None:
    asyncio.run(_compare(world, offers, rules, changes, asked))
