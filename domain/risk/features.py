"""What the scorecard knows of an applicant: facts Agora holds, as the numbers bins compare.

The service gathers these (KYC, the application, the ledger, past loans); the rules here
only turn them into one value per scorecard feature name.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Declaring no income makes any repayment burden unaffordable: the worst ratio there is.
NO_INCOME_RATIO = Decimal("Infinity")


@dataclass(frozen=True, slots=True)
class ApplicantFeatures:
    kyc_level: int  # domain.participants.kyc.KycLevel: 0 unverified, 1 person, 2 business
    declared_monthly_income: int  # minor units
    monthly_repayment_burden: int  # existing installments plus the one applied for
    loans_repaid_on_time: int
    overdue_count: int  # installments ever paid late or still overdue
    payments_last_90_days: int  # wallet and payment activity
    account_age_days: int
    platform_debt: int  # outstanding principal already owed on Agora, minor units

    @property
    def debt_to_income(self) -> Decimal:
        if self.declared_monthly_income <= 0:
            return NO_INCOME_RATIO
        return Decimal(self.monthly_repayment_burden) / Decimal(self.declared_monthly_income)

    def value_of(self, name: str) -> Decimal:
        """The value of the scorecard feature `name`; KeyError for a feature we do not know."""
        values = {
            "kyc_level": Decimal(self.kyc_level),
            "debt_to_income": self.debt_to_income,
            "loans_repaid_on_time": Decimal(self.loans_repaid_on_time),
            "overdue_count": Decimal(self.overdue_count),
            "payments_last_90_days": Decimal(self.payments_last_90_days),
            "account_age_days": Decimal(self.account_age_days),
            "platform_debt": Decimal(self.platform_debt),
        }
        return values[name]


@dataclass(frozen=True, slots=True)
class OtherDebt:
    """Debt on Agora the lending tables don't hold (BNPL plans): added to the loans' facts."""

    monthly_burden: int = 0  # minor units a month
    outstanding_principal: int = 0
    overdue_count: int = 0  # installments ever paid late or still overdue


NO_OTHER_DEBT = OtherDebt()


FEATURE_NAMES = (
    "kyc_level",
    "debt_to_income",
    "loans_repaid_on_time",
    "overdue_count",
    "payments_last_90_days",
    "account_age_days",
    "platform_debt",
)
