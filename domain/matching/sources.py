"""What the matching engine matches: a loan to fund and the sources that may fund it.

Amounts are minor units of the loan's currency; rates are annual Decimal fractions. The
service reads these from the tables (capacity and budgets as they stand, net of holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum


class SourceKind(Enum):
    BANK_OFFER = "BANK_OFFER"
    SUPPLY_CHAIN_OFFER = "SUPPLY_CHAIN_OFFER"  # a bank's offer to discount receivables
    AUTO_INVEST = "AUTO_INVEST"
    PLATFORM_BOOK = "PLATFORM_BOOK"


@dataclass(frozen=True, slots=True)
class LoanToFund:
    """A loan, or the part of one still open, with what its borrower and funders hold already."""

    loan_id: str
    borrower_id: str
    amount: int
    currency: str
    grade: str  # "A".."E"
    term_months: int
    annual_rate: Decimal  # what the borrower pays
    # What note holders earn; below annual_rate the difference is the platform's spread.
    investor_rate: Decimal | None = None
    note_size: int = 5000  # investors buy whole notes of this size (50.00) ...
    min_investment: int = 5000  # ... and at least this much (a multiple of note_size)
    max_per_investor: int | None = None  # the listing's cap on one investor's share
    borrower_debt_by_funder: Mapping[str, int] = field(default_factory=dict)  # for borrower caps
    loan_share_by_funder: Mapping[str, int] = field(default_factory=dict)  # held in this loan

    @property
    def note_rate(self) -> Decimal:
        return self.annual_rate if self.investor_rate is None else self.investor_rate


@dataclass(frozen=True, slots=True)
class BankOffer:
    """A partner bank's standing offer; it asks `rate_floor`, or `spread` over the reference
    rate given to `match_loan` (a market rate, or the loan's own rate when spreads are quoted
    against the borrower's price: a spread of -0.02 then asks two points below it)."""

    offer_id: str
    funder_id: str
    currency: str
    capacity: int  # still unused
    grades: frozenset[str]
    min_term: int
    max_term: int
    min_amount: int  # per loan
    max_amount: int  # per loan
    created_at: datetime
    rate_floor: Decimal | None = None
    spread: Decimal | None = None
    per_borrower_cap: int | None = None  # the bank's total exposure to one borrower
    expires_at: datetime | None = None

    def asking_rate(self, reference_rate: Decimal | None) -> Decimal | None:
        """The rate this offer funds at; None when it is a spread and no reference is known."""
        if self.rate_floor is not None:
            return self.rate_floor
        if self.spread is None or reference_rate is None:
            return None
        return reference_rate + self.spread


@dataclass(frozen=True, slots=True)
class AutoInvestRule:
    """An investor's standing instruction to buy notes of loans that fit it."""

    rule_id: str
    investor_id: str
    currency: str
    grades: frozenset[str]
    min_term: int
    max_term: int
    min_rate: Decimal
    max_per_loan: int
    budget_remaining: int  # what is left of today's budget (and of the wallet)
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlatformBook:
    """The platform's own money, for products that accept it: the lender of last resort.

    It funds only what every bank offer and auto-invest rule left, whatever their prices
    (so it never takes a loan from a paying funder), in any amount, at the note rate, as
    investors do (the platform's spread stays revenue)."""

    book_id: str
    funder_id: str  # who holds the notes it buys
    currency: str
    capacity: int  # what the operator lets it lend, less what its live notes still hold
    max_per_loan: int | None = None  # its most in one loan; None: no limit


@dataclass(frozen=True, slots=True)
class ReceivableToFinance:
    """A confirmed receivable's certificate whose holder asks to be paid early: one financier
    buys it whole (a certificate has one owner)."""

    certificate_id: str
    holder_id: str
    buyer_id: str  # the core enterprise that pays at maturity
    amount: int
    currency: str
    tenor_days: int  # days to maturity


@dataclass(frozen=True, slots=True)
class SupplyChainOffer:
    """A partner bank's standing offer to discount receivables of the core enterprises it
    accepts (any, when `core_enterprises` is empty) at `discount_rate` (annual)."""

    offer_id: str
    funder_id: str
    currency: str
    capacity: int  # still unused
    discount_rate: Decimal
    max_tenor_days: int
    min_amount: int
    max_amount: int
    credit_line_room: int  # what is left of its credit line to this receivable's buyer
    created_at: datetime
    core_enterprises: frozenset[str] = frozenset()
    expires_at: datetime | None = None
