"""`agora worker`: runs the platform's background jobs on a schedule, until told to stop.

Several workers may run at once: every job claims its work with FOR UPDATE SKIP LOCKED (or a
locked cursor) and is idempotent, so nothing is done twice. Each job runs in a loop of its
own, so a slow one (webhooks waiting on a receiver) never delays another (hold expiry).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

import domain.tables  # noqa: F401  # every table: foreign keys across contexts must resolve
from api.database_urls import database_engine
from api.security.keys import platform_keys
from api.security.vault import AesGcmVault
from api.settings import Settings
from api.webhooks.sender import HttpWebhookSender
from domain.advertising.services.charging import charge_placements
from domain.clock import Clock, SystemClock
from domain.consumer_credit.services.age_installments import age_bnpl_installments
from domain.consumer_credit.services.repayments import collect_due_installments
from domain.crowdfunding.services.outcome import close_due_campaigns
from domain.disclosure.services.publish import publish_disclosure
from domain.idempotency.services.pruning import prune_expired_keys
from domain.insurance.services.jobs import insurance_upkeep
from domain.ledger.services.expire_holds import expire_due_holds
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.services.expire_loans import expire_unfunded_loans
from domain.lending.services.repay_loan import debit_due_installments
from domain.liquidity.services.watch import watch_thresholds
from domain.participants.ports import SecretVault
from domain.partners.services.booking import book_partner_shares
from domain.payments.services.payouts import resolve_pending_payouts
from domain.payments.services.release import release_due_payments
from domain.payments.services.settle_merchants import run_settlement
from domain.supply_chain.services.maturity import settle_due_receivables
from domain.wallets.rails import SimulatedRail
from domain.wealth.services.daily_income import post_daily_income
from domain.wealth.services.pay_redemptions import pay_due_redemptions
from domain.wealth.services.plan_exit import exit_lending_plans
from domain.wealth.services.plan_exit_payouts import settle_early_exits
from domain.wealth.services.plans import start_closed_plans
from domain.webhooks.ports import WebhookSender
from domain.webhooks.services.delivery import DeliveryPolicy, deliver_due_webhooks
from domain.webhooks.services.fan_out import fan_out_events
from domain.webhooks.services.retention import LOG_RETENTION, prune_delivery_log

logger = logging.getLogger("agora.worker")
STOP_GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class WorkerContext:
    """What jobs may use: the database, the clock, and the services some jobs need."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    vault: SecretVault
    webhook_sender: WebhookSender
    delivery_policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    webhook_log_retention: timedelta | None = LOG_RETENTION  # None: kept forever


Job = Callable[[WorkerContext], Awaitable[int]]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    run: Job
    every_seconds: float


async def _expire_holds(w: WorkerContext) -> int:
    return await expire_due_holds(w.sessions, w.clock)


async def _expire_unfunded_loans(w: WorkerContext) -> int:
    return await expire_unfunded_loans(w.sessions, w.clock)


async def _debit_due_installments(w: WorkerContext) -> int:
    return await debit_due_installments(w.sessions, w.clock)


async def _age_overdue_installments(w: WorkerContext) -> int:
    return await age_overdue_installments(w.sessions, w.clock)


async def _release_escrow(w: WorkerContext) -> int:
    return await release_due_payments(w.sessions, w.clock)


async def _debit_installments(w: WorkerContext) -> int:
    return await collect_due_installments(w.sessions, w.clock)


async def _age_bnpl_installments(w: WorkerContext) -> int:
    return await age_bnpl_installments(w.sessions, w.clock)


async def _settle_merchants(w: WorkerContext) -> int:
    # Payouts go through the simulated bank, as the API's do, until a real rail is configured.
    return await run_settlement(w.sessions, w.clock, rail=SimulatedRail())


async def _resolve_payouts(w: WorkerContext) -> int:
    return await resolve_pending_payouts(w.sessions, w.clock, rail=SimulatedRail())


async def _close_due_campaigns(w: WorkerContext) -> int:
    return await close_due_campaigns(w.sessions, w.clock)


async def _publish_disclosure(w: WorkerContext) -> int:
    return await publish_disclosure(w.sessions, w.clock)


async def _insurance_upkeep(w: WorkerContext) -> int:
    return await insurance_upkeep(w.sessions, w.clock)


async def _watch_risk_thresholds(w: WorkerContext) -> int:
    return await watch_thresholds(w.sessions, w.clock)


async def _book_partner_shares(w: WorkerContext) -> int:
    return await book_partner_shares(w.sessions, w.clock)


async def _settle_due_receivables(w: WorkerContext) -> int:
    return await settle_due_receivables(w.sessions, w.clock)


async def _post_fund_income(w: WorkerContext) -> int:
    return await post_daily_income(w.sessions, w.clock)


async def _pay_fund_redemptions(w: WorkerContext) -> int:
    return await pay_due_redemptions(w.sessions, w.clock)


async def _start_closed_plans(w: WorkerContext) -> int:
    return await start_closed_plans(w.sessions, w.clock)


async def _exit_lending_plans(w: WorkerContext) -> int:
    return await exit_lending_plans(w.sessions, w.clock)


async def _settle_early_exits(w: WorkerContext) -> int:
    return await settle_early_exits(w.sessions, w.clock)


async def _charge_placements(w: WorkerContext) -> int:
    return await charge_placements(w.sessions, w.clock)


async def _fan_out_webhooks(w: WorkerContext) -> int:
    return await fan_out_events(w.sessions, w.clock)


async def _deliver_webhooks(w: WorkerContext) -> int:
    return await deliver_due_webhooks(
        w.sessions, w.clock, vault=w.vault, sender=w.webhook_sender, policy=w.delivery_policy
    )


async def _prune_idempotency_keys(w: WorkerContext) -> int:
    return await prune_expired_keys(w.sessions, w.clock)


async def _prune_webhook_log(w: WorkerContext) -> int:
    if w.webhook_log_retention is None:
        return 0
    return await prune_delivery_log(w.sessions, w.clock, keep=w.webhook_log_retention)


JOBS = (
    ScheduledJob("hold-expiry", _expire_holds, every_seconds=5.0),
    ScheduledJob("loan-funding-expiry", _expire_unfunded_loans, every_seconds=5.0),
    ScheduledJob("crowdfunding-deadlines", _close_due_campaigns, every_seconds=5.0),
    # Policies past their term expire; approved claims their insurer could not pay, retried.
    ScheduledJob("insurance-upkeep", _insurance_upkeep, every_seconds=30.0),
    ScheduledJob("webhook-fan-out", _fan_out_webhooks, every_seconds=1.0),
    ScheduledJob("webhook-delivery", _deliver_webhooks, every_seconds=1.0),
    # Due dates: debit wallets first, then age what is still unpaid (once a day per loan).
    ScheduledJob("loan-auto-debit", _debit_due_installments, every_seconds=60.0),
    ScheduledJob("loan-overdue", _age_overdue_installments, every_seconds=60.0),
    ScheduledJob("escrow-auto-release", _release_escrow, every_seconds=30.0),
    ScheduledJob("bnpl-auto-debit", _debit_installments, every_seconds=60.0),
    ScheduledJob("bnpl-overdue", _age_bnpl_installments, every_seconds=60.0),
    ScheduledJob("scf-maturity", _settle_due_receivables, every_seconds=60.0),
    # Once a day per merchant (a second run the same day finds the batch written).
    ScheduledJob("settlement", _settle_merchants, every_seconds=60.0),
    # Payouts the bank answered PENDING: asked again until it pays or refuses.
    ScheduledJob("payout-resolution", _resolve_payouts, every_seconds=60.0),
    # The public disclosure's live figures (a full recount: minutes apart, never per request);
    # the first run of a month freezes the month just ended.
    ScheduledJob("disclosure", _publish_disclosure, every_seconds=300.0),
    # Liquidity, cover and concentration against their thresholds; crossings to operators.
    ScheduledJob("risk-thresholds", _watch_risk_thresholds, every_seconds=60.0),
    # Each ended month's revenue share to each channel partner, once (a statement per month).
    ScheduledJob("partner-shares", _book_partner_shares, every_seconds=600.0),
    # Money-market funds: each closed, published day posted once and in order; T+1
    # redemptions paid on their business day.
    ScheduledJob("fund-daily-income", _post_fund_income, every_seconds=60.0),
    ScheduledJob("fund-redemptions", _pay_fund_redemptions, every_seconds=60.0),
    # Lending plans whose window closed start investing (their matching source goes live).
    ScheduledJob("lending-plans", _start_closed_plans, every_seconds=30.0),
    # Matured plans: their notes on the market; past the exit deadline the platform's book
    # buys the rest and the investors are paid (the fee to management_fee).
    ScheduledJob("lending-plan-exits", _exit_lending_plans, every_seconds=60.0),
    # Early exits: what their notes bring (sales, repayments, recoveries) to the investor
    # less the fee; past the deadline the platform's book buys what is unsold.
    ScheduledJob("lending-plan-early-exits", _settle_early_exits, every_seconds=30.0),
    # Promoted placements: each batch of counted impressions and clicks charged from its held
    # budget (never beyond it); those spent or past their end give the rest back.
    ScheduledJob("ad-charges", _charge_placements, every_seconds=60.0),
    # Housekeeping: what is kept only for a while goes once its time is up.
    ScheduledJob("idempotency-key-pruning", _prune_idempotency_keys, every_seconds=600.0),
    ScheduledJob("webhook-log-pruning", _prune_webhook_log, every_seconds=600.0),
)


async def run_job(job: ScheduledJob, context: WorkerContext) -> int:
    done = await job.run(context)
    if done:
        logger.info("job done", extra={"job": job.name, "items": done})
    return done


async def run_jobs_once(context: WorkerContext) -> dict[str, int]:
    """Every job once, in order; what each did."""
    return {job.name: await run_job(job, context) for job in JOBS}


@asynccontextmanager
async def worker_context(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> AsyncIterator[WorkerContext]:
    """The jobs' services as configured by `settings` (the vault opens webhook secrets)."""
    _, data_key = platform_keys(settings)
    sender = HttpWebhookSender(
        settings.webhook_url_policy, timeout=settings.webhook_timeout_seconds
    )
    days, log_days = settings.webhook_disable_after_days, settings.webhook_log_retention_days
    try:
        yield WorkerContext(
            sessions=sessions,
            clock=clock,
            vault=AesGcmVault(data_key),
            webhook_sender=sender,
            delivery_policy=DeliveryPolicy(disable_after=timedelta(days=days) if days else None),
            webhook_log_retention=timedelta(days=log_days) if log_days else None,
        )
    finally:
        await sender.aclose()


async def _every(
    job: ScheduledJob, context: WorkerContext, stop: asyncio.Event, *, cadence: float = 1.0
) -> None:
    while not stop.is_set():
        try:
            await run_job(job, context)
        except Exception:  # one failed round must not end the worker; the next retries
            logger.exception("job failed", extra={"job": job.name})
        try:
            await asyncio.wait_for(stop.wait(), timeout=job.every_seconds * cadence)
        except TimeoutError:
            continue


async def run_job_loops(
    context: WorkerContext, stop: asyncio.Event, *, cadence: float = 1.0
) -> None:
    """Every job on its own schedule (its period times `cadence`) until `stop` is set."""
    loops = [asyncio.create_task(_every(job, context, stop, cadence=cadence)) for job in JOBS]
    try:
        await stop.wait()
    finally:
        stop.set()
        # Rounds in flight may finish; one stuck on a slow receiver is cut short (its
        # deliveries' leases run out and another worker retries them).
        _, unfinished = await asyncio.wait(loops, timeout=STOP_GRACE_SECONDS)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)


async def run_worker(
    settings: Settings, database_url: str, *, once: bool = False, clock: Clock | None = None
) -> None:
    """Run the jobs (once, or each on its own schedule until SIGTERM/SIGINT)."""
    engine = database_engine(database_url, pool_size=4, max_overflow=0)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with worker_context(settings, sessions, clock or SystemClock()) as context:
            if once:
                await run_jobs_once(context)
                return
            await run_job_loops(context, stop)
            logger.info("worker stopped")
    finally:
        await engine.dispose()
