"""/graphql over real HTTP, against the GraphQL-over-HTTP spec (its SHOULDs included)."""

from __future__ import annotations

import json

import httpx
import pytest

from support.server import ServerProcess

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
QUOTE = """
query Quote($input: LoanQuoteInput!) {
  quoteLoan(input: $input) {
    installments { number dueDate principal { amount currency } interest { amount }
                   total { amount } remainingPrincipal { amount } }
    totalInterest { amount currency }
    totalPayment { amount currency }
    apr
  }
}
"""


def quote_input(**overrides: object) -> dict[str, object]:
    return {
        "principal": "10000.00",
        "currency": "CNY",
        "annualRate": "0.0435",
        "termMonths": 12,
        "method": "EQUAL_INSTALLMENT",
        "firstDueDate": "2030-01-31",
        **overrides,
    }


def post(server: ServerProcess, body: object, *, accept: str | None = None) -> httpx.Response:
    """POST a GraphQL request; with accept=None no Accept header at all is sent."""
    with httpx.Client() as client:
        del client.headers["accept"]  # httpx sends */* unless told otherwise
        headers = {"content-type": JSON} | ({"accept": accept} if accept else {})
        return client.post(server.url + "/graphql", content=json.dumps(body), headers=headers)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def test_quote_loan_over_post_returns_the_schedule(server: ServerProcess) -> None:
    response = post(server, {"query": QUOTE, "variables": {"input": quote_input()}})

    assert response.status_code == 200
    quote = response.json()["data"]["quoteLoan"]
    assert [i["total"]["amount"] for i in quote["installments"][:11]] == ["853.10"] * 11
    assert quote["installments"][0]["dueDate"] == "2030-01-31"
    assert quote["installments"][1]["dueDate"] == "2030-02-28"
    assert quote["installments"][-1]["remainingPrincipal"]["amount"] == "0.00"
    assert quote["totalInterest"] == {"amount": "237.19", "currency": "CNY"}
    assert quote["totalPayment"] == {"amount": "10237.19", "currency": "CNY"}
    assert quote["apr"] == "0.0435"
    principal = sum(int(i["principal"]["amount"].replace(".", "")) for i in quote["installments"])
    assert principal == 1_000_000


def test_get_serves_queries(server: ServerProcess) -> None:
    response = httpx.get(
        server.url + "/graphql",
        params={"query": "query P { platform { name currency } }", "operationName": "P"},
        headers={"accept": JSON},
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"platform": {"name": "Agora", "currency": "CNY"}}}


def test_get_refuses_mutations_with_405_and_allow_post(server: ServerProcess) -> None:
    response = httpx.get(server.url + "/graphql", params={"query": "mutation { __typename }"})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, GRAPHQL_RESPONSE),  # the spec's default since its 2025 watershed
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        ("*/*", JSON),
        (f"{JSON};q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.1, {JSON}", JSON),
        (f"text/plain, {JSON}", JSON),
    ],
)
def test_response_media_type_follows_accept(
    server: ServerProcess, accept: str | None, expected: str
) -> None:
    response = post(server, {"query": "{ __typename }"}, accept=accept)

    assert response.status_code == 200
    assert media_type(response) == expected
    assert "charset=utf-8" in response.headers["content-type"]
    assert response.json() == {"data": {"__typename": "Query"}}


def test_unacceptable_accept_gets_406(server: ServerProcess) -> None:
    response = post(server, {"query": "{ __typename }"}, accept="text/html")

    assert response.status_code == 406


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("parse failure", {"query": "{"}),
        ("validation failure", {"query": "{ noSuchField }"}),
        ("no operation chosen", {"query": "query A { __typename } query B { __typename }"}),
        (
            "variable coercion failure",
            {"query": QUOTE, "variables": {"input": quote_input(termMonths="twelve")}},
        ),
        ("missing variable", {"query": QUOTE}),
    ],
)
def test_request_errors_are_400_without_data_in_graphql_response_json(
    server: ServerProcess, name: str, body: dict[str, object]
) -> None:
    response = post(server, body, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 400, name
    assert media_type(response) == GRAPHQL_RESPONSE
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"][0]["message"]


@pytest.mark.parametrize("body", [{"query": "{"}, {"query": "{ noSuchField }"}])
def test_request_errors_are_200_in_application_json(
    server: ServerProcess, body: dict[str, object]
) -> None:
    response = post(server, body, accept=JSON)

    assert response.status_code == 200
    assert media_type(response) == JSON
    assert "data" not in response.json()
    assert response.json()["errors"]


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        ("NONSENSE", JSON, 400),
        ('{"query":', JSON, 400),
        ('{"qeury": "{ __typename }"}', JSON, 400),
        ('{"query": "query Q($i: Int!) { __typename }", "variables": [7]}', JSON, 400),
        ('{"query": 7}', JSON, 400),
        ("{ __typename }", "text/plain", 415),
        ('{"query": "{ __typename }"}', None, 415),
    ],
)
def test_malformed_requests_get_4xx(
    server: ServerProcess, content: str, content_type: str | None, status: int
) -> None:
    headers = {"accept": GRAPHQL_RESPONSE}
    if content_type:
        headers["content-type"] = content_type
    response = httpx.post(server.url + "/graphql", content=content, headers=headers)

    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


def test_unsupported_method_gets_405(server: ServerProcess) -> None:
    response = httpx.put(server.url + "/graphql", json={"query": "{ __typename }"})

    assert response.status_code == 405


def test_invalid_quote_names_every_bad_field(server: ServerProcess) -> None:
    bad = quote_input(principal="-5", annualRate="1.5", termMonths=601, currency="CNY")

    response = post(server, {"query": QUOTE, "variables": {"input": bad}}, accept=GRAPHQL_RESPONSE)

    # A business error happens during execution: the spec's partial response, status 200.
    assert response.status_code == 200
    payload = response.json()
    assert payload["data"] is None
    [error] = payload["errors"]
    assert error["path"] == ["quoteLoan"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == "principal"
    fields = [v["field"] for v in error["extensions"]["violations"]]
    assert fields == ["principal", "annualRate", "termMonths"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"principal": "0"}, "principal"),
        ({"principal": "100.001"}, "principal"),
        ({"principal": "abc"}, "principal"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "JPY", "principal": "100.5"}, "principal"),
        ({"annualRate": "-0.01"}, "annualRate"),
        ({"termMonths": 0}, "termMonths"),
        ({"firstDueDate": "2000-01-01"}, "firstDueDate"),
    ],
)
def test_each_bad_input_names_its_field(
    server: ServerProcess, overrides: dict[str, object], field: str
) -> None:
    response = post(server, {"query": QUOTE, "variables": {"input": quote_input(**overrides)}})

    [error] = response.json()["errors"]
    [violation] = error["extensions"]["violations"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == field
    assert violation["field"] == field
    assert error["message"] == f"{field}: {violation['message']}"


def test_graphiql_is_not_served_outside_dev(server: ServerProcess) -> None:
    response = httpx.get(server.url + "/graphql", headers={"accept": "text/html"})

    assert response.status_code in (404, 406)
    assert "graphiql" not in response.text.lower()


def test_oversized_bodies_are_refused_before_parsing(server: ServerProcess) -> None:
    huge = '{"query": "{ __typename }", "padding": "' + "x" * (2 << 20) + '"}'

    announced = httpx.post(server.url + "/graphql", content=huge, headers={"content-type": JSON})
    streamed = httpx.post(
        server.url + "/graphql",
        content=(
            chunk for chunk in [huge[i : i + 65536].encode() for i in range(0, len(huge), 65536)]
        ),
        headers={"content-type": JSON},
    )

    assert announced.status_code == 413
    assert announced.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert streamed.status_code == 413
