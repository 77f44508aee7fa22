"""Loan products between their rows and the pure `LoanProduct` the rules read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.debt_transfer import TransferRules
from domain.lending.early_repayment import EarlyRepaymentInterest
from domain.lending.fees import FeeRule, FeeTiming
from domain.lending.products import Cover, CoverKind, FundingChannel, LoanProduct
from domain.lending.schedule import RepaymentMethod, RoundingMode
from domain.lending.tables import Loan, LoanProductRow


@dataclass(frozen=True, slots=True)
class Marketplace:
    """How a product's loans are listed: note size, one investor's cap, the platform's cut."""

    platform_spread: Decimal = Decimal("0.02")  # funders earn the borrower's rate minus this
    note_size: int = 5_000
    min_investment: int = 5_000
    max_investor_share: Decimal = Decimal("0.5")
    funding_days: int = 7


def product_of(row: LoanProductRow) -> LoanProduct:
    transfer = row.transfer_rules
    return LoanProduct(
        code=row.code,
        name=row.name,
        currency=row.currency,
        min_amount=row.min_amount,
        max_amount=row.max_amount,
        min_term=row.min_term_months,
        max_term=row.max_term_months,
        method=RepaymentMethod(row.repayment_method),
        min_rate=row.min_rate,
        max_rate=row.max_rate,
        rounding=RoundingMode[row.rounding],
        fees=tuple(
            FeeRule(f["name"], FeeTiming(f["timing"]), Decimal(f["percent"]), int(f["fixed"]))
            for f in row.fees
        ),
        penalty_daily_rate=row.penalty_daily_rate,
        grace_days=row.grace_days,
        default_days=row.default_days,
        funding_channels=frozenset(FundingChannel(c) for c in row.funding_channels),
        cover=Cover(
            CoverKind(row.cover_kind), row.cover_share, row.cover_provider, row.cover_offer_id
        ),
        early_repayment=EarlyRepaymentInterest(row.early_repayment),
        transfer=None
        if transfer is None
        else TransferRules(
            max_premium=Decimal(transfer["max_premium"]),
            min_price_share=None
            if transfer["min_price_share"] is None
            else Decimal(transfer["min_price_share"]),
            fee_rate=Decimal(transfer["fee_rate"]),
            min_fee=int(transfer["min_fee"]),
        ),
    )


def marketplace_of(row: LoanProductRow) -> Marketplace:
    return Marketplace(
        platform_spread=row.platform_spread,
        note_size=row.note_size,
        min_investment=row.min_investment,
        max_investor_share=row.max_investor_share,
        funding_days=row.funding_days,
    )


def row_values(product: LoanProduct, market: Marketplace) -> dict[str, Any]:
    """The columns of a product version (code and version are the caller's)."""
    transfer = product.transfer
    return {
        "name": product.name,
        "currency": product.currency,
        "min_amount": product.min_amount,
        "max_amount": product.max_amount,
        "min_term_months": product.min_term,
        "max_term_months": product.max_term,
        "repayment_method": product.method.value,
        "rounding": product.rounding.name,
        "min_rate": product.min_rate,
        "max_rate": product.max_rate,
        "fees": [
            {"name": f.name, "timing": f.timing.value, "percent": str(f.percent), "fixed": f.fixed}
            for f in product.fees
        ],
        "penalty_daily_rate": product.penalty_daily_rate,
        "grace_days": product.grace_days,
        "default_days": product.default_days,
        "funding_channels": sorted(c.value for c in product.funding_channels),
        "cover_kind": product.cover.kind.value,
        "cover_share": product.cover.share,
        "cover_provider": product.cover.provider_id,
        "cover_offer_id": product.cover.offer_id,
        "early_repayment": product.early_repayment.value,
        "transfer_rules": None
        if transfer is None
        else {
            "max_premium": str(transfer.max_premium),
            "min_price_share": None
            if transfer.min_price_share is None
            else str(transfer.min_price_share),
            "fee_rate": str(transfer.fee_rate),
            "min_fee": transfer.min_fee,
        },
        "platform_spread": market.platform_spread,
        "note_size": market.note_size,
        "min_investment": market.min_investment,
        "max_investor_share": market.max_investor_share,
        "funding_days": market.funding_days,
    }


async def sold_under(session: AsyncSession, loan: Loan) -> LoanProduct:
    """The product version `loan` was sold under (a version never changes once written)."""
    row = await session.get(LoanProductRow, loan.product_id)
    assert row is not None, "every loan names the product version it was sold under"
    return product_of(row)
