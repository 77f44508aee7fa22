"""The offer a borrower sees before accepting: price, schedule, fees, total cost and APR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.lending.apr import annual_percentage_rate
from domain.lending.fees import plan_fees
from domain.lending.quote import LoanQuote, loan_terms, quote_loan
from domain.lending.schedule import RepaymentMethod, RoundingMode, monthly_rate
from domain.lending.services.product_terms import product_of
from domain.lending.tables import LoanApplication, LoanProductRow
from domain.money import Money


@dataclass(frozen=True, slots=True)
class LoanOffer:
    quote: LoanQuote  # the schedule at the offered rate
    upfront_fee: Money  # kept from the disbursement
    installment_fees: tuple[Money, ...]  # added to each installment
    total_cost: Money  # interest plus every fee
    apr: Decimal  # on what the borrower actually receives, fees included


def loan_offer(application: LoanApplication, product: LoanProductRow, *, today: date) -> LoanOffer:
    """The approved application priced as it would be disbursed today."""
    assert application.annual_rate is not None
    currency = application.currency
    terms = loan_terms(
        principal=Money(application.amount, currency).to_decimal_string(),
        currency=currency,
        annual_rate=str(application.annual_rate),
        term_months=application.term_months,
        method=RepaymentMethod(application.repayment_method),
        rounding=RoundingMode[product.rounding],
        first_due_date=None,
        today=today,
    )
    quote = quote_loan(terms)
    plan = plan_fees(
        product_of(product).fees,
        principal=application.amount,
        installments=application.term_months,
    )
    upfront, fees = plan.upfront, plan.per_installment
    payments = [item.total.minor + fee for item, fee in zip(quote.installments, fees, strict=True)]
    return LoanOffer(
        quote=quote,
        upfront_fee=Money(upfront, currency),
        installment_fees=tuple(Money(fee, currency) for fee in fees),
        total_cost=Money(quote.total_interest.minor + plan.total, currency),
        apr=annual_percentage_rate(
            application.amount - upfront,
            payments,
            nominal_monthly_rate=monthly_rate(application.annual_rate),
        ),
    )
