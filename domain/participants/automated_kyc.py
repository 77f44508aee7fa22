"""The automated KYC check: refusals that need no human (minors, documents used elsewhere).

Everything it does not refuse waits for an operator: without an external identity source
we never verify automatically.
"""

from __future__ import annotations

from datetime import date

from domain.participants.kyc import DocumentType

ADULT_AGE = 18


def resident_id_birth_date(number: str) -> date | None:
    """The birth date encoded in characters 7..14 of an 18-character resident ID."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def automated_refusal(
    document: DocumentType, number: str, *, today: date, used_by_another_verified: bool
) -> str | None:
    """Why the submission is refused outright, or None to leave it to an operator."""
    if used_by_another_verified:
        return "this document is already verified on another account"
    if document is DocumentType.RESIDENT_ID:
        born = resident_id_birth_date(number)
        if born is None or born > today:
            return "the birth date in this ID number is impossible"
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < ADULT_AGE:
            return f"participants must be at least {ADULT_AGE} years old"
    return None
