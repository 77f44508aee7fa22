"""The demo's people and machine clients, made as the API makes them: sign-up (or the
operator's grant), identity verification decided by the operator, API keys, top-ups."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from api.demo.world import CURRENCY, Member, World
from domain.actors import Actor, ActorKind
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.kyc import DocumentType, KycDecision
from domain.participants.roles import SELF_SERVICE_ROLES, Role, Scope
from domain.participants.services.api_keys import create_api_key
from domain.participants.services.kyc_submissions import decide_kyc, submit_kyc
from domain.participants.services.registration import register
from domain.wallets.rails import RailMethod, SimulatedRail
from domain.wallets.services.movements import deposit


async def member(
    world: World,
    stem: str,
    name: str,
    roles: set[Role],
    *,
    business: bool = False,
    verified: bool = True,
    licence: str = "",
) -> Member:
    """A participant signed up with `roles` (granted by the operator where sign-up may not
    take them) and, if `verified`, with an identity document the operator verified: its
    business `licence` where one is given, a passport otherwise."""
    email = world.email(stem)
    self_service = roles <= SELF_SERVICE_ROLES

    async def sign_up(session: AsyncSession) -> Member:
        person = await register(
            session=session,
            clock=world.clock,
            actor=Actor.anonymous() if self_service else Actor.system(),
            hasher=world.hasher,
            kind=ParticipantKind.BUSINESS if business else ParticipantKind.PERSON,
            display_name=name,
            email=email,
            phone=None,
            password=world.password,
            roles=frozenset(roles),
        )
        actor = Actor(ActorKind.PERSON, participant_id=person.id, roles=frozenset(roles))
        return Member(actor, email, name)

    made = await world.run(sign_up)
    if verified:
        await verify(world, made, licence)
    return made


async def verify(world: World, made: Member, licence: str = "") -> None:
    """The member submits a passport (or its business licence); the operator verifies it."""
    submission_id = await submit_passport(world, made, licence)
    await decide_identity(world, submission_id, KycDecision.VERIFY)


async def submit_passport(world: World, made: Member, licence: str = "") -> UUID:
    """The member submits its passport (or its business licence) for verification: the
    submission's id."""
    document = DocumentType.BUSINESS_LICENSE if licence else DocumentType.PASSPORT
    number = licence or f"DEMO{world.rng.randrange(10**7):07d}"
    submission = await world.run(
        lambda session: submit_kyc(
            session=session,
            clock=world.clock,
            actor=made.actor,
            vault=world.vault,
            document_type=document,
            legal_name=made.name,
            document_number=number,
        )
    )
    return submission.id


async def decide_identity(world: World, submission_id: UUID, decision: KycDecision) -> None:
    """The operator decides a submission (a rejection says why, as the API requires)."""
    await world.run(
        lambda session: decide_kyc(
            session=session,
            clock=world.clock,
            actor=world.operator,
            submission_id=submission_id,
            decision=decision,
            reason=None if decision is KycDecision.VERIFY else "the photo is unreadable",
        )
    )


async def api_key(world: World, owner: Member, name: str, scopes: set[Scope]) -> tuple[Actor, str]:
    """(the key as the actor it authenticates as, its secret: shown once, as the API does)."""
    made = await world.run(
        lambda session: create_api_key(
            session=session,
            clock=world.clock,
            actor=owner.actor,
            name=name,
            scopes=frozenset(scopes),
        )
    )
    key = Actor(
        ActorKind.API_KEY,
        participant_id=owner.id,
        roles=owner.actor.roles,
        scopes=frozenset(scopes),
        api_key_id=made.record.id,
    )
    return key, made.key


async def top_up(world: World, owner: Member, minor: int) -> None:
    """The member deposits from its bank (the simulated rail, as the API's `deposit`)."""
    await world.run(
        lambda session: deposit(
            session=session,
            clock=world.clock,
            actor=owner.actor,
            rail=SimulatedRail(),
            amount=Money(minor, CURRENCY),
            method=RailMethod.BANK_TRANSFER,
            idempotency_key=world.key("deposit"),
        )
    )
