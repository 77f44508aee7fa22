"""A debt campaign's success: a loan to the creator whose notes are the backers' pledges.

Lending does the rest, as for any loan (no second implementation): the campaign's loan is
written as an accepted application's loan under the campaign's lending product; each
pledge's hold is released and committed again to the loan as its backer's note
(commitments.commit_all, in one posting), which funds the loan in full, so lending captures
the notes and disburses to the creator (less the product's upfront fees). Its schedule,
repayments, allocation and distribution to the note holders are lending's. The platform's
crowdfunding fee is then taken from the disbursed money.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.crowdfunding.fees import fee_shares, platform_fee, schedule_of
from domain.crowdfunding.services.accounts import FEE_STREAM, revenue_key, wallet_key
from domain.crowdfunding.services.settled import LivePledge, Settled
from domain.crowdfunding.states import CampaignKind, PledgeState
from domain.crowdfunding.tables import Campaign
from domain.ledger.services.account_locks import lock_accounts_by_key
from domain.ledger.services.holds import void_holds
from domain.ledger.services.posting import Leg, post_transfers
from domain.lending.services.commitments import Commitment, commit_all
from domain.lending.services.list_loan import loan_for
from domain.lending.states import ApplicationStatus
from domain.lending.tables import LoanApplication, LoanProductRow
from domain.wallets.services.accounts import wallet_account

GRADE = "UNRATED"  # priced by its campaign, not by the scorecard
MODEL = "crowdfunding"


async def lend_to_creator(
    session: AsyncSession, campaign: Campaign, pledges: Sequence[LivePledge], now: datetime
) -> list[Settled]:
    """The loan of the campaign's pledged total, funded by its pledges; how each ends."""
    assert campaign.loan_product_id is not None
    assert campaign.annual_rate is not None
    assert campaign.term_months is not None
    product = await session.get(LoanProductRow, campaign.loan_product_id)
    assert product is not None  # a foreign key
    total = sum(p.amount for p in pledges)
    application = LoanApplication(
        borrower_id=campaign.creator_id,
        product_id=product.id,
        amount=total,
        currency=campaign.currency,
        term_months=campaign.term_months,
        repayment_method=product.repayment_method,
        purpose=f"crowdfunding campaign {campaign.id}",
        declared_monthly_income=0,
        status=ApplicationStatus.ACCEPTED.value,
        grade=GRADE,
        annual_rate=campaign.annual_rate,
        credit_limit=total,
        scorecard_version=MODEL,
        fraud_action="ALLOW",
        fraud_rules_version=MODEL,
        created_at=now,
        accepted_at=now,
    )
    session.add(application)
    await session.flush()
    loan = loan_for(application, product, now)
    session.add(loan)
    await session.flush()
    await session.refresh(loan, with_for_update=True)
    await void_holds(session, hold_ids=[p.hold_id for p in pledges], now=now)
    commitments = []
    for p in pledges:
        wallet = await wallet_account(
            session, owner_id=p.backer_id, currency=campaign.currency, now=now
        )
        commitments.append(Commitment(p.backer_id, "INVESTOR", wallet, p.amount, loan.funder_rate))
    notes = await commit_all(session, loan=loan, commitments=commitments, now=now)
    campaign.loan_id = loan.id
    fee = platform_fee(total, schedule_of(campaign.fee_version).rate_of(CampaignKind.DEBT))
    if fee:
        creator = wallet_key(campaign.creator_id, campaign.currency)
        revenue = revenue_key(FEE_STREAM, campaign.currency)
        accounts = await lock_accounts_by_key(session, {creator, revenue}, now=now)
        leg = Leg(
            accounts[creator].id,
            accounts[revenue].id,
            fee,
            "CROWDFUNDING_FEE",
            {"campaign": str(campaign.id), "loan": str(loan.id)},
        )
        await post_transfers(
            session,
            legs=[leg],
            now=now,
            journal_id=uuid4(),
            locked={a.id: a for a in accounts.values()},
        )
    campaign.captured, campaign.fee = total, fee
    shares = fee_shares(fee, [p.amount for p in pledges])
    return [
        Settled(p, PledgeState.CAPTURED, captured=p.amount, fee=share, note_id=note.id)
        for p, share, note in zip(pledges, shares, notes, strict=True)
    ]
