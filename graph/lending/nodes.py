"""Loans, notes, matches, note sales, applications, products, funding offers and auto-invest
rules as nodes: each read by the use case of its own query (or of the field that shows it),
in one batch per type."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from domain.errors import DomainError
from domain.lending.services import (
    applications,
    auto_invest,
    cover_offers,
    funding_offers,
)
from domain.lending.services import define_products as products
from domain.lending.services.note_sale_listings import NoteSaleFilter, open_note_sales
from domain.lending.services.portfolio import note_holder, visible_loans
from domain.lending.services.reads import matches_by_id, notes_by_id
from domain.lending.tables import Loan as LoanRow
from domain.lending.tables import LoanMatch as LoanMatchRow
from graph.context import Info
from graph.lending.applications import LoanApplication
from graph.lending.auto_invest import AutoInvestRule
from graph.lending.borrowing import application_view
from graph.lending.covers import CoverOffer
from graph.lending.loans import Loan, LoanMatch, LoanNote, shown_matches
from graph.lending.market import NoteSale
from graph.lending.offers import FundingOffer
from graph.lending.products import LoanProduct
from graph.nodes import in_key_order, register_node
from graph.relay import to_global_id


async def _loans(info: Info, keys: list[UUID]) -> list[Loan | None]:
    async with info.context.db() as session:
        rows = await visible_loans(
            session, actor=info.context.actor, now=info.context.clock.now(), ids=keys
        )
    return in_key_order(keys, rows, Loan.of)


async def _notes(info: Info, keys: list[UUID]) -> list[LoanNote | None]:
    """A note shows to its holder (portfolio) and to whoever sees its loan (Loan.notes)."""
    actor = info.context.actor
    try:
        holder = note_holder(actor)
    except DomainError:
        holder = None
    async with info.context.db() as session:
        found = await notes_by_id(session, keys)
        loans = {
            loan.id
            for loan in await visible_loans(
                session,
                actor=actor,
                now=info.context.clock.now(),
                ids=sorted({note.loan_id for note, _ in found}),
            )
        }
    shown = [(n, loan) for n, loan in found if n.holder_id == holder or n.loan_id in loans]
    return in_key_order(keys, shown, lambda f: LoanNote.of(f[0], f[1].currency), lambda f: f[0].id)


async def _matches(info: Info, keys: list[UUID]) -> list[LoanMatch | None]:
    """A match shows as its loan's `matches` shows it, to whoever sees the loan."""
    actor = info.context.actor
    async with info.context.db() as session:
        found = await matches_by_id(session, keys)
        loans = {
            loan.id
            for loan in await visible_loans(
                session,
                actor=actor,
                now=info.context.clock.now(),
                ids=sorted({match.loan_id for match, _ in found}),
            )
        }
    by_loan: defaultdict[UUID, list[tuple[LoanMatchRow, LoanRow]]] = defaultdict(list)
    for match, loan in found:
        if loan.id in loans:
            by_loan[loan.id].append((match, loan))
    shown = [
        view
        for pairs in by_loan.values()
        for view in shown_matches(actor, pairs[0][1], [match for match, _ in pairs])
    ]
    return in_key_order([to_global_id("LoanMatch", k) for k in keys], shown, lambda m: m)


async def _sales(info: Info, keys: list[UUID]) -> list[NoteSale | None]:
    actor = info.context.actor
    async with info.context.db() as session:
        rows = await open_note_sales(
            session, actor=actor, filters=NoteSaleFilter(), limit=len(keys), ids=keys
        )
    return in_key_order(
        keys, rows, lambda r: NoteSale.of(r, actor.participant_id), lambda r: r.sale.id
    )


async def _applications(info: Info, keys: list[UUID]) -> list[LoanApplication | None]:
    found: list[LoanApplication | None] = []
    async with info.context.db() as session:
        for key in keys:
            try:
                row = await applications.own_application(session, info.context.actor, key)
            except DomainError:
                found.append(None)
                continue
            found.append(await application_view(session, info, row))
    return found


async def _products(info: Info, keys: list[UUID]) -> list[LoanProduct | None]:
    async with info.context.db() as session:
        rows = await products.current_products(session)
    return in_key_order(keys, rows, LoanProduct.of)


async def _offers(info: Info, keys: list[UUID]) -> list[FundingOffer | None]:
    async with info.context.db() as session:
        rows = await funding_offers.my_funding_offers(session, actor=info.context.actor)
    return in_key_order(keys, rows, FundingOffer.of)


async def _rules(info: Info, keys: list[UUID]) -> list[AutoInvestRule | None]:
    async with info.context.db() as session:
        rows = await auto_invest.my_auto_invest_rules(session, actor=info.context.actor)
    return in_key_order(keys, rows, AutoInvestRule.of)


async def _cover_offers(info: Info, keys: list[UUID]) -> list[CoverOffer | None]:
    async with info.context.db() as session:
        rows = await cover_offers.cover_offers(session, actor=info.context.actor)
    return in_key_order(keys, rows, CoverOffer.of)


register_node("Loan", Loan, _loans)
register_node("LoanNote", LoanNote, _notes)
register_node("LoanMatch", LoanMatch, _matches)
register_node("NoteSale", NoteSale, _sales)
register_node("LoanApplication", LoanApplication, _applications)
register_node("LoanProduct", LoanProduct, _products)
register_node("FundingOffer", FundingOffer, _offers)
register_node("AutoInvestRule", AutoInvestRule, _rules)
register_node("CoverOffer", CoverOffer, _cover_offers)
