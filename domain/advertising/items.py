"""What a placement may promote: an item of a browsing list, named by its GraphQL type (pure)."""

from __future__ import annotations

from enum import Enum


class ItemKind(Enum):
    LOAN = "LOAN"  # a loan listing, in `listings` (its borrower advertises it)
    CAMPAIGN = "CAMPAIGN"  # a crowdfunding campaign, in `campaigns` (its creator)
    FUND = "FUND"  # a money-market fund, in `funds` (its asset manager)
    INSURANCE_PRODUCT = "INSURANCE_PRODUCT"  # in `insuranceProducts` (its insurer)


# The global id type name of each kind's items.
ID_TYPES: dict[str, ItemKind] = {
    "Loan": ItemKind.LOAN,
    "Campaign": ItemKind.CAMPAIGN,
    "Fund": ItemKind.FUND,
    "InsuranceProduct": ItemKind.INSURANCE_PRODUCT,
}
ITEM_TYPE_NAMES: dict[ItemKind, str] = {kind: name for name, kind in ID_TYPES.items()}
