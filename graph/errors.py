"""How errors reach clients: business errors typed, request errors as they are, the rest masked.

- A DomainError raised by a use case becomes a GraphQL error whose extensions carry its
  machine-readable `code`, the `field` at fault (as the client spells it) and, for input
  with several faults, each `violation`.
- Errors in the client's own document (syntax, validation, variable coercion) are shown as
  graphql-core words them.
- PostgreSQL out of reach (a failover, a restart) is TRY_AGAIN, whichever resolver met it:
  a client retries (a mutation with the same idempotency key), it is not our bug.
- Anything else is unexpected: the client sees "Unexpected error." with the request id to
  quote to support; the full error goes to our logs only.
"""

from collections.abc import Iterator
from enum import Enum

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, InputRejected
from domain.rate_limits import RateLimited
from domain.unit_of_work import DatabaseUnavailable, database_unavailable

UNEXPECTED_MESSAGE = "Unexpected error."


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors the client must not see the details of."""
    original = error.original_error
    if original is None or isinstance(original, DomainError | GraphQLError):
        return False
    # A scalar that rejects a literal or variable reports during validation or coercion:
    # such errors point at the document (nodes) and have no execution path.
    return error.path is not None or not error.nodes


def client_message(error: DomainError) -> str:
    """The reason, prefixed with the field as the client spells it ("annualRate: ...")."""
    if isinstance(error, InputRejected):
        return "; ".join(client_message(v) for v in error.violations)
    return f"{to_camel_case(error.field)}: {error.message}" if error.field else error.message


def typed_extensions(error: DomainError) -> dict[str, object]:
    extensions: dict[str, object] = {"code": error.code}
    if error.field:
        extensions["field"] = to_camel_case(error.field)
    if isinstance(error, RateLimited):
        extensions["retryAfter"] = error.retry_after_seconds
    if isinstance(error, InputRejected):
        extensions["violations"] = [
            {"field": to_camel_case(v.field or ""), "message": v.message} for v in error.violations
        ]
    return extensions


class ClientErrors(SchemaExtension):
    """Types business errors and masks unexpected ones, for every operation and stream."""

    def on_operation(self) -> Iterator[None]:
        yield
        present_errors(self.execution_context.result)

    def on_stream_result(self, result: object) -> Iterator[None]:
        """Each result of a subscription or stream, before it is sent."""
        present_errors(result)
        yield


def present_errors(result: object) -> None:
    """Every error of `result` as the client may see it (graph/prepared runs this too)."""
    # Presenting is idempotent, so a stream's last result may pass here twice.
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [present(error) for error in errors]  # type: ignore[attr-defined]


def present(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is not None and database_unavailable(original):
        original = DatabaseUnavailable()
    if isinstance(original, DomainError):
        return GraphQLError(
            client_message(original),
            nodes=error.nodes,
            path=error.path,
            original_error=original,
            extensions=typed_extensions(original),
        )
    if is_unexpected(error):
        return GraphQLError(
            UNEXPECTED_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_ERROR"},
        )
    return error


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    TRY_AGAIN = "TRY_AGAIN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"  # noqa: S105
    ALREADY_REGISTERED = "ALREADY_REGISTERED"
    KYC_STATE = "KYC_STATE"
    KYC_REQUIRED = "KYC_REQUIRED"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    HOLD_NOT_PENDING = "HOLD_NOT_PENDING"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    RAIL_DECLINED = "RAIL_DECLINED"
    LOAN_STATE = "LOAN_STATE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    APPLICATION_REFUSED = "APPLICATION_REFUSED"
    APPLICATION_NOT_IN_REVIEW = "APPLICATION_NOT_IN_REVIEW"
    FUNDING_REFUSED = "FUNDING_REFUSED"
    SALE_NOT_OPEN = "SALE_NOT_OPEN"
    # How a subscription to events ends (in its final error's extensions.code).
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    SLOW_CONSUMER = "SLOW_CONSUMER"
    EVENTS_UNAVAILABLE = "EVENTS_UNAVAILABLE"
    ENDPOINT_DISABLED = "ENDPOINT_DISABLED"
    PAYMENT_STATE = "PAYMENT_STATE"
    REFUND_EXCEEDS_REMAINING = "REFUND_EXCEEDS_REMAINING"
    EXTENSION_LIMIT_REACHED = "EXTENSION_LIMIT_REACHED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    CREDIT_LIMIT_EXCEEDED = "CREDIT_LIMIT_EXCEEDED"
    CAMPAIGN_NOT_LIVE = "CAMPAIGN_NOT_LIVE"
    CAMPAIGN_STATE = "CAMPAIGN_STATE"
    TIER_SOLD_OUT = "TIER_SOLD_OUT"
    PLEDGE_LOCKED = "PLEDGE_LOCKED"
    PLEDGE_REFUSED = "PLEDGE_REFUSED"
    PLEDGE_STATE = "PLEDGE_STATE"
    INVESTOR_LIMIT_EXCEEDED = "INVESTOR_LIMIT_EXCEEDED"
    ISSUER_CAP_EXCEEDED = "ISSUER_CAP_EXCEEDED"
    CREATOR_NOT_ELIGIBLE = "CREATOR_NOT_ELIGIBLE"
    PRODUCT_NOT_ON_SALE = "PRODUCT_NOT_ON_SALE"
    POLICY_STATE = "POLICY_STATE"
    CLAIM_STATE = "CLAIM_STATE"
    CLAIM_REFUSED = "CLAIM_REFUSED"
    COVER_NOT_OFFERED = "COVER_NOT_OFFERED"
    COVER_ALREADY_ADDED = "COVER_ALREADY_ADDED"
    UNKNOWN_REFERRAL_CODE = "UNKNOWN_REFERRAL_CODE"
    NOT_A_PARTNER = "NOT_A_PARTNER"
    DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
    NOT_A_CORE_ENTERPRISE = "NOT_A_CORE_ENTERPRISE"
    SUPPLIER_NOT_ELIGIBLE = "SUPPLIER_NOT_ELIGIBLE"
    RECEIVABLE_STATE = "RECEIVABLE_STATE"
    DILUTION_REFUSED = "DILUTION_REFUSED"
    SPLIT_REFUSED = "SPLIT_REFUSED"
    NO_FINANCING_OFFER = "NO_FINANCING_OFFER"
    MATURED = "MATURED"
    RECOURSE_REFUSED = "RECOURSE_REFUSED"
    BUSINESS_LICENSE_REQUIRED = "BUSINESS_LICENSE_REQUIRED"
    REGISTRATION_NUMBER_MISMATCH = "REGISTRATION_NUMBER_MISMATCH"
    FUND_NOT_OPEN = "FUND_NOT_OPEN"
    FUND_CAP_EXCEEDED = "FUND_CAP_EXCEEDED"
    INSUFFICIENT_UNITS = "INSUFFICIENT_UNITS"
    FUND_DAY_REFUSED = "FUND_DAY_REFUSED"
    PLAN_NOT_OPEN = "PLAN_NOT_OPEN"
    PLAN_REFUSED = "PLAN_REFUSED"
    PLAN_LOCKED_UP = "PLAN_LOCKED_UP"
    PLATFORM_BOOK_FULL = "PLATFORM_BOOK_FULL"
    BID_BELOW_RESERVE = "BID_BELOW_RESERVE"
    ITEM_NOT_PROMOTABLE = "ITEM_NOT_PROMOTABLE"
    PLACEMENT_EXISTS = "PLACEMENT_EXISTS"
    PLACEMENT_NOT_ACTIVE = "PLACEMENT_NOT_ACTIVE"


@strawberry.type(
    description="A business error: what went wrong, and which input field is at fault."
)
class UserError:
    code: ErrorCode
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


def user_errors(error: DomainError) -> list[UserError]:
    """One UserError per invalid field; codes not in the enum would be a programming error."""
    faults = error.violations if isinstance(error, InputRejected) else [error]
    return [
        UserError(
            code=ErrorCode(fault.code),
            message=fault.message,
            field=to_camel_case(fault.field) if fault.field else None,
        )
        for fault in faults
    ]
