"""Debt transfer (债权转让): each day an investor sells a note of a loan being repaid at its
outstanding principal, and another investor buys it; the seller pays the transfer fee."""

from __future__ import annotations

from sqlmodel import col, select

from api.demo.scenes.lending import cast_of
from api.demo.world import CURRENCY, Member, World
from domain.lending.services.secondary_market import buy_listed_note, list_note_for_sale
from domain.lending.states import LoanState, NoteStatus
from domain.lending.tables import Loan, LoanNote
from domain.money import Money


class SecondaryMarketScene:
    name = "secondary_market"
    order = 20

    async def setup(self, world: World) -> None:
        return None

    async def day(self, world: World, day: int) -> None:
        investors = cast_of(world).investors
        world.at(day, 14)
        seller = world.rng.choice(investors)
        note = await a_note_of(world, seller)
        if note is None:
            return
        outstanding = note.principal - note.principal_received
        sale = await world.attempt(
            lambda session: list_note_for_sale(
                session=session,
                clock=world.clock,
                actor=seller.actor,
                note_id=note.id,
                price=Money(outstanding, CURRENCY),
            )
        )
        if sale is None:
            return
        buyer = world.rng.choice([i for i in investors if i is not seller])
        world.at(day, 14, 30)
        bought = await world.attempt(
            lambda session: buy_listed_note(
                session=session,
                clock=world.clock,
                actor=buyer.actor,
                sale_id=sale.id,
                idempotency_key=world.key("secondary"),
            )
        )
        if bought is not None:
            world.volume["secondary market"] += outstanding
            world.story["notes resold"] += 1


async def a_note_of(world: World, holder: Member) -> LoanNote | None:
    """The holder's oldest note of a loan being repaid."""
    async with world.sessions() as session:
        found = await session.exec(
            select(LoanNote)
            .join(Loan, col(Loan.id) == col(LoanNote.loan_id))
            .where(
                col(LoanNote.holder_id) == holder.id,
                col(LoanNote.status) == NoteStatus.ACTIVE.value,
                col(Loan.state) == LoanState.ACTIVE.value,
            )
            # ids are random: order by what the story decided, so a seed replays the same
            .order_by(col(Loan.disbursed_at), col(Loan.principal), col(LoanNote.principal))
        )
        return found.first()


SCENE = SecondaryMarketScene()
