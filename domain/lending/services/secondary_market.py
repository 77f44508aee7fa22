"""The secondary market: a holder lists a note within the product's price bounds; another
investor buys it, the seller paying the transfer fee; future repayments go to the buyer.
Until it is bought, the seller may take the note off the market. A maturing lending plan
lists its notes through the same `offer_note`, and what it does not sell the platform's book
buys through the same settlement (`sell_to_platform_book`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import AccountKey, KeyedLeg, post_by_key
from domain.lending.accrual import accrued_interest
from domain.lending.debt_transfer import (
    TransferRules,
    TransferSettlement,
    price_bounds,
    transfer_fee,
)
from domain.lending.distribution import NoteHolding, ReceivedRepayment, distribute_repayment
from domain.lending.errors import FundingRefused, SaleNotOpen
from domain.lending.services.accounts import platform_book_key, revenue_key
from domain.lending.services.note_sale_listings import NoteSaleListing, listing_of
from domain.lending.services.platform_book import (
    PLATFORM,
    check_book_room,
    platform_participant,
)
from domain.lending.services.product_terms import product_of
from domain.lending.services.receive_repayment import live_notes
from domain.lending.states import LoanState, NoteStatus
from domain.lending.tables import Loan, LoanInstallment, LoanNote, LoanProductRow, NoteSale
from domain.money import Money
from domain.participants.roles import Role
from domain.wallets.services.accounts import wallet_key

TRANSFER_FEE = "transfer_fee"


async def _rules(session: AsyncSession, loan: Loan) -> TransferRules:
    row = await session.get(LoanProductRow, loan.product_id)
    assert row is not None
    rules = product_of(row).transfer
    if rules is None:
        raise FundingRefused("this product's notes cannot be resold", field="note_id")
    return rules


async def accrued_on_note(session: AsyncSession, loan: Loan, note: LoanNote, on: date) -> int:
    """Interest the holder has earned in the current period and not yet received."""
    rows = (
        await session.exec(
            select(LoanInstallment)
            .where(col(LoanInstallment.loan_id) == loan.id)
            .order_by(col(LoanInstallment.number))
        )
    ).all()
    current = next((r for r in rows if r.paid_at is None), None)
    if current is None or loan.disbursed_at is None:
        return 0
    previous = [r.due_date for r in rows if r.number == current.number - 1]
    start = previous[0] if previous else loan.disbursed_at.astimezone(UTC).date()
    notes = await live_notes(session, loan.id)
    shares = distribute_repayment(
        ReceivedRepayment(principal=0, interest=current.interest_due - current.interest_paid),
        [
            NoteHolding(
                str(n.id), str(n.holder_id), n.principal - n.principal_received, n.annual_rate
            )
            for n in notes
        ],
        borrower_rate=loan.borrower_rate,
    )
    mine = next(p.interest for p in shares.payouts if p.note_id == str(note.id))
    return accrued_interest(mine, period_start=start, due_date=current.due_date, on=on)


async def list_note_for_sale(
    *, session: AsyncSession, clock: Clock, actor: Actor, note_id: UUID, price: Money
) -> NoteSale:
    """Offer your note at `price`, within the product's bounds on the day."""
    seller_id = actor.require_person()
    note = await session.get(LoanNote, note_id, with_for_update=True)
    if note is None or note.holder_id != seller_id:
        raise NotFound("no such note", field="note_id")
    loan = await session.get(Loan, note.loan_id)
    assert loan is not None
    if price.currency != loan.currency:
        raise InvalidInput(f"the note is in {loan.currency}", field="price")
    return await offer_note(session, note=note, loan=loan, price=price.minor, now=clock.now())


async def resellable(session: AsyncSession, loan: Loan) -> bool:
    """Whether the loan's product lets its notes be resold at all."""
    row = await session.get(LoanProductRow, loan.product_id)
    assert row is not None
    return product_of(row).transfer is not None


async def fair_price(session: AsyncSession, loan: Loan, note: LoanNote, now: datetime) -> int:
    """A note's fair value today (its outstanding principal plus the interest accrued in the
    current period), brought within the product's price bounds when it has any."""
    row = await session.get(LoanProductRow, loan.product_id)
    assert row is not None
    rules = product_of(row).transfer
    outstanding = note.principal - note.principal_received
    fair = outstanding + await accrued_on_note(session, loan, note, now.astimezone(UTC).date())
    if rules is None:
        return fair
    bounds = price_bounds(outstanding, fair - outstanding, rules)
    return max(bounds.low, min(fair, bounds.high))


async def sell_to_platform_book(
    session: AsyncSession, *, note: LoanNote, loan: Loan, now: datetime
) -> LoanNote:
    """The platform's book buys `note` (locked, ACTIVE, of an ACTIVE loan; a maturing
    lending plan's note nobody bought) at its fair value today, the seller paying the
    product's transfer fee (none if its notes cannot be resold): an open sale of it, priced
    before a repayment perhaps, is cancelled first. Its money leaves the book's account as
    when it lends, and the note is the book's (funder_kind PLATFORM). PlatformBookFull,
    nothing changed, when the book cannot take the note (platform_book.check_book_room)."""
    await check_book_room(session, loan=loan, principal=note.principal - note.principal_received)
    found = await session.exec(
        select(NoteSale)
        .where(col(NoteSale.note_id) == note.id, col(NoteSale.status) == "OPEN")
        .with_for_update()
    )
    for stale in found.all():
        stale.status = "CANCELLED"
        session.add(stale)
    await session.flush()  # the one open sale a note may have is this one, from now
    row = await session.get(LoanProductRow, loan.product_id)
    assert row is not None
    rules = product_of(row).transfer
    price = await fair_price(session, loan, note, now)
    sale = NoteSale(
        note_id=note.id,
        seller_id=note.holder_id,
        price=price,
        transfer_fee=0 if rules is None else transfer_fee(price, rules),
        status="OPEN",
        created_at=now,
    )
    session.add(sale)
    await session.flush()
    buyer_id = await platform_participant(session, now=now)
    return await transfer_sold_note(
        session,
        sale=sale,
        note=note,
        loan=loan,
        buyer=platform_book_key(loan.currency),
        buyer_id=buyer_id,
        funder_kind=PLATFORM,
        now=now,
    )


async def withdraw_open_sales(session: AsyncSession, holder_id: UUID) -> None:
    """Every open sale of `holder_id`'s notes off the market (a lending plan's or its early
    exit's, once what is left is held to maturity or its loan closed or defaulted)."""
    stale = await session.exec(
        select(NoteSale)
        .join(LoanNote, col(LoanNote.id) == col(NoteSale.note_id))
        .where(col(LoanNote.holder_id) == holder_id, col(NoteSale.status) == "OPEN")
        .with_for_update(of=NoteSale)
    )
    for sale in stale.all():
        sale.status = "CANCELLED"
        session.add(sale)


async def offer_note(
    session: AsyncSession, *, note: LoanNote, loan: Loan, price: int, now: datetime
) -> NoteSale:
    """The market's one way onto it: `note` (locked, its holder the seller) offered at
    `price`, which must be within the product's bounds today. Investors list through
    list_note_for_sale; a maturing lending plan lists its notes here too."""
    if note.status != NoteStatus.ACTIVE.value or loan.state != LoanState.ACTIVE.value:
        raise FundingRefused("only a note of a loan being repaid can be sold", field="note_id")
    rules = await _rules(session, loan)
    outstanding = note.principal - note.principal_received
    accrued = await accrued_on_note(session, loan, note, now.astimezone(UTC).date())
    bounds = price_bounds(outstanding, accrued, rules)
    if not bounds.admits(price):
        low, high = Money(bounds.low, loan.currency).text(), Money(bounds.high, loan.currency)
        raise InvalidInput(f"must be within {low}..{high.text()} today", field="price")
    open_sale = await session.exec(
        select(NoteSale).where(col(NoteSale.note_id) == note.id, col(NoteSale.status) == "OPEN")
    )
    if open_sale.first() is not None:
        raise FundingRefused("the note is already for sale", field="note_id")
    sale = NoteSale(
        note_id=note.id,
        seller_id=note.holder_id,
        price=price,
        transfer_fee=transfer_fee(price, rules),
        status="OPEN",
        created_at=now,
    )
    session.add(sale)
    await session.flush()
    return sale


async def cancel_note_sale(
    *, session: AsyncSession, clock: Clock, actor: Actor, sale_id: UUID
) -> NoteSale:
    """Take your note off the market; a sale already bought or cancelled stays as it is."""
    seller_id = actor.require_person()
    # Locked as a purchase locks it: a cancel and a purchase racing for one sale are decided
    # one after the other, and only one of them finds it OPEN.
    sale = await session.get(NoteSale, sale_id, with_for_update=True)
    if sale is None or sale.seller_id != seller_id:
        raise NotFound("no such note on sale", field="sale_id")
    if sale.status != "OPEN":
        raise SaleNotOpen(f"the sale is {sale.status.lower()}", field="sale_id")
    sale.status = "CANCELLED"
    await session.flush()
    record(
        session,
        actor=actor,
        action="lending.cancel_note_sale",
        outcome=Outcome.SUCCESS,
        at=clock.now(),
        target_type="NoteSale",
        target_id=sale.id,
        details={"note_id": str(sale.note_id)},
    )
    return sale


async def transfer_sold_note(
    session: AsyncSession,
    *,
    sale: NoteSale,
    note: LoanNote,
    loan: Loan,
    buyer: AccountKey,
    buyer_id: UUID,
    funder_kind: str,
    now: datetime,
) -> LoanNote:
    """The market's one settlement (`sale` OPEN and `note` ACTIVE, both locked): the buyer's
    account pays the seller the price less the transfer fee and the fee to revenue, in one
    journal; the buyer gets a note for what is outstanding, the sold note is SOLD. Investors
    buy with their wallet; the platform's book buys what a maturing plan could not sell."""
    # The fee the sale was listed with: the price the seller agreed to, less it.
    settlement = TransferSettlement(sale.price, sale.transfer_fee, sale.price - sale.transfer_fee)
    seller = wallet_key(sale.seller_id, loan.currency)
    tag = {"note": str(note.id), "sale": str(sale.id)}
    legs = [KeyedLeg(buyer, seller, settlement.seller_receives, "NOTE_SALE", tag)]
    if settlement.fee:
        revenue = revenue_key(TRANSFER_FEE, loan.currency)
        legs.append(KeyedLeg(buyer, revenue, settlement.fee, "TRANSFER_FEE", tag))
    await post_by_key(session, legs=legs, now=now, journal_id=uuid4())
    bought = LoanNote(
        loan_id=loan.id,
        holder_id=buyer_id,
        funder_kind=funder_kind,
        source_id=sale.id,
        principal=note.principal - note.principal_received,
        annual_rate=note.annual_rate,
        status=NoteStatus.ACTIVE.value,
        created_at=now,
    )
    session.add(bought)
    note.status = NoteStatus.SOLD.value
    sale.status, sale.buyer_id, sale.sold_at = "SOLD", buyer_id, now
    await session.flush()
    return bought


@dataclass(frozen=True, slots=True)
class SaleKept(StoredAnswer):
    """What a purchase's key keeps: the buyer's new note and the sale."""

    note_id: UUID
    sale_id: UUID


@dataclass(frozen=True, slots=True)
class ListedNoteBought:
    """A note bought on sale (first or replayed): the buyer's new note, and the sale with the
    sold note and its loan as they are now."""

    note_id: UUID
    listing: NoteSaleListing


async def buy_listed_note(
    *, session: AsyncSession, clock: Clock, actor: Actor, sale_id: UUID, idempotency_key: str
) -> ListedNoteBought:
    """Buy a note on sale: the seller is paid (less the fee) and the note becomes yours."""
    buyer_id = actor.require_person()
    actor.require_role(Role.INVESTOR)

    async def execute() -> SaleKept:
        now = clock.now()
        sale = await session.get(NoteSale, sale_id, with_for_update=True)
        if sale is None or sale.status != "OPEN":
            raise NotFound("no such note on sale", field="sale_id")
        if sale.seller_id == buyer_id:
            raise FundingRefused("you cannot buy your own note", field="sale_id")
        note = await session.get(LoanNote, sale.note_id, with_for_update=True)
        assert note is not None
        loan = await session.get(Loan, note.loan_id)
        assert loan is not None
        if note.status != NoteStatus.ACTIVE.value or loan.state != LoanState.ACTIVE.value:
            raise FundingRefused("the note can no longer be sold", field="sale_id")
        bought = await transfer_sold_note(
            session,
            sale=sale,
            note=note,
            loan=loan,
            buyer=wallet_key(buyer_id, loan.currency),
            buyer_id=buyer_id,
            funder_kind="INVESTOR",
            now=now,
        )
        return SaleKept(note_id=bought.id, sale_id=sale.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="lending.buy_listed_note",
        request={"sale": str(sale_id)},
        execute=execute,
        answer=SaleKept,
    )
    sale = await session.get(NoteSale, answer.sale_id)  # just written, or as it is now
    assert sale is not None  # sales are never deleted
    return ListedNoteBought(note_id=answer.note_id, listing=await listing_of(session, sale))
