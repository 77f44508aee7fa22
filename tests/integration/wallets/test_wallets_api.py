"""Wallets over GraphQL: deposits, KYC-limited transfers and withdrawals, idempotent retries."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette

from domain.ledger.services.verification import verify_ledger
from domain.participants.identity_numbers import resident_id_check_char
from domain.wallets.rails import RailOutcome
from support.graphql import Person, gql, signed_in

MOVE = """
mutation {op}($input: {input_type}!, $key: String!) {{
  {op}(input: $input, idempotencyKey: $key) {{
    status journalId holdId wallet {{ available {{ amount }} held {{ amount }} total {{ amount }} }}
    errors {{ code field message }}
  }}
}}
"""
WALLETS = "{ wallets { currency available { amount currency } held { amount } total { amount } } }"
STATEMENT = """
query S($after: String) {
  walletStatement(currency: "CNY", first: 2, after: $after) {
    edges { node { reason direction kind amount { amount } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def move(client: httpx.AsyncClient, who: Person, op: str, key: str, **input: object) -> dict:
    input_type = {"deposit": "RailInput", "withdraw": "RailInput", "transfer": "TransferInput"}[op]
    body = await gql(
        client,
        MOVE.format(op=op, input_type=input_type),
        {"input": {"currency": "CNY", **input}, "key": key},
        token=who.access_token,
    )
    return body["data"][op]


async def verified(client: httpx.AsyncClient, operator: Person) -> Person:
    person = await signed_in(client, roles=["INVESTOR"])
    first_17 = "11010519850612" + str(abs(hash(person.email)) % 900 + 100)
    submitted = await gql(
        client,
        """mutation($i: SubmitKycInput!) { submitKyc(input: $i) { submission { id } } }""",
        {
            "i": {
                "documentType": "RESIDENT_ID",
                "legalName": "李雷",
                "documentNumber": first_17 + resident_id_check_char(first_17),
            }
        },
        token=person.access_token,
    )
    submission = submitted["data"]["submitKyc"]["submission"]["id"]
    await gql(
        client,
        """mutation($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }""",
        {"i": {"submissionId": submission, "decision": "VERIFY"}},
        token=operator.access_token,
    )
    return person


async def test_a_deposit_lands_in_the_wallet_and_a_retry_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    person = await signed_in(client, roles=["INVESTOR"])

    first = await move(client, person, "deposit", "dep-1", amount="1000.00")
    again = await move(client, person, "deposit", "dep-1", amount="1000.00")
    wallets = await gql(client, WALLETS, token=person.access_token)

    one = await gql(
        client, '{ wallet(currency: "CNY") { total { amount } } }', token=person.access_token
    )
    assert one["data"]["wallet"] == {"total": {"amount": "1000.00"}}
    assert first["errors"] == []
    assert first["status"] == "SUCCEEDED"
    assert again["journalId"] == first["journalId"]
    assert wallets["data"]["wallets"] == [
        {
            "currency": "CNY",
            "available": {"amount": "1000.00", "currency": "CNY"},
            "held": {"amount": "0.00"},
            "total": {"amount": "1000.00"},
        }
    ]


async def test_unverified_participants_cannot_send_or_withdraw(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["INVESTOR"])
    other = await signed_in(client, roles=["BORROWER"])
    await move(client, person, "deposit", "dep-2", amount="100.00")

    sent = await move(client, person, "transfer", "tx-1", amount="10.00", recipientId=other.id)
    out = await move(client, person, "withdraw", "wd-1", amount="10.00")

    assert sent["errors"][0]["code"] == "KYC_REQUIRED"
    assert out["errors"][0]["code"] == "KYC_REQUIRED"


async def test_a_verified_sender_transfers_and_the_books_balance(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    sender = await verified(client, operator)
    recipient = await signed_in(client, roles=["BORROWER"])
    await move(client, sender, "deposit", "dep-3", amount="500.00")

    sent = await move(client, sender, "transfer", "tx-2", amount="120.50", recipientId=recipient.id)
    too_much = await move(
        client, sender, "transfer", "tx-3", amount="400.00", recipientId=recipient.id
    )
    reused = await move(client, sender, "transfer", "tx-2", amount="1.00", recipientId=recipient.id)
    theirs = await gql(client, WALLETS, token=recipient.access_token)

    assert sent["errors"] == []
    assert sent["wallet"]["available"] == {"amount": "379.50"}
    assert too_much["errors"][0]["code"] == "INSUFFICIENT_FUNDS"
    assert reused["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert theirs["data"]["wallets"][0]["available"]["amount"] == "120.50"
    async with app.state.stores.sessions() as session:
        assert (await verify_ledger(session)).consistent


async def test_concurrent_transfers_each_get_their_own_answer_and_wallet(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    senders = [await verified(client, operator) for _ in range(3)]
    recipient = await signed_in(client, roles=["BORROWER"])
    for i, sender in enumerate(senders):
        await move(client, sender, "deposit", f"dep-c{i}", amount="100.00")

    sends = [(senders[i % 3], f"tx-c{i}", f"{i + 1}.00") for i in range(12)]
    answers = await asyncio.gather(
        *(
            move(client, who, "transfer", key, amount=amount, recipientId=recipient.id)
            for who, key, amount in [*sends, sends[0]]
        )  # the last: a retry of the first
    )

    assert all(answer["errors"] == [] for answer in answers)
    assert len({answer["journalId"] for answer in answers}) == 12
    assert answers[-1]["journalId"] == answers[0]["journalId"]
    theirs = await gql(client, WALLETS, token=recipient.access_token)
    assert theirs["data"]["wallets"][0]["available"]["amount"] == "78.00"  # 1 + 2 + ... + 12
    for i, sender in enumerate(senders):  # 100 less what each sent: its wallet as it is now
        mine = await gql(client, WALLETS, token=sender.access_token)
        sent = sum(j + 1 for j in range(i, 12, 3))
        assert mine["data"]["wallets"][0]["available"]["amount"] == f"{100 - sent}.00"
    async with app.state.stores.sessions() as session:
        assert (await verify_ledger(session)).consistent


async def test_a_declined_withdrawal_returns_the_money(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    person = await verified(client, operator)
    await move(client, person, "deposit", "dep-4", amount="300.00")
    app.state.services.rail.by_amount[5_000] = RailOutcome.FAILED

    declined = await move(client, person, "withdraw", "wd-2", amount="50.00")
    paid = await move(client, person, "withdraw", "wd-3", amount="60.00")

    assert declined["errors"][0]["code"] == "RAIL_DECLINED"
    assert paid["status"] == "SUCCEEDED"
    assert paid["wallet"]["available"] == {"amount": "240.00"}
    assert paid["wallet"]["held"] == {"amount": "0.00"}


async def test_the_statement_pages_newest_first(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["INVESTOR"])
    for n in range(3):
        await move(client, person, "deposit", f"dep-s{n}", amount=f"{n + 1}.00")

    page1 = (await gql(client, STATEMENT, token=person.access_token))["data"]["walletStatement"]
    cursor = page1["pageInfo"]["endCursor"]
    page2 = (await gql(client, STATEMENT, {"after": cursor}, token=person.access_token))["data"][
        "walletStatement"
    ]

    amounts = [e["node"]["amount"]["amount"] for e in page1["edges"] + page2["edges"]]
    assert amounts == ["3.00", "2.00", "1.00"]
    assert page1["pageInfo"]["hasNextPage"] is True
    assert page2["pageInfo"]["hasNextPage"] is False
    assert {e["node"]["direction"] for e in page1["edges"]} == {"IN"}


async def test_bad_amounts_are_typed_errors(client: httpx.AsyncClient) -> None:
    person = await signed_in(client, roles=["INVESTOR"])

    zero = await move(client, person, "deposit", "bad-1", amount="0.00")
    decimals = await move(client, person, "deposit", "bad-2", amount="1.001")
    bad_key = await move(client, person, "deposit", "has space", amount="1.00")

    assert zero["errors"][0] == {
        "code": "INVALID_INPUT",
        "field": "amount",
        "message": "must be greater than zero",
    }
    assert decimals["errors"][0]["field"] == "amount"
    assert bad_key["errors"][0]["field"] == "idempotencyKey"


async def test_a_pending_payout_stays_held_until_the_bank_answers(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    person = await verified(client, operator)
    await move(client, person, "deposit", "dep-5", amount="100.00")
    app.state.services.rail.by_amount[4_000] = RailOutcome.PENDING

    pending = await move(client, person, "withdraw", "wd-4", amount="40.00")
    confirmed = await gql(
        client,
        """mutation($id: ID!) { captureHold(holdId: $id, idempotencyKey: "bank-ok") {
             status errors { code } } }""",
        {"id": pending["holdId"]},
        token=operator.access_token,
    )
    after = await gql(client, WALLETS, token=person.access_token)

    assert pending["status"] == "PENDING"
    assert pending["wallet"]["held"] == {"amount": "40.00"}
    assert confirmed["data"]["captureHold"] == {"status": "POSTED", "errors": []}
    assert after["data"]["wallets"][0]["available"]["amount"] == "60.00"
    assert after["data"]["wallets"][0]["held"]["amount"] == "0.00"


MARKED = MOVE.replace("errors {{", "idempotency {{ key replayed firstSeenAt }} errors {{")


async def test_replayed_transfers_and_deposits_say_so_and_are_otherwise_the_same(
    client: httpx.AsyncClient, operator: Person
) -> None:
    # given a verified sender's deposit, a transfer and a refused transfer
    sender = await verified(client, operator)
    recipient = await signed_in(client, roles=["BORROWER"])
    asks = [
        ("deposit", "RailInput", "m-dep", {"amount": "100.00"}),
        ("transfer", "TransferInput", "m-tx", {"amount": "10.00", "recipientId": recipient.id}),
        ("transfer", "TransferInput", "m-no", {"amount": "900.00", "recipientId": recipient.id}),
    ]

    async def ask(op: str, input_type: str, key: str, input: dict[str, str]) -> dict:
        body = await gql(
            client,
            MARKED.format(op=op, input_type=input_type),
            {"input": {"currency": "CNY", **input}, "key": key},
            token=sender.access_token,
        )
        return body["data"][op]

    firsts = [await ask(*a) for a in asks]

    # when each is sent again with its key
    agains = [await ask(*a) for a in asks]

    # then each is the first answer, marked as replayed and nothing else changed
    assert [f["errors"] for f in firsts][2][0]["code"] == "INSUFFICIENT_FUNDS"
    assert [f["idempotency"]["replayed"] for f in firsts] == [False] * 3
    assert [f["idempotency"]["key"] for f in firsts] == ["m-dep", "m-tx", "m-no"]
    for first, again in zip(firsts, agains, strict=True):
        assert again["idempotency"] == {**first["idempotency"], "replayed": True}
        if first is firsts[0]:  # the deposit's wallet is as it is now, after the transfer
            first = {**first, "wallet": again["wallet"]}
        assert again == {**first, "idempotency": again["idempotency"]}
