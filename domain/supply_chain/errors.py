"""Refusals of supply-chain finance: each with a code a client can act on."""

from domain.errors import DomainError


class DuplicateInvoice(DomainError):
    """An invoice with the same fingerprint is registered already, by whoever: the same
    invoice is never financed twice."""

    code = "DUPLICATE_INVOICE"


class NotACoreEnterprise(DomainError):
    """The buyer named does not hold the CORE_ENTERPRISE role."""

    code = "NOT_A_CORE_ENTERPRISE"


class SupplierNotEligible(DomainError):
    """Only a verified business may register invoices or receive parts of a certificate."""

    code = "SUPPLIER_NOT_ELIGIBLE"


class ReceivableStateConflict(DomainError):
    """The receivable's state does not allow this step (the transition table has no edge)."""

    code = "RECEIVABLE_STATE"


class DilutionRefused(DomainError):
    """A credit note against a confirmed receivable: the undertaking to pay is irrevocable."""

    code = "DILUTION_REFUSED"


class SplitRefused(DomainError):
    """A split whose parts are not positive or do not fit within the certificate."""

    code = "SPLIT_REFUSED"


class NoFinancingOffer(DomainError):
    """No open supply-chain offer accepts this certificate (buyer, tenor, amount, credit line)."""

    code = "NO_FINANCING_OFFER"


class Matured(DomainError):
    """The certificate is due today or past due: nothing is left to discount."""

    code = "MATURED"


class RecourseRefused(DomainError):
    """Recourse is not available: the programme is without it, or the certificate is not
    overdue long enough, or not financed."""

    code = "RECOURSE_REFUSED"


class BusinessLicenseRequired(DomainError):
    """Only a supplier whose business licence (统一社会信用代码) KYC verified registers invoices:
    the licence, not typed text, says which company an invoice is from."""

    code = "BUSINESS_LICENSE_REQUIRED"


class RegistrationNumberMismatch(DomainError):
    """The registration number on the invoice is not the one on the supplier's verified
    business licence."""

    code = "REGISTRATION_NUMBER_MISMATCH"
