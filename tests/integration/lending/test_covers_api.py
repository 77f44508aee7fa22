"""Nobody pays a product's funders without having agreed: a cover names a provider only
under the cover offer that provider published; a withdrawn offer covers no new loan and
keeps the sold ones covered; the payout is named by who paid."""

from __future__ import annotations

import httpx
from sqlmodel import col, select
from starlette.applications import Starlette

from domain.events.tables import OutboxEvent
from domain.lending.tables import CoverOfferRow, LoanProductRow
from support.covers import (
    ACCEPT,
    RECEIVED,
    WITHDRAW,
    apply,
    create_product,
    default,
    ledger_consistent,
    now_clock,
    provider,
    publish,
    sold_loan,
)
from support.graphql import gql
from support.lending import verified_borrower
from support.lending_world import fund_wallet
from support.payments import wallet
from support.security import create_person, global_id, key_of, missing_id


async def _rows(app: Starlette, table: type) -> list[object]:
    async with app.state.services.stores.sessions() as session:
        return list((await session.exec(select(table))).all())


async def test_a_cover_naming_anyone_who_has_not_offered_it_is_refused_and_nothing_is_written(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    investor = await create_person(app, "Investor", roles=["INVESTOR"])
    insurer, key = await provider(app, client, operator, "INSURER", ["POLICIES_WRITE"])
    assert investor.id
    assert insurer.id

    def cover(provider_id: str, kind: str = "INSURANCE", share: str = "1") -> dict[str, object]:
        return {"cover": {"kind": kind, "share": share, "providerId": provider_id}}

    # the attack: any investor named as the insurer of a product
    attack = await create_product(client, operator, **cover(investor.id))
    with_other_faults = await create_product(client, operator, minRate="0.5", **cover(investor.id))
    raw_uuid = await create_product(client, operator, **cover(str(key_of(investor.id))))
    loan_id = global_id("Loan", key_of(investor.id))
    wrong_type = await create_product(client, operator, **cover(loan_id))
    unknown = await create_product(client, operator, **cover(missing_id("Participant")))
    # an insurer that offered nothing yet; then one whose offer covers less, or another kind
    no_offer = await create_product(client, operator, **cover(insurer.id))
    offered = await publish(
        client, key, "half", kind="INSURANCE", share="0.5", maxLoanAmount="20000.00"
    )
    too_much = await create_product(client, operator, **cover(insurer.id))
    too_large = await create_product(client, operator, **cover(insurer.id, share="0.5"))
    as_guarantor = await create_product(client, operator, **cover(insurer.id, "GUARANTEE", "0.5"))
    # nobody but an insurer offers insurance, and an insurer's key needs policies:write
    by_investor = await publish(client, investor.token or "", "x", kind="INSURANCE", share="1")
    _, narrow_key = await provider(app, client, operator, "INSURER", ["WALLET_READ"])
    by_narrow_key = await publish(client, narrow_key, "y", kind="INSURANCE", share="1")

    for refused in (attack, raw_uuid, wrong_type, unknown, no_offer, as_guarantor):
        assert refused["product"] is None
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [
            ("INVALID_INPUT", "cover.providerId")
        ], refused
    assert {(e["code"], e["field"]) for e in with_other_faults["errors"]} == {
        ("INVALID_INPUT", "minRate"),
        ("INVALID_INPUT", "cover.providerId"),
    }  # every fault at once
    assert offered["errors"] == []
    assert [(e["code"], e["field"]) for e in too_much["errors"]] == [
        ("INVALID_INPUT", "cover.share")
    ]
    assert [(e["code"], e["field"]) for e in too_large["errors"]] == [
        ("INVALID_INPUT", "maxAmount")
    ]
    assert by_investor["errors"][0]["code"] == "FORBIDDEN"
    assert by_narrow_key["errors"][0]["code"] == "FORBIDDEN"
    assert await _rows(app, LoanProductRow) == []
    assert len(await _rows(app, CoverOfferRow)) == 1


async def test_an_insurers_own_cover_offer_attached_to_a_product_pays_a_default_as_insurance(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    clock = now_clock()
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    insurer, key = await provider(app, client, operator, "INSURER", ["POLICIES_WRITE"])
    assert insurer.id
    sessions = app.state.services.stores.sessions
    await fund_wallet(sessions, clock, key_of(insurer.id), 10_000_000)
    offer = (await publish(client, key, "credit-2026", kind="INSURANCE", share="0.5"))["offer"]
    replay = (await publish(client, key, "credit-2026", kind="INSURANCE", share="0.5"))["offer"]
    created = await create_product(
        client, operator, cover={"kind": "INSURANCE", "share": "0.5", "providerId": insurer.id}
    )
    loan_id, investors = await sold_loan(app, client, clock, created["product"]["id"], "ins")

    await default(app, loan_id)

    assert replay["id"] == offer["id"]
    assert (offer["providerId"], offer["status"]) == (insurer.id, "OPEN")
    assert created["product"]["cover"] == {
        "kind": "INSURANCE",
        "share": "0.5",
        "providerId": insurer.id,
        "offerId": offer["id"],
    }
    received = [
        (await gql(client, RECEIVED, token=i.token))["data"]["repaymentsReceived"]
        for i in investors
    ]
    assert received == [
        [{"loanId": loan_id, "kind": "INSURANCE", "principal": {"amount": "3000.00"}}],
        [{"loanId": loan_id, "kind": "INSURANCE", "principal": {"amount": "2000.00"}}],
    ]
    assert (await wallet(sessions, key_of(insurer.id))).available.minor == 10_000_000 - 500_000
    async with sessions() as session:
        [event] = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.loan_defaulted")
            )
        ).all()
    assert (event.payload["paid_by"], event.payload["shortfall"]) == ("INSURANCE", 0)
    assert await ledger_consistent(app)


async def test_a_withdrawn_cover_keeps_sold_loans_covered_and_takes_no_new_ones(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    clock = now_clock()
    operator = await create_person(app, "Operator", roles=["OPERATOR"])
    guarantor, key = await provider(app, client, operator, "GUARANTOR", ["GUARANTEES_WRITE"])
    assert guarantor.id
    sessions = app.state.services.stores.sessions
    await fund_wallet(sessions, clock, key_of(guarantor.id), 10_000_000)
    offer = (await publish(client, key, "g1", kind="GUARANTEE", share="0.8"))["offer"]
    created = await create_product(
        client, operator, cover={"kind": "GUARANTEE", "share": "0.8", "providerId": guarantor.id}
    )
    product_id = created["product"]["id"]
    sold, investors = await sold_loan(app, client, clock, product_id, "sold")
    waiting = await verified_borrower(app, "Waiting")
    approved = await apply(client, waiting, product_id)

    withdrawn = await gql(client, WITHDRAW, {"id": offer["id"]}, token=key)
    accepted = await gql(
        client, ACCEPT, {"id": approved["application"]["id"], "key": "late"}, token=waiting.token
    )
    again = await apply(client, await verified_borrower(app, "Late"), product_id)
    reattached = await create_product(
        client,
        operator,
        code="AGAIN",
        cover={"kind": "GUARANTEE", "share": "0.8", "providerId": guarantor.id},
    )
    await default(app, sold)

    assert withdrawn["data"]["withdrawCoverOffer"]["offer"]["status"] == "WITHDRAWN"
    assert accepted["data"]["acceptLoanOffer"]["errors"][0]["code"] == "APPLICATION_REFUSED"
    assert again["errors"][0]["code"] == "APPLICATION_REFUSED"
    assert reattached["errors"][0]["field"] == "cover.providerId"
    received = (await gql(client, RECEIVED, token=investors[0].token))["data"]
    assert received["repaymentsReceived"] == [
        {"loanId": sold, "kind": "GUARANTEE", "principal": {"amount": "4800.00"}}
    ]
    assert (await wallet(sessions, key_of(guarantor.id))).available.minor == 10_000_000 - 800_000
    assert await ledger_consistent(app)


ENUMS = """query { role: __type(name: "Role") { enumValues { name description } }
  scope: __type(name: "Scope") { enumValues { name description } } }"""


async def test_roles_and_scopes_with_nothing_behind_them_say_they_are_reserved(
    client: httpx.AsyncClient,
) -> None:
    found = (await gql(client, ENUMS))["data"]
    described = {
        v["name"]: v["description"] or ""
        for kind in ("role", "scope")
        for v in found[kind]["enumValues"]
    }

    assert described["CORE_ENTERPRISE"].startswith("Reserved for a later capability")
    assert "publishCoverOffer" in described["POLICIES_WRITE"]
    assert "publishCoverOffer" in described["GUARANTEES_WRITE"]
    assert "publishCoverOffer" in described["GUARANTOR"]
