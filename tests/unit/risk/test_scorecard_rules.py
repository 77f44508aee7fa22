"""A scorecard is well formed or says why not; the default version is well formed."""

from dataclasses import replace
from decimal import Decimal

from domain.risk.default_scorecard import DEFAULT_SCORECARD, SCORECARDS
from domain.risk.features import FEATURE_NAMES, ApplicantFeatures
from domain.risk.scorecard import Bin, Feature, Grade, GradeBand, scorecard_problems


def make_feature(*bins: tuple[str | None, int], higher_is_better: bool = True) -> Feature:
    return Feature(
        name="f",
        higher_is_better=higher_is_better,
        bins=tuple(Bin(None if u is None else Decimal(u), p, str(u)) for u, p in bins),
        reason_code="F",
        reason_text="f",
    )


def test_the_default_scorecard_is_well_formed_and_registered_by_version() -> None:
    assert scorecard_problems(DEFAULT_SCORECARD) == []
    assert SCORECARDS["2026-11-v1"] is DEFAULT_SCORECARD
    assert tuple(f.name for f in DEFAULT_SCORECARD.features) == FEATURE_NAMES


def test_every_default_feature_is_one_the_applicant_facts_provide() -> None:
    facts = ApplicantFeatures(1, 1_000_000, 300_000, 0, 0, 0, 0, 0)

    values = {f.name: facts.value_of(f.name) for f in DEFAULT_SCORECARD.features}

    assert values["debt_to_income"] == Decimal("0.3")


def test_a_value_falls_in_the_first_bin_whose_upper_bound_is_above_it() -> None:
    feature = make_feature(("10", 0), ("20", 5), (None, 9))

    assert [
        feature.bin_for(Decimal(v)).points for v in ("-1", "9.99", "10", "19", "20", "1e9")
    ] == [
        0,
        0,
        5,
        5,
        9,
        9,
    ]
    assert feature.bin_for(Decimal("Infinity")).points == 9


def test_badly_ordered_bins_and_points_against_the_direction_are_problems() -> None:
    card = replace(
        DEFAULT_SCORECARD,
        features=(
            make_feature(("20", 0), ("10", 5), (None, 9)),
            replace(make_feature(("10", 9), (None, 0)), name="g", reason_code="G"),
            replace(make_feature(("10", 0), ("20", 1)), name="h", reason_code="H"),
        ),
    )

    assert scorecard_problems(card) == [
        "f: bin bounds must rise strictly",
        "g: points must not fall as the value gets better",
        "h: only the last bin is open-ended, and it must be",
    ]


def test_bands_must_be_ordered_priced_and_limited_from_a_down() -> None:
    a = GradeBand(Grade.A, 700, Decimal("0.10"), 100)
    b = GradeBand(Grade.B, 700, Decimal("0.05"), 200)

    problems = scorecard_problems(replace(DEFAULT_SCORECARD, bands=(a, b)))
    misordered = scorecard_problems(replace(DEFAULT_SCORECARD, bands=(b, a)))

    assert problems == [
        "cutoffs must fall strictly from A down",
        "a worse grade must not be priced below a better one",
        "a worse grade must not get a larger limit",
    ]
    assert misordered == ["bands must be A, B, ... in order, without REJECT"]


def test_duplicate_features_are_a_problem() -> None:
    feature = make_feature((None, 0))

    assert scorecard_problems(replace(DEFAULT_SCORECARD, features=(feature, feature))) == [
        "feature names and reason codes must be unique"
    ]
