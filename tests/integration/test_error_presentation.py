"""What a client sees of errors: typed business errors, request errors, masked surprises."""

from __future__ import annotations

import strawberry

from domain.errors import DomainError
from graph.errors import UNEXPECTED_MESSAGE, ClientErrors


class LimitExceeded(DomainError):
    code = "LIMIT_EXCEEDED"


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("password=hunter2 in SELECT * FROM secrets")

    @strawberry.field
    def refused(self) -> str:
        raise LimitExceeded("daily limit reached", field="amount_minor")

    @strawberry.field
    def fine(self) -> str:
        return "ok"

    @strawberry.field
    def failing_over(self) -> str:
        raise ConnectionRefusedError(111, "Connect call failed ('10.0.0.7', 5432)")


schema = strawberry.Schema(query=Query, extensions=[ClientErrors])


async def test_unexpected_errors_are_masked_and_keep_their_path() -> None:
    result = await schema.execute("{ fine broken }")

    assert result.data == {"fine": "ok", "broken": None} or result.data is None
    [error] = result.errors or []
    assert error.message == UNEXPECTED_MESSAGE
    assert error.path == ["broken"]
    assert error.extensions == {"code": "INTERNAL_ERROR"}
    assert "hunter2" not in str(error.formatted)


async def test_business_errors_keep_code_and_field_in_client_spelling() -> None:
    result = await schema.execute("{ refused }")

    [error] = result.errors or []
    assert error.message == "amountMinor: daily limit reached"
    assert error.extensions == {"code": "LIMIT_EXCEEDED", "field": "amountMinor"}


async def test_request_errors_are_shown_as_written() -> None:
    result = await schema.execute("{ fine nope }")

    [error] = result.errors or []
    assert "nope" in error.message
    assert error.path is None


async def test_a_database_out_of_reach_is_try_again_not_our_bug() -> None:
    result = await schema.execute("{ fine failingOver }")

    [error] = result.errors or []
    assert error.extensions == {"code": "TRY_AGAIN"}
    assert error.path == ["failingOver"]
    assert "10.0.0.7" not in str(error.formatted)
