"""An invoice's fingerprint: what makes two registrations the same invoice (pure).

The supplier's company, the invoice number, the amount (minor units, with its currency) and
the issue date identify an invoice whoever submits it. The company is the fingerprint of the
business licence its KYC verified (a keyed hash of the licence number), never the text a
supplier types: a typed number is the first thing a double-financing fraud varies, and two
accounts of one company share one licence. Invoice numbers are compared as their letters and
digits only, upper case, so "inv-0001", "INV 0001" and "INV0001" are one invoice. The
fingerprint is a SHA-256 hex digest, unique across the platform (a unique index enforces it).
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date

# f1 hashed the typed registration number; f2 the verified licence's fingerprint.
VERSION = "f2"


def normalized(number: str) -> str:
    """`number`'s letters and digits, NFKC-folded and upper case."""
    folded = unicodedata.normalize("NFKC", number).upper()
    return "".join(ch for ch in folded if ch.isalnum())


def invoice_fingerprint(
    *, licence_fingerprint: str, invoice_number: str, amount: int, currency: str, issued_on: date
) -> str:
    """The invoice's identity as 64 hex characters."""
    if not licence_fingerprint or not normalized(invoice_number):
        raise ValueError("an invoice needs a verified licence and an invoice number")
    text = "|".join(
        (
            VERSION,
            licence_fingerprint,
            normalized(invoice_number),
            str(amount),
            currency.upper(),
            issued_on.isoformat(),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()
