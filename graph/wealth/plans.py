"""Lending plans: operators publish them; investors join during the window, read their exact
share of what each plan holds, leave early after the lock-up, and see what the exit paid."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.money import currency_of, parse_decimal, parse_money
from domain.participants.roles import Role
from domain.wealth import plans as plan_rules
from domain.wealth.plan_exit import exit_deadline, lockup_ends, matures_at
from domain.wealth.plan_terms import PlanTerms
from domain.wealth.services import plans
from domain.wealth.services.plan_early_exit import leave_plan_early
from domain.wealth.tables import LendingPlan as PlanRow
from domain.wealth.tables import PlanEarlyExit as PlanExitRow
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.money import Money
from graph.payloads import in_unit_of_work
from graph.permissions import ANYONE, SIGNED_IN, allow
from graph.relay import Node, to_global_id, uuid_of
from graph.wealth.types import money

PlanFeeKind = strawberry.enum(
    plan_rules.PlanFeeKind,
    description="ASSETS: a percentage of the money invested a year; EXCESS: everything the "
    "plan realises above its target.",
)


@strawberry.type(description="A lending plan (定期): investors' money pooled into loan notes.")
class LendingPlan(Node):
    id: strawberry.ID
    name: str
    currency: str
    state: str
    term_months: int
    target_rate: str = strawberry.field(
        description="A target annual rate, never a promise: what the plan aims to earn."
    )
    capacity: Money
    minimum: Money
    subscribed: Money
    remaining: Money
    investors: int
    opens_at: datetime
    closes_at: datetime
    grades: list[str] = strawberry.field(description="Grades of the loans it may buy.")
    max_loan_share: str = strawberry.field(
        description="At most this share of its money in any one loan."
    )
    fee_kind: PlanFeeKind  # type: ignore[valid-type]
    fee_rate: str
    lockup_months: int = strawberry.field(
        description="No early exit until this many months after the window closes."
    )
    lockup_ends_at: datetime
    early_exit_fee_rate: str = strawberry.field(
        description="Of the value an investor leaves with early: the plan's fee."
    )
    matures_at: datetime = strawberry.field(
        description="Its notes go on the secondary market; what is unsold by exitDeadline "
        "the platform's book buys, and its investors are paid."
    )
    exit_deadline: datetime
    matured_at: datetime | None
    exited_at: datetime | None
    realised: Money | None = strawberry.field(
        description="Once exited: what its notes and cash came to."
    )
    fee: Money | None = strawberry.field(description="Once exited: the management fee.")

    @classmethod
    def of(cls, row: PlanRow) -> LendingPlan:
        c = row.currency
        return cls(
            id=to_global_id("LendingPlan", row.id),
            name=row.name,
            currency=c,
            state=row.state,
            term_months=row.term_months,
            target_rate=str(row.target_rate.normalize()),
            capacity=money(row.capacity, c),
            minimum=money(row.minimum, c),
            subscribed=money(row.subscribed, c),
            remaining=money(row.capacity - row.subscribed, c),
            investors=row.investors,
            opens_at=row.opens_at,
            closes_at=row.closes_at,
            grades=list(row.grades),
            max_loan_share=str(row.max_loan_share.normalize()),
            fee_kind=plan_rules.PlanFeeKind(row.fee_kind),
            fee_rate=str(row.fee_rate.normalize()),
            lockup_months=row.lockup_months,
            lockup_ends_at=lockup_ends(row.closes_at, row.lockup_months),
            early_exit_fee_rate=str(row.early_exit_fee_rate.normalize()),
            matures_at=(matures := matures_at(row.closes_at, row.term_months)),
            exit_deadline=exit_deadline(matures),
            matured_at=row.matured_at,
            exited_at=row.exited_at,
            realised=None if row.realised is None else money(row.realised, c),
            fee=None if row.fee is None else money(row.fee, c),
        )


@strawberry.type(
    description="An early exit from a plan: your share of its cash was paid at once, your "
    "share of its notes was split off and listed on the secondary market; what they bring "
    "reaches your wallet less the plan's early-exit fee as they sell (or repay)."
)
class PlanExit:
    state: str = strawberry.field(
        description="PENDING (none of its notes sold yet), PARTLY_SOLD, or DONE (none left)."
    )
    cash: Money = strawberry.field(description="Your share of the plan's cash, paid at once.")
    notes: Money = strawberry.field(description="Principal of the notes split off for you.")
    claims: Money = strawberry.field(
        description="Your share of the plan's unrecovered claims on defaulted loans, split off "
        "for you too: what they recover reaches you."
    )
    received: Money = strawberry.field(description="Everything the exit has brought so far.")
    fee: Money = strawberry.field(description="The early-exit fee taken of it so far.")
    paid: Money = strawberry.field(description="Received less the fee: in your wallet.")
    deadline: datetime = strawberry.field(
        description="When the platform's book buys the notes nobody bought."
    )
    done_at: datetime | None

    @classmethod
    def of(cls, row: PlanExitRow) -> PlanExit:
        c = row.currency
        return cls(
            state=row.state,
            cash=money(row.cash, c),
            notes=money(row.notes, c),
            claims=money(row.claims, c),
            received=money(row.received, c),
            fee=money(row.fee, c),
            paid=money(row.received - row.fee, c),
            deadline=row.deadline,
            done_at=row.done_at,
        )


@strawberry.type(description="An investor's money in a plan, and its exact share of it.")
class PlanStake(Node):
    id: strawberry.ID
    plan: LendingPlan
    amount: Money = strawberry.field(description="What the investor put in.")
    cash: Money = strawberry.field(description="Its share of the plan's cash.")
    notes: Money = strawberry.field(description="Its share of the plan's notes' principal.")
    accrued: Money = strawberry.field(
        description="Its share of the interest the plan's notes have accrued, not yet received."
    )
    exit: PlanExit | None = strawberry.field(
        description="Once it left early: its exit (then cash, notes and accrued are what the "
        "exit still holds for it)."
    )
    payout: Money | None = strawberry.field(
        description="Once it left (early, or at the plan's exit): what it was paid (early: so far)."
    )
    exit_fee: Money | None = strawberry.field(description="An early exit's fee (so far).")
    exited_at: datetime | None

    @classmethod
    def of(cls, view: plans.StakeView) -> PlanStake:
        c = view.plan.currency
        return cls(
            id=to_global_id("PlanStake", view.stake.id),
            plan=LendingPlan.of(view.plan),
            amount=money(view.stake.amount, c),
            cash=money(view.cash, c),
            notes=money(view.notes, c),
            accrued=money(view.accrued, c),
            exit=None if view.exit is None else PlanExit.of(view.exit),
            payout=None if view.stake.payout is None else money(view.stake.payout, c),
            exit_fee=None if view.stake.exit_fee is None else money(view.stake.exit_fee, c),
            exited_at=view.stake.exited_at,
        )


@strawberry.input(description="A lending plan's terms.")
class PublishLendingPlanInput:
    name: str
    currency: str
    term_months: int
    target_rate: str
    capacity: str
    minimum: str
    opens_at: datetime
    closes_at: datetime
    grades: list[str]
    max_loan_share: str
    fee_kind: PlanFeeKind  # type: ignore[valid-type]
    fee_rate: str = "0"
    lockup_months: int | None = strawberry.field(
        default=None,
        description="Months after the window closes with no early exit; absent: the whole term.",
    )
    early_exit_fee_rate: str = "0"

    def to_domain(self) -> PlanTerms:
        currency = currency_of(self.currency)
        return PlanTerms(
            name=self.name,
            currency=currency.code,
            term_months=self.term_months,
            target_rate=parse_decimal(self.target_rate, field="target_rate"),
            capacity=parse_money(self.capacity, currency, field="capacity").minor,
            minimum=parse_money(self.minimum, currency, field="minimum").minor,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            grades=frozenset(self.grades),
            max_loan_share=parse_decimal(self.max_loan_share, field="max_loan_share"),
            fee_kind=self.fee_kind,
            fee_rate=parse_decimal(self.fee_rate, field="fee_rate"),
            lockup_months=self.term_months if self.lockup_months is None else self.lockup_months,
            early_exit_fee_rate=parse_decimal(
                self.early_exit_fee_rate, field="early_exit_fee_rate"
            ),
        )


@strawberry.input
class JoinLendingPlanInput:
    plan_id: strawberry.ID
    amount: str
    currency: str


@strawberry.input
class LeaveLendingPlanInput:
    plan_id: strawberry.ID


@strawberry.type
class LendingPlanPayload:
    plan: LendingPlan | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PlanStakePayload(IdempotentPayload):
    stake: PlanStake | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PlanQueries:
    @allow(ANYONE)
    @strawberry.field(description="Lending plans, newest first.")
    async def lending_plans(self, info: Info) -> list[LendingPlan]:
        async with info.context.db() as session:
            rows = await plans.plans(session)
        return [LendingPlan.of(row) for row in rows]

    @allow(SIGNED_IN)
    @strawberry.field(description="Your stakes in lending plans, with your share of each.")
    async def my_plan_stakes(self, info: Info) -> list[PlanStake]:
        async with info.context.db() as session:
            views = await plans.my_stakes(
                session, actor=info.context.actor, clock=info.context.clock
            )
        return [PlanStake.of(view) for view in views]


@strawberry.type
class PlanMutations:
    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: publish a lending plan (its target is shown as a target)."
    )
    @in_unit_of_work
    async def publish_lending_plan(
        self, info: Info, session: AsyncSession, input: PublishLendingPlanInput
    ) -> LendingPlanPayload:
        ctx = info.context
        row = await plans.publish_plan(
            session=session, clock=ctx.clock, actor=ctx.actor, terms=input.to_domain()
        )
        return LendingPlanPayload(plan=LendingPlan.of(row))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Put money from your wallet into an open plan, during its window."
    )
    @in_unit_of_work
    async def join_lending_plan(
        self,
        info: Info,
        session: AsyncSession,
        input: JoinLendingPlanInput,
        idempotency_key: IdempotencyKey,
    ) -> PlanStakePayload:
        ctx = info.context
        stake = await plans.join_plan(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            plan_id=uuid_of(input.plan_id, "LendingPlan"),
            amount=parse_money(input.amount, currency_of(input.currency), field="amount"),
            idempotency_key=idempotency_key,
        )
        [view] = await plans.stake_views(session, [stake], now=ctx.clock.now())
        return PlanStakePayload(stake=PlanStake.of(view))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Leave a plan before it matures, once its lock-up is over: your exact "
        "share of its cash at once, your share of its notes split off and listed on the "
        "secondary market, paid as they sell; its early-exit fee taken of what you receive."
    )
    @in_unit_of_work
    async def leave_lending_plan(
        self,
        info: Info,
        session: AsyncSession,
        input: LeaveLendingPlanInput,
        idempotency_key: IdempotencyKey,
    ) -> PlanStakePayload:
        ctx = info.context
        stake = await leave_plan_early(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            plan_id=uuid_of(input.plan_id, "LendingPlan"),
            idempotency_key=idempotency_key,
        )
        [view] = await plans.stake_views(session, [stake], now=ctx.clock.now())
        return PlanStakePayload(stake=PlanStake.of(view))
