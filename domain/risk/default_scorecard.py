"""Scorecard version 2026-11-v1: Agora's first credit scorecard, in CNY, as data.

Points were set by judgement for launch (no repayment data yet): a verified newcomer with
a moderate burden and a clean record lands in C; history on the platform earns the rest.
A change of any number here is a new version: copy this module, never edit it in place.
"""

from decimal import Decimal

from domain.risk.scorecard import Bin, Feature, Grade, GradeBand, Scorecard


def _bins(*rows: tuple[str | None, int, str]) -> tuple[Bin, ...]:
    return tuple(
        Bin(None if upper is None else Decimal(upper), points, label)
        for upper, points, label in rows
    )


SCORECARD_2026_11_V1 = Scorecard(
    version="2026-11-v1",
    currency="CNY",
    base_points=380,
    max_reasons=4,
    features=(
        Feature(
            name="kyc_level",
            higher_is_better=True,
            bins=_bins(
                ("1", 0, "unverified"),
                ("2", 60, "person verified"),
                (None, 70, "business verified"),
            ),
            reason_code="KYC_LEVEL",
            reason_text="Identity not verified to the highest level",
        ),
        Feature(
            name="debt_to_income",
            higher_is_better=False,
            bins=_bins(
                ("0.20", 100, "under 20%"),
                ("0.35", 70, "20-35%"),
                ("0.50", 35, "35-50%"),
                ("0.70", 0, "50-70%"),
                (None, -60, "70% or more, or no income"),
            ),
            reason_code="DEBT_TO_INCOME",
            reason_text="Monthly repayments too high for the income declared",
        ),
        Feature(
            name="loans_repaid_on_time",
            higher_is_better=True,
            bins=_bins(
                ("1", 0, "none"), ("3", 30, "1-2"), ("6", 50, "3-5"), (None, 70, "6 or more")
            ),
            reason_code="REPAYMENT_HISTORY",
            reason_text="Little history of loans repaid on time on Agora",
        ),
        Feature(
            name="overdue_count",
            higher_is_better=False,
            bins=_bins(
                ("1", 60, "none"), ("2", 20, "1"), ("4", -20, "2-3"), (None, -80, "4 or more")
            ),
            reason_code="OVERDUE_HISTORY",
            reason_text="Installments paid late or still overdue",
        ),
        Feature(
            name="payments_last_90_days",
            higher_is_better=True,
            bins=_bins(
                ("1", 0, "none"), ("10", 20, "1-9"), ("30", 35, "10-29"), (None, 45, "30 or more")
            ),
            reason_code="LOW_ACTIVITY",
            reason_text="Little wallet and payment activity in the last 90 days",
        ),
        Feature(
            name="account_age_days",
            higher_is_better=True,
            bins=_bins(
                ("30", 0, "under 30 days"),
                ("180", 20, "1-6 months"),
                ("365", 40, "6-12 months"),
                (None, 55, "a year or more"),
            ),
            reason_code="ACCOUNT_AGE",
            reason_text="Account opened recently",
        ),
        Feature(
            name="platform_debt",
            higher_is_better=False,
            bins=_bins(
                ("1", 40, "none"),
                ("2000000", 30, "under 20,000.00"),
                ("10000000", 10, "20,000.00-99,999.99"),
                (None, -20, "100,000.00 or more"),
            ),
            reason_code="EXISTING_DEBT",
            reason_text="Existing debt on Agora",
        ),
    ),
    bands=(
        GradeBand(Grade.A, 720, Decimal("0.0700"), 20_000_000),
        GradeBand(Grade.B, 660, Decimal("0.0950"), 10_000_000),
        GradeBand(Grade.C, 600, Decimal("0.1250"), 5_000_000),
        GradeBand(Grade.D, 550, Decimal("0.1600"), 2_000_000),
        GradeBand(Grade.E, 500, Decimal("0.2000"), 1_000_000),
    ),
)

SCORECARDS = {SCORECARD_2026_11_V1.version: SCORECARD_2026_11_V1}
DEFAULT_SCORECARD = SCORECARD_2026_11_V1
