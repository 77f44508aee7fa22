"""Receivables: registration on a core enterprise, the platform-wide fingerprint, confirmation
or rejection, dilution refused once confirmed, payables totals, and splits down the chain."""

from __future__ import annotations

import asyncio

import pytest

from domain.actors import NotFound
from domain.clock import FixedClock
from domain.errors import DomainError, InvalidInput
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.supply_chain.errors import (
    BusinessLicenseRequired,
    DilutionRefused,
    DuplicateInvoice,
    NotACoreEnterprise,
    ReceivableStateConflict,
    RegistrationNumberMismatch,
    SplitRefused,
    SupplierNotEligible,
)
from domain.supply_chain.services import confirmations, invoices, reads
from support.lending_world import participant
from support.supply_chain import (
    LICENCES,
    Sessions,
    cny,
    company_accounts,
    confirm,
    confirmed,
    core,
    invoice,
    licence_number,
    register,
    split,
    submit_licence,
    supplier,
    unverified_business,
)


async def test_a_confirmed_invoice_issues_a_certificate_to_its_supplier(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    view = await register(sessions, clock, seller, invoice(buyer, clock, 500_000_00))
    assert view.receivable.state == "SUBMITTED"
    assert view.certificates == ()

    done = await confirm(sessions, clock, buyer, view.receivable.id)

    assert done.receivable.state == "CONFIRMED"
    [certificate] = done.certificates
    assert (certificate.state, certificate.amount) == ("HELD", 500_000_00)
    assert certificate.holder_id == seller.participant_id
    assert certificate.due_on == view.receivable.due_on
    async with sessions() as session:
        [total] = await reads.confirmed_payables(session, buyer_id=buyer.participant_id)
    assert (total.amount, total.certificates, total.overdue) == (500_000_00, 1, 0)


async def test_only_a_verified_business_invoices_only_a_core_enterprise(
    sessions: Sessions, clock: FixedClock
) -> None:
    buyer = await core(sessions, clock)
    person = await participant(sessions, clock, {Role.BORROWER})
    other = await supplier(sessions, clock)
    with pytest.raises(SupplierNotEligible):
        await register(sessions, clock, person, invoice(buyer, clock))
    with pytest.raises(NotACoreEnterprise):
        await register(sessions, clock, other, invoice(await supplier(sessions, clock), clock))


async def test_the_same_invoice_is_refused_whichever_account_of_the_company_submits_it(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, other = await company_accounts(sessions, clock, 2)
    buyer = await core(sessions, clock)
    licence = LICENCES[seller.participant_id]  # type: ignore[index]
    await register(sessions, clock, seller, invoice(buyer, clock, number="INV-2026-0042"))

    # the invoice number and the licence number as each account types them
    typed = (
        (seller, "INV-2026-0042", licence),
        (other, "inv 2026 0042", licence.lower()),
        (other, "INV2026/0042", f" {licence[:9]} {licence[9:]} "),
        (seller, "ＩＮＶ２０２６００４２", "-".join(licence)),
    )
    for who, number, registration in typed:
        with pytest.raises(DuplicateInvoice):
            await register(
                sessions,
                clock,
                who,
                invoice(buyer, clock, number=number, registration=registration),
            )


async def test_a_registration_number_other_than_the_verified_licence_is_refused(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, other_company, buyer = (
        await supplier(sessions, clock),
        await supplier(sessions, clock),
        await core(sessions, clock),
    )
    await register(sessions, clock, seller, invoice(buyer, clock, number="INV-77"))
    theirs = LICENCES[seller.participant_id]  # type: ignore[index]

    # another number (the fraud's variation), and another company's licence: both refused
    for who, registration in ((seller, licence_number()), (other_company, theirs)):
        with pytest.raises(RegistrationNumberMismatch) as refused:
            await register(
                sessions,
                clock,
                who,
                invoice(buyer, clock, number="INV-77", registration=registration),
            )
        assert refused.value.field == "registration_number"
    async with sessions() as session:
        mine = await reads.my_receivables(session, seller)
    assert len(mine) == 1


async def test_a_business_without_a_verified_licence_is_refused_its_own_code(
    sessions: Sessions, clock: FixedClock
) -> None:
    buyer = await core(sessions, clock)
    pending = await unverified_business(sessions, clock)
    await submit_licence(sessions, clock, pending, licence_number())
    never = await unverified_business(sessions, clock)
    # verified at business level without a licence on record (as a level set by hand)
    levelled = await participant(
        sessions, clock, {Role.MERCHANT}, kind=ParticipantKind.BUSINESS, kyc_level=2
    )

    for who in (pending, never, levelled):
        with pytest.raises(BusinessLicenseRequired) as refused:
            await register(sessions, clock, who, invoice(buyer, clock))
        assert refused.value.code == "BUSINESS_LICENSE_REQUIRED"
    async with sessions() as session:
        waiting = await reads.invoices_to_confirm(session, buyer)
    assert waiting == []


async def test_concurrent_double_submissions_register_one_invoice(
    sessions: Sessions, clock: FixedClock
) -> None:
    buyer = await core(sessions, clock)
    sellers = await company_accounts(sessions, clock, 3)
    same = invoice(buyer, clock, number="INV-RACE-1")

    async def attempt(n: int) -> str:
        try:
            await register(sessions, clock, sellers[n % 3], same, idem=f"race-{n}")
        except DomainError as error:
            return error.code
        return "OK"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(12)))

    assert outcomes.count("OK") == 1
    assert outcomes.count(DuplicateInvoice.code) == 11


async def test_a_rejected_invoice_may_be_registered_again(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    new = invoice(buyer, clock, number="INV-R-1")
    view = await register(sessions, clock, seller, new)
    async with sessions() as session:
        rejected = await confirmations.reject_invoice(
            session=session,
            clock=clock,
            actor=buyer,
            receivable_id=view.receivable.id,
            reason="no goods received under PO-2026-77",
        )
        await session.commit()
    assert (rejected.receivable.state, rejected.receivable.reason) == (
        "REJECTED",
        "no goods received under PO-2026-77",
    )
    with pytest.raises(ReceivableStateConflict):
        await confirm(sessions, clock, buyer, view.receivable.id)

    again = await register(sessions, clock, seller, new)
    assert again.receivable.state == "SUBMITTED"


async def test_credit_notes_reduce_a_submitted_invoice_and_are_refused_once_confirmed(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    view = await register(sessions, clock, seller, invoice(buyer, clock, 100_000_00))

    async def credit(amount: int) -> None:
        async with sessions() as session:
            await invoices.apply_credit_note(
                session=session,
                clock=clock,
                actor=seller,
                receivable_id=view.receivable.id,
                amount=cny(amount),
                reason="two coils returned",
            )
            await session.commit()

    await credit(10_000_00)
    done = await confirm(sessions, clock, buyer, view.receivable.id)
    assert done.certificates[0].amount == 90_000_00
    with pytest.raises(DilutionRefused):
        await credit(1_00)


async def test_only_the_buyer_decides_and_others_see_nothing(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer, stranger = (
        await supplier(sessions, clock),
        await core(sessions, clock),
        await core(sessions, clock),
    )
    view = await register(sessions, clock, seller, invoice(buyer, clock))
    with pytest.raises(NotFound):
        await confirm(sessions, clock, stranger, view.receivable.id)
    async with sessions() as session:
        with pytest.raises(NotFound):
            await reads.receivable(session, stranger, view.receivable.id)


async def test_a_supplier_pays_its_own_supplier_with_part_of_a_certificate(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, tier2, buyer = (
        await supplier(sessions, clock),
        await supplier(sessions, clock),
        await core(sessions, clock),
    )
    view = await confirmed(sessions, clock, seller, buyer, 1_000_000_00)
    [whole] = view.certificates

    done = await split(sessions, clock, seller, whole.id, [(tier2, 300_000_01)])

    assert done.certificate.state == "SPLIT"
    given, kept = done.parts
    assert (given.holder_id, given.amount) == (tier2.participant_id, 300_000_01)
    assert (kept.holder_id, kept.amount) == (seller.participant_id, 699_999_99)
    assert given.due_on == kept.due_on == whole.due_on
    async with sessions() as session:
        [total] = await reads.confirmed_payables(session, buyer_id=buyer.participant_id)
    assert total.amount == 1_000_000_00  # the undertaking is unchanged by who holds it
    with pytest.raises(SplitRefused):  # SPLIT is final
        await split(sessions, clock, seller, whole.id, [(tier2, 1_00)])
    with pytest.raises(SplitRefused):
        await split(sessions, clock, tier2, given.id, [(seller, 300_000_02)])


async def test_bad_invoices_are_refused_with_every_field(
    sessions: Sessions, clock: FixedClock
) -> None:
    seller, buyer = await supplier(sessions, clock), await core(sessions, clock)
    new = invoice(buyer, clock, 0, number=" ", days=-1)
    with pytest.raises(InvalidInput) as refused:
        await register(sessions, clock, seller, new)
    assert {"amount", "invoice_number", "due_on"} <= {
        v.field
        for v in refused.value.violations  # type: ignore[attr-defined]
    }
