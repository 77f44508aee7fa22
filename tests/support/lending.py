"""Lending test helpers: a verified borrower, a partner bank with an API key, and GraphQL
documents."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from starlette.applications import Starlette

from support.security import Caller, create_key, create_person, granted, key_of


async def verified_borrower(app: Starlette, name: str = "Borrower") -> Caller:
    """A signed-in borrower whose identity the operator verified."""
    borrower = await create_person(app, name, roles=["BORROWER"])
    assert borrower.id
    async with app.state.services.stores.sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE participant SET kyc_level = 1, kyc_status = 'VERIFIED' WHERE id = :id"),
            {"id": key_of(borrower.id)},
        )
        await session.commit()
    return borrower


async def partner_bank(
    app: Starlette, client: httpx.AsyncClient, operator: Caller, name: str = "Bank"
) -> tuple[Caller, str]:
    """(the bank signed in, an API key secret with offers:read and offers:write)."""
    applicant = await create_person(app, name, roles=["INVESTOR"], kind="BUSINESS")
    bank = await granted(app, client, operator, applicant, "PARTNER_BANK")
    _, secret = await create_key(client, bank, ["OFFERS_READ", "OFFERS_WRITE", "WALLET_READ"])
    return bank, secret


OFFER_FIELDS = """
  id status version capacity { amount currency } committed { amount }
  rateFloor spread grades minTermMonths maxTermMonths minAmount { amount }
  maxAmount { amount } perBorrowerCap { amount } expiresAt
"""

CREATE_OFFER = f"""
mutation CreateOffer($input: FundingOfferInput!, $key: String!) {{
  createFundingOffer(input: $input, idempotencyKey: $key) {{
    offer {{ {OFFER_FIELDS} }} errors {{ code field message }}
  }}
}}
"""


def offer_input(**changes: object) -> dict[str, object]:
    terms: dict[str, object] = {
        "currency": "CNY",
        "capacity": "1000000.00",
        "rateFloor": "0.06",
        "grades": ["A", "B", "C"],
        "minTermMonths": 3,
        "maxTermMonths": 24,
        "minAmount": "1000.00",
        "maxAmount": "50000.00",
        "perBorrowerCap": "20000.00",
    }
    terms.update(changes)
    return terms
