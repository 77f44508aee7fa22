"""The worker's `partner-shares` job: each ended month's share booked to each partner.

A fee is attributed to the participant who paid it, by what its ledger transfer names: a
loan's fees and spread to its borrower, a payment's MDR and BNPL discount to its merchant, a
BNPL plan's interest to its shopper, a campaign's fee to its creator. The month's revenue
from a partner's referred participants is, per stream its agreement names, what those fees
credited the stream less what was debited back (refunds and reversals in the month reverse
the share: a month whose refunds outweigh its fees books a negative share, back from the
partner). The share is split across streams exactly (shares.py) and posted from each
stream's revenue account to the partner's wallet in one journal, with its statement row;
the statement's primary key makes a second booking of the month impossible.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import AccountKey, KeyedLeg, post_by_key
from domain.partners.shares import month_start, next_month, partner_shares
from domain.partners.tables import PartnerAgreement, PartnerStatement
from domain.unit_of_work import transaction
from domain.wallets.services.accounts import wallet_key

STATEMENTS = PartnerStatement.__table__  # type: ignore[attr-defined]
AGREEMENTS = PartnerAgreement.__table__  # type: ignore[attr-defined]
REASON = "PARTNER_SHARE"
CATCH_UP_MONTHS = 24

_REFERRED_REVENUE = text(
    """
    WITH fees AS (
        SELECT a.label AS stream,
               CASE WHEN t.credit_account_id = a.id THEN t.amount ELSE -t.amount END AS amount,
               COALESCE(l.borrower_id, p.merchant_id, b.shopper_id, c.creator_id) AS payer
        FROM ledger_transfer t
        JOIN ledger_account a
          ON a.id IN (t.debit_account_id, t.credit_account_id) AND a.kind = 'PLATFORM_REVENUE'
        LEFT JOIN loan l ON l.id = CAST(t.details->>'loan' AS uuid)
        LEFT JOIN payment_intent p ON p.id = CAST(t.details->>'payment' AS uuid)
        LEFT JOIN bnpl_plan b ON b.id = CAST(t.details->>'plan' AS uuid)
        LEFT JOIN crowdfunding_campaign c ON c.id = CAST(t.details->>'campaign' AS uuid)
        WHERE t.created_at >= :start AND t.created_at < :end
          AND t.kind IN ('POSTED', 'POST_PENDING') AND t.reason <> 'PARTNER_SHARE'
          AND a.currency = :currency AND a.label = ANY(:streams)
    )
    SELECT f.stream, SUM(f.amount) AS net
    FROM fees f JOIN partner_referral r ON r.participant_id = f.payer
    WHERE r.partner_id = :partner
    GROUP BY f.stream
    """
)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


async def governing_agreement(
    session: AsyncSession, *, partner_id: UUID, currency: str, month: date
) -> PartnerAgreement | None:
    """The highest version of the partner's agreements covering `month`."""
    found = await session.exec(
        select(PartnerAgreement)
        .where(
            col(PartnerAgreement.partner_id) == partner_id,
            col(PartnerAgreement.currency) == currency,
            col(PartnerAgreement.valid_from) <= month,
        )
        .order_by(col(PartnerAgreement.version).desc())
    )
    for agreement in found:
        if agreement.valid_to is None or agreement.valid_to >= month:
            return agreement
    return None


async def book_month(
    session: AsyncSession, *, partner_id: UUID, currency: str, month: date, now: datetime
) -> PartnerStatement | None:
    """Book `month`'s share to the partner (None if no agreement covers it, or it is booked)."""
    agreement = await governing_agreement(
        session, partner_id=partner_id, currency=currency, month=month
    )
    if agreement is None:
        return None
    conn = await session.connection()
    found = await conn.execute(
        _REFERRED_REVENUE,
        {
            "start": _utc(month),
            "end": _utc(next_month(month)),
            "currency": currency,
            "streams": agreement.streams,
            "partner": partner_id,
        },
    )
    nets = dict((row.stream, int(row.net)) for row in found)
    shares = partner_shares([(s, nets.get(s, 0)) for s in agreement.streams], agreement.share_bps)
    total = sum(s.share for s in shares)
    journal = uuid4() if any(s.share for s in shares) else None
    claimed = await conn.execute(
        insert(STATEMENTS)
        .values(
            partner_id=partner_id,
            currency=currency,
            month=month,
            agreement_id=agreement.id,
            agreement_version=agreement.version,
            share_bps=agreement.share_bps,
            lines=[{"stream": s.stream, "revenue": s.revenue, "share": s.share} for s in shares],
            revenue=sum(s.revenue for s in shares),
            share=total,
            journal_id=journal,
            booked_at=now,
        )
        .on_conflict_do_nothing()
        .returning(STATEMENTS.c.month)
    )
    if claimed.first() is None:
        return None  # another worker booked it
    wallet = wallet_key(partner_id, currency)
    details = {"partner": str(partner_id), "month": month.isoformat()[:7]}
    paid = [
        KeyedLeg(
            AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=s.stream),
            wallet,
            s.share,
            REASON,
            details,
        )
        for s in shares
        if s.share > 0
    ]
    reversed_ = [
        KeyedLeg(
            wallet,
            AccountKey(AccountKind.PLATFORM_REVENUE, currency, label=s.stream),
            -s.share,
            REASON,
            details,
        )
        for s in shares
        if s.share < 0
    ]
    if journal is not None:  # what the partner is paid first, what it gives back after
        await post_by_key(session, legs=paid + reversed_, now=now, journal_id=journal)
    return await session.get(PartnerStatement, (partner_id, currency, month))


_DUE = text(
    """
    SELECT DISTINCT a.partner_id, a.currency, m::date AS month
    FROM partner_agreement a,
         generate_series(GREATEST(a.valid_from, CAST(:oldest AS date)),
                         COALESCE(LEAST(a.valid_to, CAST(:last AS date)), CAST(:last AS date)),
                         interval '1 month') AS m
    WHERE NOT EXISTS (SELECT 1 FROM partner_statement s WHERE s.partner_id = a.partner_id
                      AND s.currency = a.currency AND s.month = m::date)
    ORDER BY 1, 2, 3
    """
)


async def book_partner_shares(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Every ended month not yet booked (up to two years back), one transaction each; how
    many statements were booked."""
    this_month = month_start(clock.now().date())
    last = month_start(this_month - timedelta(days=1))
    oldest = date(last.year - CATCH_UP_MONTHS // 12, last.month, 1)
    async with sessions() as session:
        due = list(
            await (await session.connection()).execute(_DUE, {"oldest": oldest, "last": last})
        )
    booked = 0
    for row in due:
        async with transaction(sessions) as session:
            statement = await book_month(
                session,
                partner_id=row.partner_id,
                currency=row.currency,
                month=row.month,
                now=clock.now(),
            )
        booked += statement is not None
    return booked
