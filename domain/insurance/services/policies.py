"""Quote and bind: a premium priced by the product's rule, paid from the holder's wallet in
one journal (the insurer's part to its wallet, the platform's commission to revenue stream
`insurance_commission`), and the policy ACTIVE for its term from that moment.

`issue_policy` is the bind every sale shares: a buyer's own (`buy_policy`, idempotent under
the buyer's key) and the embedded ones (a loan's credit cover, a payment's return-shipping
cover), which run inside their own use case and name their subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.insurance.commission import PremiumSplit, split_premium
from domain.insurance.errors import ProductNotOnSale
from domain.insurance.premiums import premium
from domain.insurance.products import ProductKind
from domain.insurance.services.accounts import commission_key, wallet_key
from domain.insurance.services.products import product_on_sale
from domain.insurance.services.updates import audit, policy_updated, terms_of
from domain.insurance.states import PolicyState
from domain.insurance.tables import InsuranceProduct, Policy
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.money import Money

PREMIUM = "INSURANCE_PREMIUM"
# What a buyer may insure by itself; credit and return-shipping cover ride on their subject.
SOLD_ALONE = frozenset({ProductKind.TERM, ProductKind.PURCHASE_PROTECTION})


@dataclass(frozen=True, slots=True)
class Quote:
    product: InsuranceProduct
    insured: int
    premium: int
    split: PremiumSplit
    starts_at: datetime
    ends_at: datetime

    @property
    def currency(self) -> str:
        return self.product.currency


@dataclass(frozen=True, slots=True)
class Subject:
    """What an embedded policy covers: a LOAN or a PAYMENT, by id."""

    type: str
    id: UUID


def price(
    product: InsuranceProduct,
    *,
    insured: int,
    now: datetime,
    grade: str | None = None,
    return_rate_bps: int | None = None,
) -> Quote:
    """The product's price for `insured`; InvalidInput or ProductNotOnSale if out of its range."""
    terms = terms_of(product)
    if insured <= 0:
        raise InvalidInput("must be greater than zero", field="insured_amount")
    most = terms.max_insured
    if insured < terms.min_insured or (most is not None and insured > most):
        least = Money(terms.min_insured, terms.currency).text()
        upper = f"..{Money(most, terms.currency).text()}" if most is not None else " or more"
        raise ProductNotOnSale(f"insures {least}{upper}", field="insured_amount")
    cost = premium(terms.premium, insured=insured, grade=grade, return_rate_bps=return_rate_bps)
    return Quote(
        product=product,
        insured=insured,
        premium=cost,
        split=split_premium(cost, terms.distribution),
        starts_at=now,
        ends_at=now + timedelta(days=terms.term_days),
    )


async def quote_policy(
    *, session: AsyncSession, clock: Clock, product_id: UUID, insured: Money
) -> Quote:
    """What a policy of the product costs for `insured`, now."""
    product = await product_on_sale(session, product_id)
    if insured.currency != product.currency:
        raise InvalidInput(f"the product insures {product.currency}", field="insured_amount")
    return price(product, insured=insured.minor, now=clock.now())


async def issue_policy(
    session: AsyncSession,
    actor: Actor,
    *,
    quote: Quote,
    holder_id: UUID,
    now: datetime,
    subject: Subject | None = None,
) -> Policy:
    """Bind `quote` for `holder_id`: the premium moves from its wallet in one journal."""
    product = quote.product
    if holder_id == product.insurer_id:
        raise InvalidInput("an insurer does not insure itself", field="product_id")
    journal = uuid4()
    policy = Policy(
        product_id=product.id,
        insurer_id=product.insurer_id,
        holder_id=holder_id,
        kind=product.kind,
        subject_type=subject.type if subject else None,
        subject_id=subject.id if subject else None,
        currency=product.currency,
        insured=quote.insured,
        premium=quote.premium,
        insurer_premium=quote.split.insurer,
        commission=quote.split.platform,
        state=PolicyState.ACTIVE.value,
        starts_at=quote.starts_at,
        ends_at=quote.ends_at,
        journal_id=journal,
        created_at=now,
        updated_at=now,
    )
    session.add(policy)
    await session.flush()
    tag = {"policy": str(policy.id)}
    payer, currency = wallet_key(holder_id, product.currency), product.currency
    legs = [
        KeyedLeg(
            payer, wallet_key(product.insurer_id, currency), quote.split.insurer, PREMIUM, tag
        ),
        KeyedLeg(payer, commission_key(currency), quote.split.platform, PREMIUM, tag),
    ]
    legs = [leg for leg in legs if leg.amount]
    if legs:
        await post_by_key(session, legs=legs, now=now, journal_id=journal)
    await policy_updated(session, policy, "ISSUED", now=now)
    audit(
        session,
        actor,
        "policy.issue",
        at=now,
        target=policy,
        details={"premium": policy.premium, "commission": policy.commission},
    )
    return policy


@dataclass(frozen=True, slots=True)
class PolicyBound(StoredAnswer):
    """What a bind's key keeps: the policy it issued."""

    policy_id: UUID


async def buy_policy(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    product_id: UUID,
    insured: Money,
    idempotency_key: str,
) -> Policy:
    """Bind a policy of a product sold on its own; the same key, the same policy."""
    holder_id = actor.require_participant()

    async def execute() -> PolicyBound:
        now = clock.now()
        product = await product_on_sale(session, product_id)
        if ProductKind(product.kind) not in SOLD_ALONE:
            raise ProductNotOnSale(
                f"{product.kind} cover is bought with its loan or payment", field="product_id"
            )
        if insured.currency != product.currency:
            raise InvalidInput(f"the product insures {product.currency}", field="insured_amount")
        quote = price(product, insured=insured.minor, now=now)
        policy = await issue_policy(session, actor, quote=quote, holder_id=holder_id, now=now)
        return PolicyBound(policy_id=policy.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="insurance.buy_policy",
        request={
            "product": str(product_id),
            "insured": insured.minor,
            "currency": insured.currency,
        },
        execute=execute,
        answer=PolicyBound,
    )
    policy = await session.get(Policy, answer.policy_id)
    assert policy is not None  # policies are never deleted
    return policy
