"""Input no use case can hold is INVALID_INPUT on its field, refused at the edge (issue 17).

Each case here once reached the database or the password hasher and came back as a masked
INTERNAL_ERROR with SQL in the log: a lone surrogate, a NUL, a 100,000-character code, a
datetime without a time zone or past year 9998, a rate beyond the NUMERIC column.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from support.lending import CREATE_OFFER, offer_input, partner_bank
from support.security import Caller, create_person, missing_id, running_app
from support.stores import StoreUrls

SURROGATE = "\ud800"
NUL = "\x00"


@dataclass
class World:
    app: Starlette
    client: httpx.AsyncClient
    operator: Caller
    person: Caller
    bank: Caller

    async def send(
        self, query: str, variables: dict[str, Any] | None = None, caller: Caller | None = None
    ) -> dict[str, Any]:
        token = caller.token if caller else None
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        # json.dumps escapes a lone surrogate as clients send it ("\\ud800"); httpx's json=
        # would try to encode it as UTF-8 and fail before sending.
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        response = await self.client.post("/graphql", content=body, headers=headers)
        assert response.status_code in (200, 400), response.text
        answer: dict[str, Any] = response.json()
        return answer


@pytest.fixture(scope="module")
async def world(stores: StoreUrls) -> AsyncIterator[World]:
    async with running_app(stores) as (app, client):
        operator = await create_person(app, "operator", roles=["OPERATOR"])
        person = await create_person(app, "person", roles=["BORROWER", "INVESTOR"])
        bank, _ = await partner_bank(app, client, operator)
        yield World(app, client, operator, person, bank)


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.ERROR, logger="agora")
    return caplog.records


def refused(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """(code, field) of each top-level error, or of the payload's errors."""
    errors = answer.get("errors")
    if not errors:
        [payload] = answer["data"].values()
        errors = [{"extensions": e} for e in payload["errors"]]
    return [(e["extensions"].get("code"), e["extensions"].get("field")) for e in errors]


LOG_IN = "mutation L($i: LogInInput!) { logIn(input: $i) { errors { code field } } }"
UPDATE_PROFILE = "mutation U($n: String!) { updateProfile(displayName: $n) { errors { code } } }"
DECIDE_KYC = "mutation D($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }"
CREATE_KEY = "mutation C($i: CreateApiKeyInput!) { createApiKey(input: $i) { errors { code } } }"
CREATE_ENDPOINT = """mutation W($i: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $i) { errors { code } } }"""
CREATE_PRODUCT = """mutation P($i: LoanProductInput!) {
  createLoanProduct(input: $i) { errors { code field } } }"""
LISTINGS = "query Q($f: ListingFilterInput) { listings(filter: $f) { nodes { id } } }"
NOTES_FOR_SALE = "query Q($f: NoteSaleFilterInput) { notesForSale(filter: $f) { nodes { id } } }"
PRODUCT = {
    "code": "CASH-12",
    "name": "Cash loan",
    "currency": "CNY",
    "minAmount": "1000.00",
    "maxAmount": "50000.00",
    "minTermMonths": 3,
    "maxTermMonths": 24,
    "repaymentMethod": "EQUAL_INSTALLMENT",
    "minRate": "0.05",
    "maxRate": "0.24",
}
TOO_BIG_RATE = "999999999999999999999.99"


@pytest.mark.parametrize("text", [SURROGATE, f"a{NUL}b"], ids=["surrogate", "nul"])
@pytest.mark.parametrize(
    ("who", "query", "variables", "field"),
    [
        pytest.param(
            None,
            LOG_IN,
            {"i": {"login": "a@example.com", "password": "<bad>"}},
            "password",
            id="logIn-password",
        ),
        pytest.param("person", UPDATE_PROFILE, {"n": "<bad>"}, "displayName", id="displayName"),
        pytest.param(
            "operator",
            DECIDE_KYC,
            {
                "i": {
                    "submissionId": missing_id("KycSubmission"),
                    "decision": "REJECT",
                    "reason": "<bad>",
                }
            },
            "reason",
            id="decideKyc-reason",
        ),
        pytest.param(
            "person",
            CREATE_ENDPOINT,
            {"i": {"url": "https://example.com/hook", "description": "<bad>"}},
            "description",
            id="webhook-description",
        ),
        pytest.param(
            "person",
            CREATE_KEY,
            {"i": {"name": "<bad>", "scopes": ["PROFILE_READ"]}},
            "name",
            id="apiKey-name",
        ),
        pytest.param(
            "operator",
            CREATE_PRODUCT,
            {"i": {**PRODUCT, "code": "<bad>"}},
            "code",
            id="product-code",
        ),
    ],
)
async def test_unencodable_text_is_invalid_input_on_its_field(
    world: World,
    errors_logged: list[logging.LogRecord],
    text: str,
    who: str | None,
    query: str,
    variables: dict[str, Any],
    field: str,
) -> None:
    caller = getattr(world, who) if who else None
    bad = _replace(variables, "<bad>", text)

    answer = await world.send(query, bad, caller)

    assert refused(answer) == [("INVALID_INPUT", field)], answer
    assert errors_logged == []


def _replace(value: Any, placeholder: str, by: str) -> Any:
    if value == placeholder:
        return by
    if isinstance(value, dict):
        return {k: _replace(v, placeholder, by) for k, v in value.items()}
    return value


async def test_a_100000_character_product_code_is_invalid_input(
    world: World, errors_logged: list[logging.LogRecord]
) -> None:
    variables = {"i": {**PRODUCT, "code": "C" * 100_000}}

    answer = await world.send(CREATE_PRODUCT, variables, world.operator)

    assert refused(answer) == [("INVALID_INPUT", "code")]
    assert answer["errors"][0]["message"] == "code: must be at most 40 characters"  # its column
    assert errors_logged == []


async def test_a_code_passed_inside_a_literal_keeps_its_column_limit(
    world: World, errors_logged: list[logging.LogRecord]
) -> None:
    fields = ", ".join(f"{k}: {_literal(v)}" for k, v in PRODUCT.items() if k != "code")
    fields = fields.replace('"EQUAL_INSTALLMENT"', "EQUAL_INSTALLMENT")
    query = f"""mutation P($code: String!) {{
      createLoanProduct(input: {{code: $code, {fields}}}) {{ errors {{ code }} }} }}"""

    answer = await world.send(query, {"code": "C" * 41}, world.operator)

    assert refused(answer) == [("INVALID_INPUT", "code")], answer
    assert errors_logged == []


async def test_a_nul_in_a_literal_is_invalid_input_on_its_field(
    world: World, errors_logged: list[logging.LogRecord]
) -> None:
    query = 'mutation U { updateProfile(displayName: "a\\u0000b") { errors { code } } }'

    answer = await world.send(query, caller=world.person)

    assert refused(answer) == [("INVALID_INPUT", "displayName")]
    assert errors_logged == []


@pytest.mark.parametrize(
    "expires_at",
    [
        "2030-01-01T00:00:00",
        "9999-12-31T23:00:00-05:00",
        "9999-01-01T00:00:00+00:00",
        "0001-01-01T00:30:00+01:00",
    ],
)
@pytest.mark.parametrize("as_literal", [False, True], ids=["variable", "literal"])
async def test_an_unfit_offer_expiry_is_invalid_input(
    world: World, errors_logged: list[logging.LogRecord], expires_at: str, as_literal: bool
) -> None:
    if as_literal:
        fields = ", ".join(f"{k}: {_literal(v)}" for k, v in offer_input().items())
        offer = f'{{{fields}, expiresAt: "{expires_at}"}}'
        query = f"""mutation O {{
          createFundingOffer(input: {offer}, idempotencyKey: "lit") {{ errors {{ code }} }} }}"""
        answer = await world.send(query, caller=world.bank)
    else:
        variables = {"input": offer_input(expiresAt=expires_at), "key": f"var-{expires_at}"}
        answer = await world.send(CREATE_OFFER, variables, world.bank)

    assert refused(answer) == [("INVALID_INPUT", "expiresAt")], answer
    assert errors_logged == []


def _literal(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"  # grades: enum values
    if isinstance(value, int):
        return str(value)
    return f'"{value}"'


async def test_an_offer_expiry_with_a_time_zone_is_taken(world: World) -> None:
    variables = {"input": offer_input(expiresAt="2030-01-01T00:00:00+08:00"), "key": "tz-ok"}

    answer = await world.send(CREATE_OFFER, variables, world.bank)

    assert answer["data"]["createFundingOffer"]["errors"] == [], answer


@pytest.mark.parametrize("query", [LISTINGS, NOTES_FOR_SALE], ids=["listings", "notesForSale"])
async def test_a_rate_beyond_the_column_is_invalid_input(
    world: World, errors_logged: list[logging.LogRecord], query: str
) -> None:
    answer = await world.send(query, {"f": {"minRate": TOO_BIG_RATE}}, world.person)

    assert refused(answer) == [("INVALID_INPUT", "minRate")], answer
    assert errors_logged == []
