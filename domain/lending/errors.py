"""Expected refusals of the lending marketplace."""

from domain.errors import DomainError


class VersionConflict(DomainError):
    """Someone changed the object since the caller read it: read again, then retry."""

    code = "VERSION_CONFLICT"


class ApplicationRefused(DomainError):
    """The application cannot become a loan (declined, in review, or already accepted)."""

    code = "APPLICATION_REFUSED"


class FundingRefused(DomainError):
    """A note purchase the listing does not allow: size, share, state or deadline."""

    code = "FUNDING_REFUSED"


class ApplicationNotInReview(DomainError):
    """Only an application the fraud rules referred (status REVIEW) awaits a reviewer."""

    code = "APPLICATION_NOT_IN_REVIEW"


class SaleNotOpen(DomainError):
    """The note on sale was bought or taken off the market already."""

    code = "SALE_NOT_OPEN"


class PlatformBookFull(DomainError):
    """The platform's book cannot buy a note: it was never set in the currency, or the note
    would take it beyond its capacity or its most in one loan."""

    code = "PLATFORM_BOOK_FULL"
