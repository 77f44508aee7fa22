"""The public disclosure: its live figures recomputed here independently with plain SQL (and
the ledger), its monthly snapshots frozen once and never changed, its hash recomputable,
and no participant anywhere in it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.disclosure.services.publish import publish_currency, publish_disclosure
from domain.disclosure.services.reads import read_disclosure
from domain.lending.services.age_installments import age_overdue_installments
from domain.participants.roles import Role
from domain.unit_of_work import transaction
from support.graphql import gql
from support.lending_life import disbursed_loan, repay, seed_guarantee_fund
from support.lending_world import fund_wallet, installments_of, participant

Sessions = async_sessionmaker[AsyncSession]


async def _rows(sessions: Sessions, sql: str, **params: object) -> list:  # type: ignore[type-arg]
    async with sessions() as session:
        return list(await (await session.connection()).execute(text(sql), params))


def _cny(minor: int) -> str:
    minor = int(minor)  # SUM of bigints comes back as a numeric
    return f"{minor // 100}.{minor % 100:02d}"


def _ratio(part: int, whole: int) -> str:
    if not whole:
        return "0.000000"
    return f"{Decimal(int(part)) / Decimal(int(whole)):.6f}"  # half-even: no ties here


async def _world(sessions: Sessions, clock: FixedClock) -> date:
    """Four loans: one repaid on time, one to a related party left overdue, one defaulted under
    the guarantee fund, one small; then the first due date plus 30 days (the default)."""
    on_time, borrower, _ = await disbursed_loan(sessions, clock, grade="A")
    insider = await participant(sessions, clock, {Role.BORROWER, Role.OPERATOR})
    await disbursed_loan(
        sessions, clock, principal=500_000, shares=(300_000, 200_000), borrower=insider
    )
    await disbursed_loan(
        sessions,
        clock,
        grade="C",
        cover_kind="GUARANTEE",
        cover_share=Decimal(1),
        cover_provider=None,
        default_days=30,
    )
    await disbursed_loan(sessions, clock, principal=200_000, shares=(200_000,), grade="C")
    await seed_guarantee_fund(sessions, clock, 250_000)
    first = (await installments_of(sessions, on_time.id))[0]
    await fund_wallet(sessions, clock, borrower.require_participant(), 200_000)
    clock.set(datetime.combine(first.due_date, time(8), tzinfo=UTC))
    due = first.principal_due + first.interest_due + first.fee_due
    assert await repay(sessions, clock, borrower, on_time, due, "on-time") == "OK"
    clock.set(datetime.combine(first.due_date + timedelta(days=30), time(12), tzinfo=UTC))
    await age_overdue_installments(sessions, clock)
    return clock.now().date()


async def test_the_live_figures_equal_an_independent_recount(
    sessions: Sessions, clock: FixedClock
) -> None:
    # given loans of every fate, and the worker's run
    today = await _world(sessions, clock)
    assert await publish_disclosure(sessions, clock) == 0  # nothing frozen: no month ended yet
    async with sessions() as session:
        published = await read_disclosure(session, currency="CNY", as_of=None, today=today)
    assert published is not None
    d = published.figures

    # then every figure equals what plain SQL over the loan tables and the ledger says
    [lent] = await _rows(
        sessions,
        "SELECT COUNT(*) AS n, SUM(principal) AS amount, COUNT(DISTINCT borrower_id) AS people "
        "FROM loan WHERE disbursed_at IS NOT NULL",
    )
    assert d["lent"] == {"amount": _cny(lent.amount), "count": lent.n}
    assert d["borrowers"]["cumulative"] == lent.people == 4
    # outstanding principal: the ACTIVE loans' receivable accounts in the ledger
    receivables = await _rows(
        sessions,
        "SELECT l.borrower_id, a.debits_posted - a.credits_posted AS owed FROM loan l "
        "JOIN ledger_account a ON a.kind = 'LOAN_RECEIVABLE' AND a.label = 'loan:' || l.id "
        "WHERE l.state = 'ACTIVE'",
    )
    owed = sorted((r.owed for r in receivables), reverse=True)
    assert d["outstanding"]["principal"] == _cny(sum(owed))
    assert d["outstanding"]["count"] == len(owed) == 3
    assert d["borrowers"]["current"] == 3
    [interest] = await _rows(
        sessions,
        "SELECT SUM(interest_due - interest_paid) AS left FROM loan_installment WHERE loan_id "
        "IN (SELECT id FROM loan WHERE state = 'ACTIVE')",
    )
    assert d["outstanding"]["interest"] == _cny(interest.left)
    assert d["concentration"] == {
        "top10Share": _ratio(sum(owed[:10]), sum(owed)),
        "largestShare": _ratio(owed[0], sum(owed)),
    }
    overdue = await _rows(
        sessions,
        "SELECT a.debits_posted - a.credits_posted AS owed FROM loan l "
        "JOIN ledger_account a ON a.kind = 'LOAN_RECEIVABLE' AND a.label = 'loan:' || l.id "
        "WHERE l.state = 'ACTIVE' AND EXISTS (SELECT 1 FROM loan_installment i WHERE "
        "i.loan_id = l.id AND i.paid_at IS NULL AND i.due_date < :today)",
        today=today,
    )
    late = sum(r.owed for r in overdue)
    assert (d["overdue"]["count"], d["overdue"]["principal"]) == (len(overdue), _cny(late))
    assert len(overdue) == 2  # the insider's and the small one: 30 days late
    assert (d["overdue"]["over90Count"], d["overdue"]["over90Principal"]) == (0, "0.00")
    assert d["overdue"]["rateByCount"] == _ratio(len(overdue), len(owed))
    assert d["overdue"]["rateByAmount"] == _ratio(late, sum(owed))
    # related parties: the borrower holding the operator role
    assert d["relatedParty"] == {
        "lentAmount": "5000.00",
        "lentCount": 1,
        "outstandingPrincipal": d["relatedParty"]["outstandingPrincipal"],
        "outstandingCount": 1,
    }
    # lenders: distinct note holders, the current ones on ACTIVE notes
    [lenders] = await _rows(
        sessions,
        "SELECT COUNT(DISTINCT holder_id) AS ever, COUNT(DISTINCT holder_id) FILTER "
        "(WHERE status = 'ACTIVE') AS now FROM loan_note WHERE funder_kind = 'INVESTOR'",
    )
    assert d["lenders"] == {"cumulative": lenders.ever, "current": lenders.now}
    assert (lenders.ever, lenders.now) == (7, 5)
    # 代偿: what the guarantee fund paid, read from the ledger's transfers
    [cover] = await _rows(
        sessions,
        "SELECT SUM(amount) AS paid, COUNT(DISTINCT details->>'loan') AS loans "
        "FROM ledger_transfer WHERE reason LIKE '%\\_COVER'",
    )
    assert d["coverPaid"] == {"amount": _cny(cover.paid), "count": cover.loans}
    assert cover.paid == 250_000
    # by grade: the defaulted loan's unrepaid principal is grade C's loss
    [lost] = await _rows(
        sessions,
        "SELECT SUM(principal_due - principal_paid) AS lost FROM loan_installment "
        "WHERE loan_id IN (SELECT id FROM loan WHERE state = 'DEFAULTED')",
    )
    grades = {g["grade"]: g for g in d["grades"]}
    assert grades["C"]["count"] == 2
    assert grades["C"]["amount"] == "12000.00"
    assert grades["C"]["averageAmount"] == "6000.00"
    assert grades["C"]["lost"] == _cny(lost.lost)
    assert grades["C"]["lossRate"] == _ratio(lost.lost, 1_200_000)
    assert grades["A"]["lossRate"] == "0.000000"
    # vintage: November's loans lost C's principal in January (two months on book)
    [november] = d["vintages"]
    assert november["month"] == "2026-11"
    assert [p["lossRate"] for p in november["points"]] == [
        "0.000000",
        "0.000000",
        _ratio(lost.lost, 2_700_000),
    ]
    assert d["feeSchedule"][0]["fees"] == [
        {"name": "origination", "timing": "UPFRONT", "percent": "0.02", "fixed": "0.00"}
    ]
    # and the hash is the document's sha256; no participant's id is in it
    assert hashlib.sha256(published.document.encode()).hexdigest() == published.content_hash
    assert published.document == json.dumps(d, sort_keys=True, separators=(",", ":"))
    for (person,) in await _rows(sessions, "SELECT id::text FROM participant"):
        assert person not in published.document


async def test_each_month_is_frozen_once_at_its_end_and_never_changes(
    sessions: Sessions, clock: FixedClock
) -> None:
    await disbursed_loan(sessions, clock)

    async def publish(at: datetime) -> date | None:
        clock.set(at)
        async with transaction(sessions) as session:
            done = await publish_currency(session, currency="CNY", now=at)
        return done.frozen_month

    assert await publish(datetime(2026, 11, 30, 23, 58, tzinfo=UTC)) is None
    assert await publish(datetime(2026, 12, 1, 0, 3, tzinfo=UTC)) == date(2026, 11, 1)
    assert await publish(datetime(2026, 12, 1, 0, 8, tzinfo=UTC)) is None  # once
    [frozen] = await _rows(sessions, "SELECT * FROM disclosure_snapshot")
    # the worker stopped for a month: no January run saw December, so no December snapshot
    assert await publish(datetime(2027, 2, 1, 0, 3, tzinfo=UTC)) is None

    async with sessions() as session:
        november = await read_disclosure(
            session, currency="CNY", as_of=date(2026, 11, 15), today=date(2027, 2, 1)
        )
        later = await read_disclosure(
            session, currency="CNY", as_of=date(2027, 1, 10), today=date(2027, 2, 1)
        )
        live = await read_disclosure(session, currency="CNY", as_of=None, today=date(2027, 2, 1))
        before = await read_disclosure(
            session, currency="CNY", as_of=date(2026, 10, 1), today=date(2027, 2, 1)
        )
    assert november is not None
    assert later is not None
    assert live is not None
    assert before is None
    assert november.month == later.month == date(2026, 11, 1)
    assert (november.document, november.content_hash) == (frozen.document, frozen.content_hash)
    assert hashlib.sha256(frozen.document.encode()).hexdigest() == frozen.content_hash
    assert november.figures["asOf"] == "2026-12-01T00:03:00+00:00"
    assert live.month is None
    assert live.figures["asOf"] == "2027-02-01T00:03:00+00:00"
    # history never changes: the database itself refuses
    for statement in (
        "UPDATE disclosure_snapshot SET content_hash = 'x'",
        "DELETE FROM disclosure_snapshot",
    ):
        async with sessions() as session:
            with pytest.raises(DBAPIError, match="never changed"):
                await (await session.connection()).execute(text(statement))


def test_ratios_round_half_up_to_six_places() -> None:
    from domain.disclosure.figures import ratio

    assert ratio(1, 3) == "0.333333"
    assert ratio(2, 3) == "0.666667"
    assert ratio(1, 2_000_000) == "0.000001"  # 0.0000005 rounds up
    assert ratio(Fraction(5), 5) == "1.000000"
    assert ratio(7, 0) == "0.000000"


async def test_anyone_reads_the_disclosure_over_graphql_and_can_check_its_hash(
    sessions: Sessions, clock: FixedClock, client: httpx.AsyncClient
) -> None:
    await disbursed_loan(sessions, clock)
    await publish_disclosure(sessions, clock)
    answer = await gql(
        client,
        """{ disclosure(currency: "CNY") {
              month lent { amount { amount currency } count }
              outstanding { principal { amount } count }
              concentration { largestShare } overdue { rateByAmount }
              grades { grade count averageRate } vintages { month points { lossRate } }
              document contentHash } }""",
    )
    found = answer["data"]["disclosure"]
    assert found["month"] is None
    assert found["lent"] == {"amount": {"amount": "10000.00", "currency": "CNY"}, "count": 1}
    assert found["concentration"] == {"largestShare": "1.000000"}
    assert found["grades"] == [{"grade": "B", "count": 1, "averageRate": "0.120000"}]
    assert hashlib.sha256(found["document"].encode()).hexdigest() == found["contentHash"]
    assert json.loads(found["document"])["outstanding"]["count"] == found["outstanding"]["count"]
