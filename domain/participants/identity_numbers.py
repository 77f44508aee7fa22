"""Identity document numbers: validation (GB 11643 checksum for resident IDs) and masking."""

from __future__ import annotations

import re

from domain.errors import InvalidInput
from domain.participants.kyc import DocumentType

_RESIDENT_ID = re.compile(r"[1-9][0-9]{16}[0-9X]")
_PASSPORT = re.compile(r"[A-Z0-9]{6,12}")
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def normalise_document_number(document: DocumentType, number: str) -> str:
    """Upper-case, spaces removed, validated for its type; InvalidInput otherwise."""
    value = re.sub(r"\s+", "", number).upper()
    if document is DocumentType.RESIDENT_ID:
        if not _RESIDENT_ID.fullmatch(value) or resident_id_check_char(value[:17]) != value[17]:
            raise InvalidInput("is not a valid resident ID number", field="document_number")
    elif document is DocumentType.PASSPORT:
        if not _PASSPORT.fullmatch(value):
            raise InvalidInput("is not a valid passport number", field="document_number")
    elif not _CREDIT_CODE.fullmatch(value):
        raise InvalidInput("is not a valid unified social credit code", field="document_number")
    return value


def resident_id_check_char(first_17: str) -> str:
    """The 18th character of a resident ID (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def mask(number: str, *, head: int = 3, tail: int = 4) -> str:
    """`110101199003071234` -> `110***********1234`; short numbers keep only their tail."""
    if len(number) <= head + tail:
        return "*" * max(len(number) - 2, 0) + number[-2:]
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]
