"""Insurance mutations: insurers publish and withdraw products and decide claims; buyers buy
and cancel policies and file claims. Each that moves money takes an idempotencyKey."""

from __future__ import annotations

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.insurance.services import cancellation, claims, policies, products
from domain.insurance.services.updates import lock_policy
from domain.insurance.tables import Claim as ClaimRow
from domain.participants.roles import Role, Scope
from graph.context import Info
from graph.idempotency import IdempotencyKey
from graph.insurance.inputs import (
    BuyPolicyInput,
    DecideClaimInput,
    FileClaimInput,
    InsuranceProductInput,
    money_of,
    product_terms,
)
from graph.insurance.types import (
    Claim,
    ClaimPayload,
    InsuranceProduct,
    InsuranceProductPayload,
    Policy,
    PolicyPayload,
)
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import uuid_of


async def _claim_payload(session: AsyncSession, row: ClaimRow) -> ClaimPayload:
    policy = await lock_policy(session, row.policy_id)
    return ClaimPayload(claim=Claim.of(row), policy=Policy.of(policy))


@strawberry.type
class InsuranceMutations:
    @allow(Role.INSURER, key=Scope.POLICIES_WRITE)
    @strawberry.mutation(
        description="Insurers: publish a product (a code you sell already: its next version; "
        "policies sold keep theirs)."
    )
    @in_unit_of_work
    async def publish_insurance_product(
        self, info: Info, session: AsyncSession, input: InsuranceProductInput
    ) -> InsuranceProductPayload:
        ctx = info.context
        row = await products.publish_product(
            session=session, clock=ctx.clock, actor=ctx.actor, terms=product_terms(input)
        )
        return InsuranceProductPayload(product=InsuranceProduct.of(row))

    @allow(Role.INSURER, key=Scope.POLICIES_WRITE)
    @strawberry.mutation(description="Insurers: stop selling a product; its policies keep cover.")
    @in_unit_of_work
    async def withdraw_insurance_product(
        self, info: Info, session: AsyncSession, product_id: strawberry.ID
    ) -> InsuranceProductPayload:
        ctx = info.context
        row = await products.withdraw_product(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            product_id=uuid_of(product_id, "InsuranceProduct"),
        )
        return InsuranceProductPayload(product=InsuranceProduct.of(row))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Buy a policy of a product sold on its own (TERM, PURCHASE_PROTECTION): "
        "the premium leaves your wallet, the insurer's part to it, the commission to the "
        "platform, in one journal."
    )
    @in_unit_of_work
    async def buy_policy(
        self,
        info: Info,
        session: AsyncSession,
        input: BuyPolicyInput,
        idempotency_key: IdempotencyKey,
    ) -> PolicyPayload:
        ctx = info.context
        row = await policies.buy_policy(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            product_id=uuid_of(input.product_id, "InsuranceProduct"),
            insured=money_of(input.insured_amount, input.currency, "insured_amount"),
            idempotency_key=idempotency_key,
        )
        return PolicyPayload(policy=Policy.of(row))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Cancel your policy: within its cooling-off period the whole premium comes "
        "back, later the premium of the days unused."
    )
    @in_unit_of_work
    async def cancel_policy(
        self,
        info: Info,
        session: AsyncSession,
        policy_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> PolicyPayload:
        ctx = info.context
        row = await cancellation.cancel_policy(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            policy_id=uuid_of(policy_id, "Policy"),
            idempotency_key=idempotency_key,
        )
        return PolicyPayload(policy=Policy.of(row))

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Claim a loss under your policy (past its waiting period).")
    @in_unit_of_work
    async def file_claim(
        self,
        info: Info,
        session: AsyncSession,
        input: FileClaimInput,
        idempotency_key: IdempotencyKey,
    ) -> ClaimPayload:
        ctx = info.context
        row = await claims.file_claim(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            policy_id=uuid_of(input.policy_id, "Policy"),
            loss=money_of(input.loss, input.currency, "loss"),
            description=input.description,
            idempotency_key=idempotency_key,
        )
        return await _claim_payload(session, row)

    @allow(Role.INSURER, key=Scope.POLICIES_WRITE)
    @strawberry.mutation(
        description="Insurers: APPROVE (what is payable), PARTIAL (less, with a reason) or "
        "REJECT (with a reason) an open claim; an approval is paid at once from your account, "
        "or stays APPROVED_UNPAID and is retried."
    )
    @in_unit_of_work
    async def decide_claim(
        self,
        info: Info,
        session: AsyncSession,
        input: DecideClaimInput,
        idempotency_key: IdempotencyKey,
    ) -> ClaimPayload:
        ctx = info.context
        amount = None
        if input.amount is not None:
            amount = money_of(input.amount, input.currency or "", "amount")
        row = await claims.decide_claim(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            claim_id=uuid_of(input.claim_id, "Claim"),
            decision=input.decision,
            amount=amount,
            reason=input.reason,
            idempotency_key=idempotency_key,
        )
        return await _claim_payload(session, row)
