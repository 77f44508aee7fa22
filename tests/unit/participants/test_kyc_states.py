"""The KYC state machine, on every (status, event) pair, and what each level may do."""

import itertools

import pytest

from domain.participants.kyc import (
    DocumentType,
    KycDecision,
    KycLevel,
    KycStatus,
    KycTransitionRefused,
    level_for,
    limits_for,
    next_status,
)

S = KycStatus
EVENTS = ("submit", KycDecision.VERIFY.value, KycDecision.REJECT.value)
# Written out again by hand, not derived from the module's table: one may submit when nothing
# is pending or verified, and an operator decides only what is pending.
LEGAL = {
    (S.NOT_SUBMITTED, "submit"): S.PENDING,
    (S.REJECTED, "submit"): S.PENDING,
    (S.PENDING, "VERIFY"): S.VERIFIED,
    (S.PENDING, "REJECT"): S.REJECTED,
}
ALL_PAIRS = list(itertools.product(KycStatus, EVENTS))


@pytest.mark.parametrize(("status", "event"), ALL_PAIRS)
def test_every_pair_is_either_its_legal_next_status_or_refused(
    status: KycStatus, event: str
) -> None:
    if (status, event) in LEGAL:
        assert next_status(status, event) is LEGAL[(status, event)]
    else:
        with pytest.raises(KycTransitionRefused) as refused:
            next_status(status, event)
        assert refused.value.code == "KYC_STATE"
        assert status.value.lower() in refused.value.message


def test_a_verified_identity_stays_verified() -> None:
    assert all((S.VERIFIED, event) not in LEGAL for event in EVENTS)


def test_an_unknown_event_is_refused_in_every_status() -> None:
    for status in KycStatus:
        with pytest.raises(KycTransitionRefused):
            next_status(status, "approve")


@pytest.mark.parametrize(
    ("document", "level"),
    [
        (DocumentType.RESIDENT_ID, KycLevel.PERSON),
        (DocumentType.PASSPORT, KycLevel.PERSON),
        (DocumentType.BUSINESS_LICENSE, KycLevel.BUSINESS),
    ],
)
def test_a_verified_document_sets_its_level(document: DocumentType, level: KycLevel) -> None:
    assert level_for(document) is level


def test_each_level_may_do_at_least_what_the_level_below_may() -> None:
    levels = sorted(KycLevel)
    unverified = limits_for(KycLevel.UNVERIFIED)

    assert not unverified.may_withdraw
    assert unverified.daily_transfer_minor == 0
    for lower, higher in itertools.pairwise(levels):
        low, high = limits_for(lower), limits_for(higher)
        assert high.may_withdraw >= low.may_withdraw
        for cap in ("daily_withdrawal_minor", "daily_transfer_minor", "single_investment_minor"):
            low_cap, high_cap = getattr(low, cap), getattr(high, cap)
            assert high_cap is None or (low_cap is not None and high_cap >= low_cap), cap
