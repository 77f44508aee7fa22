"""P2P and bank-funded lending: borrowers apply (the scorecard approves, refers or declines),
banks post funding offers, investors buy notes and set auto-invest rules; borrowers spend
their loans and repay when instalments fall due — most on time, some late, one never (its
loan defaults and the platform's guarantee fund pays the note holders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import Enum
from uuid import UUID

from sqlmodel import col, select

from api.demo.cast import api_key, member, top_up
from api.demo.world import CURRENCY, Member, World
from domain.actors import Actor
from domain.lending.debt_transfer import TransferRules
from domain.lending.fees import FeeRule, FeeTiming
from domain.lending.funding_terms import AutoInvestTerms, OfferTerms
from domain.lending.products import Cover, CoverKind, FundingChannel, LoanProduct
from domain.lending.schedule import RepaymentMethod
from domain.lending.services.applications import accept_loan_offer, apply_for_loan
from domain.lending.services.auto_invest import create_auto_invest_rule
from domain.lending.services.define_products import create_loan_product
from domain.lending.services.funding_offers import create_funding_offer
from domain.lending.services.guarantee_fund import fund_guarantee_fund
from domain.lending.services.notes import NoteBought, buy_note
from domain.lending.services.product_terms import Marketplace
from domain.lending.states import LoanState
from domain.lending.tables import Loan, LoanInstallment
from domain.money import Money
from domain.participants.roles import Role, Scope
from domain.wallets.rails import RailMethod, SimulatedRail
from domain.wallets.services.accounts import wallet_balances
from domain.wallets.services.movements import withdraw

PURPOSES = ("a used car", "home repairs", "a wedding", "tuition", "a shop's stock", "a holiday")
# Declared monthly incomes: the low ones are what the scorecard declines or refers.
INCOMES = (300_000, 800_000, 1_200_000, 1_800_000, 2_500_000, 4_000_000)


class Habit(Enum):
    ON_TIME = "ON_TIME"  # deposits the instalment the day before it falls due
    LATE = "LATE"  # a week after
    NEVER = "NEVER"  # never again: the loan defaults


@dataclass
class Borrowing:
    borrower: Member
    loan_id: UUID
    habit: Habit
    spent: bool = False


@dataclass
class Cast:
    product_id: UUID
    bank: Member
    bank_key: Actor
    investors: list[Member]
    loans: list[Borrowing] = field(default_factory=list)
    borrowers: int = 0


def cast_of(world: World) -> Cast:
    cast = world.cast["lending"]
    assert isinstance(cast, Cast)
    return cast


class LendingScene:
    name = "lending"
    order = 10

    async def setup(self, world: World) -> None:
        operator = world.operator
        product = await world.run(
            lambda session: create_loan_product(
                session=session,
                clock=world.clock,
                actor=operator,
                product=PRODUCT,
                market=Marketplace(max_investor_share=Decimal("0.6")),
            )
        )
        await world.run(
            lambda session: fund_guarantee_fund(
                session=session,
                clock=world.clock,
                actor=operator,
                amount=Money(20_000_000, CURRENCY),
                idempotency_key=world.key("guarantee-fund"),
            )
        )
        bank = await member(world, "bank", "Harbour Bank", {Role.PARTNER_BANK}, business=True)
        bank_key, secret = await api_key(
            world, bank, "offers", {Scope.OFFERS_READ, Scope.OFFERS_WRITE}
        )
        world.accounts["bank API key (Harbour Bank)"] = secret
        investors = []
        for n in range(6):
            investor = await member(world, f"investor{n + 1}", f"Investor {n + 1}", {Role.INVESTOR})
            await top_up(world, investor, world.amount(5_000_000, 15_000_000, 100_000))
            investors.append(investor)
        world.cast[self.name] = cast = Cast(product.id, bank, bank_key, investors)
        await post_offer(world, cast)
        for investor, grades in ((investors[0], {"A", "B"}), (investors[1], {"B", "C"})):
            await auto_invest(world, investor, grades)
        # The book before the first simulated day, so that instalments fall due in it: a
        # loan two months back whose borrower never repays (it defaults), and a month back
        # three that pay, one of them late.
        world.at(-64, 10)
        await borrow(world, cast, Habit.NEVER)
        world.at(-34, 10)
        for habit in (Habit.ON_TIME, Habit.ON_TIME, Habit.LATE):
            await borrow(world, cast, habit)

    async def day(self, world: World, day: int) -> None:
        cast = cast_of(world)
        world.at(day, 9)
        if day % 7 == 0:
            await post_offer(world, cast)
        for _ in range(world.rng.randint(2, 4)):
            habit = world.rng.choices(list(Habit), weights=(80, 17, 3))[0]
            await borrow(world, cast, habit)
        world.at(day, 18)
        await repay(world, cast)


async def auto_invest(world: World, investor: Member, grades: set[str]) -> None:
    """Up to 2,000.00 a loan of these grades, 10,000.00 a day, at 6 % or more."""
    terms = AutoInvestTerms(
        currency=CURRENCY,
        grades=frozenset(grades),
        min_term_months=3,
        max_term_months=24,
        min_rate=Decimal("0.06"),
        max_per_loan=200_000,
        daily_budget=1_000_000,
    )
    await world.run(
        lambda session: create_auto_invest_rule(
            session=session, clock=world.clock, actor=investor.actor, terms=terms
        )
    )


async def post_offer(world: World, cast: Cast) -> None:
    """The bank posts an offer: grades A and B, at least 6 % a year."""
    terms = OfferTerms(
        currency=CURRENCY,
        capacity=world.amount(20_000_000, 40_000_000, 1_000_000),
        rate_floor=Decimal("0.06"),
        spread=None,
        grades=frozenset({"A", "B"}),
        min_term_months=3,
        max_term_months=24,
        min_amount=100_000,
        max_amount=2_000_000,
        per_borrower_cap=None,
        expires_at=world.clock.now() + timedelta(days=30),
    )
    await world.run(
        lambda session: create_funding_offer(
            session=session,
            clock=world.clock,
            actor=cast.bank_key,
            terms=terms,
            idempotency_key=world.key("offer"),
        )
    )


async def borrow(world: World, cast: Cast, habit: Habit) -> None:
    """A new borrower applies; approved, it takes the offer; investors buy what is left."""
    cast.borrowers += 1
    n = cast.borrowers
    borrower = await member(world, f"borrower{n}", f"Borrower {n}", {Role.BORROWER})
    if n == 1:
        world.accounts["borrower"] = borrower.email
    amount = world.amount(200_000, 3_000_000, 50_000)
    application = await world.attempt(
        lambda session: apply_for_loan(
            session=session,
            clock=world.clock,
            actor=borrower.actor,
            product_id=cast.product_id,
            amount=Money(amount, CURRENCY),
            term_months=world.rng.choice((3, 6, 12, 12, 24)),
            purpose=world.rng.choice(PURPOSES),
            declared_monthly_income=world.rng.choice(INCOMES),
        )
    )
    if application is None:
        return
    world.story[f"loan applications {application.status.lower()}"] += 1
    if application.status != "APPROVED":
        return
    loan = await world.run(
        lambda session: accept_loan_offer(
            session=session,
            clock=world.clock,
            actor=borrower.actor,
            application_id=application.id,
            idempotency_key=world.key("accept"),
        )
    )
    world.volume["lending"] += loan.principal
    for _ in range(3):  # rounds of investors, until the loan is funded
        for investor in world.rng.sample(cast.investors, k=len(cast.investors)):
            if loan.state != LoanState.LISTED.value:
                break
            left = loan.principal - loan.committed
            share = min(left, world.amount(50_000, loan.principal // 2, 5_000))
            if left - share < 5_000:  # never leave less than a note's minimum behind
                share = left
            bought = await invest(world, investor, loan.id, share)
            if bought is not None:
                loan = bought.loan
    borrowing = Borrowing(borrower, loan.id, habit)
    cast.loans.append(borrowing)
    if loan.state == LoanState.ACTIVE.value:  # disbursed: the borrower takes the money
        borrowing.spent = True
        await spend(world, borrower)


async def invest(world: World, investor: Member, loan_id: UUID, share: int) -> NoteBought | None:
    return await world.attempt(
        lambda session: buy_note(
            session=session,
            clock=world.clock,
            actor=investor.actor,
            loan_id=loan_id,
            amount=Money(share, CURRENCY),
            idempotency_key=world.key("note"),
        )
    )


async def repay(world: World, cast: Cast) -> None:
    """Borrowers spend what they borrowed, and bring back what falls due as their habit is."""
    today = world.clock.now().date()
    async with world.sessions() as session:
        loans = {
            row.id: row
            for row in await session.exec(
                select(Loan).where(col(Loan.id).in_([b.loan_id for b in cast.loans]))
            )
        }
        due = {
            row.loan_id: row
            for row in await session.exec(
                select(LoanInstallment)
                .where(col(LoanInstallment.loan_id).in_(list(loans)))
                .where(col(LoanInstallment.principal_paid) < col(LoanInstallment.principal_due))
                .order_by(col(LoanInstallment.number).desc())
            )
        }  # the earliest open instalment of each loan wins (ordered last)
    for borrowing in cast.loans:
        loan = loans.get(borrowing.loan_id)
        if loan is None or loan.state != LoanState.ACTIVE.value:
            continue
        if not borrowing.spent:
            borrowing.spent = True
            await spend(world, borrowing.borrower)
        installment = due.get(loan.id)
        if installment is None or borrowing.habit is Habit.NEVER:
            continue
        lead = {Habit.ON_TIME: -1, Habit.LATE: 7}[borrowing.habit]
        if (today - installment.due_date).days >= lead:
            owed = (
                installment.principal_due
                + installment.interest_due
                + installment.fee_due
                + installment.penalty_accrued
                - installment.principal_paid
                - installment.interest_paid
                - installment.fee_paid
                - installment.penalty_paid
            )
            await top_up(world, borrowing.borrower, owed + 10_000)  # a little over, for penalty


async def spend(world: World, borrower: Member) -> None:
    """The borrower takes what its wallet holds (the loan) to its bank account."""
    async with world.sessions() as session:
        wallets = await wallet_balances(session, owner_id=borrower.id)
    amount = sum(w.available.minor for w in wallets if w.currency == CURRENCY)
    if amount <= 0:
        return
    await world.attempt(
        lambda session: withdraw(
            session=session,
            clock=world.clock,
            actor=borrower.actor,
            rail=SimulatedRail(),
            amount=Money(amount, CURRENCY),
            method=RailMethod.BANK_TRANSFER,
            idempotency_key=world.key("spend"),
        )
    )


PRODUCT = LoanProduct(
    code="DEMO-CASH",
    name="Cash loan (guaranteed)",
    currency=CURRENCY,
    min_amount=100_000,
    max_amount=5_000_000,
    min_term=3,
    max_term=24,
    method=RepaymentMethod.EQUAL_INSTALLMENT,
    min_rate=Decimal("0.05"),
    max_rate=Decimal("0.24"),
    fees=(FeeRule("origination", FeeTiming.UPFRONT, percent=Decimal("0.02")),),
    grace_days=3,
    default_days=30,
    funding_channels=frozenset({FundingChannel.INVESTOR_NOTES, FundingChannel.BANK_OFFERS}),
    cover=Cover(CoverKind.GUARANTEE, Decimal("1")),
    transfer=TransferRules(max_premium=Decimal("0.01"), fee_rate=Decimal("0.005")),
)

SCENE = LendingScene()
