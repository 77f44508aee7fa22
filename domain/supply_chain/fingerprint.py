"""An invoice's fingerprint: what makes two registrations the same invoice (pure).

The supplier's registration number, the invoice number, the amount (minor units, with its
currency) and the issue date identify an invoice whoever submits it. Numbers are compared
as their letters and digits only, upper case, so "inv-0001", "INV 0001" and "INV0001" are
one invoice: formatting is the first thing a double-financing fraud varies. The fingerprint
is a SHA-256 hex digest, unique across the platform (a unique index enforces it).
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date

VERSION = "f1"


def normalized(number: str) -> str:
    """`number`'s letters and digits, NFKC-folded and upper case."""
    folded = unicodedata.normalize("NFKC", number).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def invoice_fingerprint(
    *, registration_number: str, invoice_number: str, amount: int, currency: str, issued_on: date
) -> str:
    """The invoice's identity as 64 hex characters."""
    if not normalized(registration_number) or not normalized(invoice_number):
        raise ValueError("an invoice needs a registration number and an invoice number")
    text = "|".join(
        (
            VERSION,
            normalized(registration_number),
            normalized(invoice_number),
            str(amount),
            currency.upper(),
            issued_on.isoformat(),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()
