"""What Agora knows of an applicant, gathered for the scorecard and the fraud rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import distinct, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.account_kinds import AccountKind
from domain.ledger.tables import LedgerAccount, LedgerTransfer
from domain.lending.states import LoanState
from domain.lending.tables import Loan, LoanApplication, LoanInstallment
from domain.participants.tables import KycSubmission, Participant
from domain.risk.default_scorecard import DEFAULT_SCORECARD
from domain.risk.features import NO_OTHER_DEBT, ApplicantFeatures, OtherDebt
from domain.risk.fraud import ApplicationSignals, FraudRules, FraudVerdict, screen_application
from domain.risk.score import CreditDecision, score_applicant


async def assess_applicant(
    session: AsyncSession,
    *,
    borrower: Participant,
    declared_monthly_income: int,
    new_monthly_payment: int,
    now: datetime,
    other_debt: OtherDebt = NO_OTHER_DEBT,
) -> tuple[CreditDecision, FraudVerdict]:
    """The risk engine on `borrower`: the current scorecard's decision and the fraud verdict."""
    features = await applicant_features(
        session,
        borrower=borrower,
        declared_monthly_income=declared_monthly_income,
        new_monthly_payment=new_monthly_payment,
        now=now,
        other_debt=other_debt,
    )
    rules = FraudRules()
    signals = await application_signals(
        session,
        borrower_id=borrower.id,
        declared_monthly_income=declared_monthly_income,
        since=now - rules.window,
    )
    return score_applicant(features, DEFAULT_SCORECARD), screen_application(signals, rules, now=now)


async def applicant_features(
    session: AsyncSession,
    *,
    borrower: Participant,
    declared_monthly_income: int,
    new_monthly_payment: int,
    now: datetime,
    other_debt: OtherDebt = NO_OTHER_DEBT,
) -> ApplicantFeatures:
    """The scorecard's inputs for `borrower`, applying for a loan costing `new_monthly_payment`
    a month, with `other_debt` (BNPL plans) added to what the loans owe."""
    borrower_id = borrower.id
    live = col(Loan.state) == LoanState.ACTIVE.value
    mine = col(Loan.borrower_id) == borrower_id
    open_installment = (
        select(
            func.coalesce(
                func.max(
                    LoanInstallment.principal_due
                    + LoanInstallment.interest_due
                    + LoanInstallment.fee_due
                ),
                0,
            )
        )
        .join(Loan, col(Loan.id) == col(LoanInstallment.loan_id))
        .where(mine, live, col(LoanInstallment.paid_at).is_(None))
        .group_by(col(Loan.id))
    )
    burden = sum(int(v) for v in (await session.exec(open_installment)).all())
    outstanding = (
        await session.exec(
            select(
                func.coalesce(
                    func.sum(LoanInstallment.principal_due - LoanInstallment.principal_paid), 0
                )
            )
            .join(Loan, col(Loan.id) == col(LoanInstallment.loan_id))
            .where(mine, live)
        )
    ).one()
    late = col(LoanInstallment.days_past_due) > 0
    overdue = (
        await session.exec(
            select(func.count())
            .select_from(LoanInstallment)
            .join(Loan, col(Loan.id) == col(LoanInstallment.loan_id))
            .where(mine, late)
        )
    ).one()
    ever_late = select(LoanInstallment.loan_id).where(late)
    on_time = (
        await session.exec(
            select(func.count())
            .select_from(Loan)
            .where(mine, col(Loan.state) == LoanState.CLOSED.value, col(Loan.id).not_in(ever_late))
        )
    ).one()
    return ApplicantFeatures(
        kyc_level=borrower.kyc_level,
        declared_monthly_income=declared_monthly_income,
        monthly_repayment_burden=burden + other_debt.monthly_burden + new_monthly_payment,
        loans_repaid_on_time=int(on_time),
        overdue_count=int(overdue) + other_debt.overdue_count,
        payments_last_90_days=await _payments(session, borrower_id, now - timedelta(days=90)),
        account_age_days=(now - borrower.created_at).days,
        platform_debt=int(outstanding) + other_debt.outstanding_principal,
    )


async def _payments(session: AsyncSession, owner_id: UUID, since: datetime) -> int:
    """Journal entries that moved money in or out of the owner's wallets since `since`."""
    wallets = select(LedgerAccount.id).where(
        col(LedgerAccount.owner_id) == owner_id,
        col(LedgerAccount.kind) == AccountKind.WALLET.value,
    )
    count = await session.exec(
        select(func.count(distinct(col(LedgerTransfer.journal_id)))).where(
            col(LedgerTransfer.created_at) >= since,
            or_(
                col(LedgerTransfer.debit_account_id).in_(wallets),
                col(LedgerTransfer.credit_account_id).in_(wallets),
            ),
        )
    )
    return int(count.one())


async def application_signals(
    session: AsyncSession, *, borrower_id: UUID, declared_monthly_income: int, since: datetime
) -> ApplicationSignals:
    """The fraud rules' inputs: recent applications and identity data shared with others."""
    earlier = await session.exec(
        select(LoanApplication.created_at).where(
            col(LoanApplication.borrower_id) == borrower_id,
            col(LoanApplication.created_at) >= since,
        )
    )
    own_documents = select(KycSubmission.document_fingerprint).where(
        col(KycSubmission.participant_id) == borrower_id
    )
    sharing = await session.exec(
        select(func.count(distinct(col(KycSubmission.participant_id)))).where(
            col(KycSubmission.document_fingerprint).in_(own_documents),
            col(KycSubmission.participant_id) != borrower_id,
        )
    )
    shared = int(sharing.one())
    return ApplicationSignals(
        earlier_applications=list(earlier.all()),
        shared_identity={"document_number": shared} if shared else {},
        declared_monthly_income=declared_monthly_income,
    )
