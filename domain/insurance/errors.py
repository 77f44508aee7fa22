"""Refusals of insurance: each with a code a client can act on."""

from domain.errors import DomainError


class ProductNotOnSale(DomainError):
    """The product is withdrawn, superseded, or does not insure this (kind, currency, amount)."""

    code = "PRODUCT_NOT_ON_SALE"


class PolicyStateConflict(DomainError):
    """The policy's state does not allow this step (the transition table has no edge)."""

    code = "POLICY_STATE"


class ClaimStateConflict(DomainError):
    """The claim's state does not allow this step (the transition table has no edge)."""

    code = "CLAIM_STATE"


class ClaimRefused(DomainError):
    """A claim the policy does not take: inside the waiting period, after the term, above
    what is left of the cover, ..."""

    code = "CLAIM_REFUSED"


class CoverNotOffered(DomainError):
    """The cover asked for is not sold here: the loan product's cover offer names no CREDIT
    product, or the payment is not one return-shipping cover insures."""

    code = "COVER_NOT_OFFERED"


class CoverAlreadyAdded(DomainError):
    """The subject already carries its cover (a payment the merchant insured): one policy
    per subject at most."""

    code = "COVER_ALREADY_ADDED"
