"""KYC with masked personal data, operator decisions and reveals, and the audit log."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette

from domain.participants.identity_numbers import resident_id_check_char
from support.graphql import Person, gql, signed_in

SUBMIT = """
mutation Submit($input: SubmitKycInput!) {
  submitKyc(input: $input) {
    submission { id status documentNumberMasked reason participantId }
    errors { code field message }
  }
}
"""
DECIDE = """
mutation Decide($input: DecideKycInput!) {
  decideKyc(input: $input) { submission { id status } errors { code field message } }
}
"""
REVEAL = """
mutation Reveal($id: ID!, $reason: String!) {
  revealDocumentNumber(submissionId: $id, reason: $reason) { documentNumber errors { code field } }
}
"""
AUDIT = """
query Audit($action: String) {
  auditLog(first: 50, action: $action) {
    edges { node { action outcome actorKind actorId targetType details requestId } }
  }
}
"""


def resident_id(birth: str, serial: str = "123") -> str:
    first_17 = f"110105{birth}{serial}"
    return first_17 + resident_id_check_char(first_17)


async def submit(client: httpx.AsyncClient, person: Person, number: str) -> dict:
    body = await gql(
        client,
        SUBMIT,
        {"input": {"documentType": "RESIDENT_ID", "legalName": "张三", "documentNumber": number}},
        token=person.access_token,
    )
    return body["data"]["submitKyc"]


async def decide(
    client: httpx.AsyncClient, operator: Person, submission_id: str, decision: str
) -> dict:
    variables = {"input": {"submissionId": submission_id, "decision": decision}}
    return await gql(client, DECIDE, variables, token=operator.access_token)


async def test_an_operator_verifies_a_submission_and_the_level_rises(
    client: httpx.AsyncClient, operator: Person
) -> None:
    borrower = await signed_in(client, roles=["BORROWER"])
    number = resident_id("19900307")

    submitted = await submit(client, borrower, number)
    decided = await decide(client, operator, submitted["submission"]["id"], "VERIFY")
    me = await gql(client, "{ me { kycStatus kycLevel } }", token=borrower.access_token)

    assert submitted["errors"] == []
    assert submitted["submission"]["status"] == "PENDING"
    assert submitted["submission"]["documentNumberMasked"] == number[:3] + "*" * 11 + number[-4:]
    assert decided["data"]["decideKyc"]["submission"]["status"] == "VERIFIED"
    assert me["data"]["me"] == {"kycStatus": "VERIFIED", "kycLevel": 1}


async def test_a_bad_checksum_is_refused(client: httpx.AsyncClient) -> None:
    borrower = await signed_in(client, roles=["BORROWER"])
    number = resident_id("19900307")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")

    refused = await submit(client, borrower, wrong)

    assert refused["errors"] == [
        {
            "code": "INVALID_INPUT",
            "field": "documentNumber",
            "message": "is not a valid resident ID number",
        }
    ]


async def test_the_automated_check_refuses_minors_and_reused_documents(
    client: httpx.AsyncClient, operator: Person
) -> None:
    minor, first, second = [await signed_in(client, roles=["INVESTOR"]) for _ in range(3)]
    shared = resident_id("19851120", "456")

    too_young = await submit(client, minor, resident_id("20150101"))
    original = await submit(client, first, shared)
    await decide(client, operator, original["submission"]["id"], "VERIFY")
    copy = await submit(client, second, shared)

    assert too_young["submission"]["status"] == "REJECTED"
    assert "18" in too_young["submission"]["reason"]
    assert copy["submission"]["status"] == "REJECTED"
    assert copy["submission"]["reason"] == "this document is already verified on another account"


async def test_only_operators_reveal_and_every_reveal_is_audited(
    client: httpx.AsyncClient, operator: Person
) -> None:
    borrower = await signed_in(client, roles=["BORROWER"])
    number = resident_id("19700101")
    submission_id = (await submit(client, borrower, number))["submission"]["id"]
    reason = "fraud review ticket 4711"

    by_owner = await gql(
        client, REVEAL, {"id": submission_id, "reason": reason}, token=borrower.access_token
    )
    no_reason = await gql(
        client, REVEAL, {"id": submission_id, "reason": "why"}, token=operator.access_token
    )
    revealed = await gql(
        client, REVEAL, {"id": submission_id, "reason": reason}, token=operator.access_token
    )
    audit = await gql(client, AUDIT, {"action": "pii.reveal"}, token=operator.access_token)

    assert by_owner["data"]["revealDocumentNumber"]["errors"][0]["code"] == "FORBIDDEN"
    assert no_reason["data"]["revealDocumentNumber"]["errors"][0]["field"] == "reason"
    assert revealed["data"]["revealDocumentNumber"]["documentNumber"] == number
    [entry] = [e["node"] for e in audit["data"]["auditLog"]["edges"]]
    assert entry["actorId"] == operator.id
    assert entry["details"] == {"reason": reason}
    assert entry["requestId"]


async def test_logins_are_audited_and_only_operators_read_the_log(
    client: httpx.AsyncClient, operator: Person
) -> None:
    person = await signed_in(client, roles=["BORROWER"])

    as_person = await gql(client, AUDIT, {"action": "auth.login"}, token=person.access_token)
    as_operator = await gql(client, AUDIT, {"action": "auth.login"}, token=operator.access_token)

    assert as_person["data"] is None
    assert as_person["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    logins = [e["node"] for e in as_operator["data"]["auditLog"]["edges"]]
    assert {
        "action": "auth.login",
        "outcome": "SUCCESS",
        "actorKind": "ANONYMOUS",
        "actorId": None,
        "targetType": "Participant",
    }.items() <= logins[-1].items()


async def test_the_audit_log_is_append_only_in_the_database(
    app: Starlette, operator: Person
) -> None:
    async with app.state.stores.engine.connect() as conn:
        for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
            with pytest.raises(DBAPIError, match="append-only"):
                await conn.execute(text(statement))
            await conn.rollback()


async def test_anothers_submission_and_profile_look_missing(client: httpx.AsyncClient) -> None:
    owner = await signed_in(client, roles=["BORROWER"])
    other = await signed_in(client, roles=["BORROWER"])
    submission_id = (await submit(client, owner, resident_id("19800101", "789")))["submission"][
        "id"
    ]

    query = """query Q($s: ID!, $p: ID!) {
      node(id: $s) { id } participant(id: $p) { id email } kycSubmissions { id }
    }"""
    seen = await gql(client, query, {"s": submission_id, "p": owner.id}, token=other.access_token)

    assert seen["data"] == {"node": None, "participant": None, "kycSubmissions": []}


async def test_every_kyc_decision_is_announced_to_its_participant(
    app: Starlette, client: httpx.AsyncClient, operator: Person
) -> None:
    verified, refused = [await signed_in(client, roles=["BORROWER"]) for _ in range(2)]
    submitted = await submit(client, verified, resident_id("19900307", "789"))
    await decide(client, operator, submitted["submission"]["id"], "VERIFY")
    await submit(client, refused, resident_id("20150101", "789"))  # the automated check

    async with app.state.services.stores.sessions() as session:
        rows = (
            await (await session.connection()).execute(
                text(
                    "SELECT payload, audience FROM outbox_event"
                    " WHERE type = 'participants.kyc_decided' ORDER BY id"
                )
            )
        ).all()

    assert [(r.payload["status"], r.payload["kyc_level"]) for r in rows] == [
        ("VERIFIED", 1),
        ("REJECTED", 0),
    ]
    assert [str(r.audience[0]) for r in rows] == [r.payload["participant_id"] for r in rows]
