"""A BNPL plan at checkout: 3, 6 or 12 monthly installments, and who pays for the credit (pure).

The purchase is financed at the product's annual rate on the lending schedule (equal
installments, domain/lending/schedule.py). Either the buyer pays that interest, or the
merchant subsidises it (Huabei's 免息 / Affirm's 0 % APR): the buyer repays the price alone
and the merchant gives up, on top of its discount fee, the interest the buyer would have
paid, so the funder earns the same either way. The merchant is paid at once:

    merchant_receives = price − merchant_fee − merchant_subsidy
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from domain.lending.calendar import monthly_due_dates
from domain.lending.schedule import RepaymentMethod, build_schedule
from domain.money import Money
from domain.payments.fees import FeePlan, mdr_fee

INSTALLMENT_COUNTS = (3, 6, 12)


class FeePayer(Enum):
    BUYER = "BUYER"
    MERCHANT = "MERCHANT"


@dataclass(frozen=True, slots=True)
class BnplProduct:
    annual_rate: Decimal  # the funder's rate on the financed price, 0.15 = 15 %
    merchant_discount_percent: Decimal  # the merchant's fee on a BNPL sale, 2.5 = 2.5 %
    refunds_paid_interest: bool = False  # whether a refund gives back interest already paid
    # Late installments: penalty interest a day on the overdue principal, after the grace days.
    penalty_daily_rate: Decimal = Decimal("0.0005")
    grace_days: int = 3


# The platform book's product: 15 % a year on the financed price, 2.5 % merchant discount.
PLATFORM_PRODUCT = BnplProduct(
    annual_rate=Decimal("0.15"), merchant_discount_percent=Decimal("2.5")
)


@dataclass(frozen=True, slots=True)
class BnplInstallment:
    number: int  # 1-based
    due_date: date
    principal: Money
    interest: Money

    @property
    def total(self) -> Money:
        return self.principal + self.interest


@dataclass(frozen=True, slots=True)
class BnplPlan:
    price: Money  # the principal financed
    fee_payer: FeePayer
    installments: tuple[BnplInstallment, ...]  # what the buyer repays
    merchant_fee: Money
    merchant_subsidy: Money
    merchant_receives: Money

    @property
    def buyer_interest(self) -> Money:
        return Money(sum(i.interest.minor for i in self.installments), self.price.currency)

    @property
    def funder_interest(self) -> Money:
        """What financing the purchase earns, paid by the buyer or (up front) the merchant."""
        return self.buyer_interest + self.merchant_subsidy


def bnpl_plan_violations(
    *, price: Money, count: int, product: BnplProduct, fee_payer: FeePayer
) -> list[tuple[str, str]]:
    """(field, message) for each reason this plan can't be offered; empty when it can."""
    found = []
    if price.minor <= 0:
        found.append(("price", "must be greater than zero"))
    if count not in INSTALLMENT_COUNTS:
        found.append(("installments", "must be 3, 6 or 12"))
    if not _within(product.annual_rate, Decimal(0), Decimal(1)):
        found.append(("annual_rate", "must be a fraction within 0..1"))
    if not _within(product.merchant_discount_percent, Decimal(0), Decimal(100)):
        found.append(("merchant_discount_percent", "must be within 0..100"))
    if not found and _merchant_costs(price, count, product, fee_payer) > price.minor:
        found.append(("fee_payer", "the merchant's fee and subsidy would exceed the price"))
    return found


def bnpl_plan(
    *, price: Money, count: int, product: BnplProduct, fee_payer: FeePayer, purchased_on: date
) -> BnplPlan:
    """The buyer's installments (first due a month after purchase) and the merchant's proceeds."""
    violations = bnpl_plan_violations(
        price=price, count=count, product=product, fee_payer=fee_payer
    )
    if violations:
        raise ValueError("; ".join(f"{field}: {message}" for field, message in violations))
    buyer_rate = product.annual_rate if fee_payer is FeePayer.BUYER else Decimal(0)
    schedule = build_schedule(
        principal=price.minor,
        annual_rate=buyer_rate,
        term_months=count,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
    )
    due_dates = monthly_due_dates(purchased_on, count, months_to_first=1)
    currency = price.currency
    fee = _merchant_fee(price, product)
    subsidy = _subsidy(price, count, product, fee_payer)
    return BnplPlan(
        price=price,
        fee_payer=fee_payer,
        installments=tuple(
            BnplInstallment(
                item.number, due, Money(item.principal, currency), Money(item.interest, currency)
            )
            for item, due in zip(schedule, due_dates, strict=True)
        ),
        merchant_fee=Money(fee, currency),
        merchant_subsidy=Money(subsidy, currency),
        merchant_receives=Money(price.minor - fee - subsidy, currency),
    )


def _within(value: Decimal, low: Decimal, high: Decimal) -> bool:
    return value.is_finite() and low <= value <= high


def _merchant_costs(price: Money, count: int, product: BnplProduct, payer: FeePayer) -> int:
    return _merchant_fee(price, product) + _subsidy(price, count, product, payer)


def _merchant_fee(price: Money, product: BnplProduct) -> int:
    plan = FeePlan(product.merchant_discount_percent, Money.zero(price.currency))
    return mdr_fee(price, plan).minor


def _subsidy(price: Money, count: int, product: BnplProduct, payer: FeePayer) -> int:
    """The interest the buyer would have paid: the merchant's to bear when it pays."""
    if payer is FeePayer.BUYER or product.annual_rate == 0:
        return 0
    schedule = build_schedule(
        principal=price.minor,
        annual_rate=product.annual_rate,
        term_months=count,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
    )
    return sum(item.interest for item in schedule)
