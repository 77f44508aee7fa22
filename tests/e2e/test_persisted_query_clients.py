"""Automatic persisted queries against `agora serve`, as clients speak them.

`gql` sends the text with its hash (what an Apollo client does after PersistedQueryNotFound);
`apollo_exchange` is the whole of Apollo's persisted-query link: the hash first, the text only
when the server asks for it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import parse, print_ast

from support.server import ServerProcess

QUOTE = """
query Quote($input: LoanQuoteInput!) {
  quoteLoan(input: $input) { totalInterest { amount currency } installments { number } }
}
"""
VARIABLES = {
    "input": {
        "principal": "10000.00",
        "currency": "CNY",
        "annualRate": "0.0435",
        "termMonths": 3,
        "method": "EQUAL_INSTALLMENT",
        "firstDueDate": "2030-01-31",
    }
}
EXPECTED = {
    "quoteLoan": {
        "totalInterest": {"amount": "72.59", "currency": "CNY"},
        "installments": [{"number": 1}, {"number": 2}, {"number": 3}],
    }
}


def persisted(query: str) -> dict[str, Any]:
    sha = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def apollo_exchange(
    url: str, query: str, variables: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """(what each request sent: "hash" or "hash+query", the final answer)."""
    sent = []
    body: dict[str, Any] = {"variables": variables, "extensions": persisted(query)}
    async with httpx.AsyncClient() as http:
        sent.append("hash")
        answer = (await http.post(f"{url}/graphql", json=body)).json()
        codes = [e.get("extensions", {}).get("code") for e in answer.get("errors", ())]
        if "PERSISTED_QUERY_NOT_FOUND" in codes:
            sent.append("hash+query")
            answer = (await http.post(f"{url}/graphql", json={**body, "query": query})).json()
    return sent, answer


async def test_apollo_clients_send_the_text_once(server: ServerProcess) -> None:
    query = QUOTE + "# apollo\n"

    first = await apollo_exchange(server.url, query, VARIABLES)
    second = await apollo_exchange(server.url, query, VARIABLES)

    assert first == (["hash", "hash+query"], {"data": EXPECTED})
    assert second == (["hash"], {"data": EXPECTED})


async def test_a_document_gql_sent_is_known_to_every_process_by_its_hash(
    server: ServerProcess, other_server: ServerProcess
) -> None:
    document = parse(QUOTE)
    printed = print_ast(document)  # what gql sends, and so what its hash is of
    transport = HTTPXAsyncTransport(url=f"{server.url}/graphql")
    async with Client(transport=transport) as session:
        request = GraphQLRequest(document, variable_values=VARIABLES, extensions=persisted(printed))
        answered = await session.execute(request)

    sent, by_hash = await apollo_exchange(other_server.url, printed, VARIABLES)

    assert answered == EXPECTED
    assert (sent, by_hash) == (["hash"], {"data": EXPECTED})
