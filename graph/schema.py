"""The one GraphQL schema: every context's queries merged into the root types."""

import importlib
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from graph.advertising.mutations import AdvertisingMutations
from graph.advertising.queries import AdvertisingQueries
from graph.advertising.subscriptions import AdvertisingSubscriptions
from graph.audit.queries import AuditQueries
from graph.consumer_credit.bnpl import BnplMutations, BnplQueries
from graph.consumer_credit.credit_decisions import BnplCreditMutations, BnplCreditQueries
from graph.crowdfunding.mutations import CrowdfundingMutations
from graph.crowdfunding.queries import CrowdfundingQueries
from graph.crowdfunding.subscriptions import CrowdfundingSubscriptions
from graph.disclosure.queries import DisclosureQueries
from graph.errors import ClientErrors, is_unexpected
from graph.events.subscriptions import EventSubscriptions
from graph.hardening import HardeningPolicy, hardening_extensions
from graph.insurance.mutations import InsuranceMutations
from graph.insurance.queries import InsuranceQueries
from graph.insurance.subscriptions import InsuranceSubscriptions
from graph.lending.auto_invest import AutoInvestMutations, AutoInvestQueries
from graph.lending.borrowing import BorrowingMutations, BorrowingQueries
from graph.lending.covers import CoverMutations, CoverQueries
from graph.lending.decisions import DecisionQueries
from graph.lending.investing import InvestingMutations, InvestingQueries
from graph.lending.market import MarketMutations, MarketQueries
from graph.lending.offers import FundingOfferMutations, FundingOfferQueries
from graph.lending.platform_book import PlatformBookMutations, PlatformBookQueries
from graph.lending.portfolio import PortfolioQueries
from graph.lending.products import ProductMutations, ProductQueries
from graph.lending.queries import LendingQueries
from graph.lending.repaying import RepayingMutations, RepayingQueries
from graph.lending.reviews import ReviewMutations
from graph.liquidity.queries import LiquidityQueries
from graph.liquidity.subscriptions import LiquiditySubscriptions
from graph.nodes import NodeQueries, node_types
from graph.operation_choice import RequireOperationName
from graph.participants.mutations import ParticipantMutations
from graph.participants.queries import ParticipantQueries
from graph.partners.mutations import PartnerMutations
from graph.partners.queries import PartnerQueries
from graph.payments.mutations import PaymentMutations
from graph.payments.queries import PaymentQueries
from graph.payments.revenue import RevenueMutations
from graph.payments.settlement import SettlementQueries
from graph.platform.figures import PlatformFigureQueries
from graph.platform.queries import PlatformQueries
from graph.platform.subscriptions import PlatformSubscriptions
from graph.prepared import PreparedOperations, RecordPrepared
from graph.revenue.queries import RevenueQueries
from graph.shared_results import SharedEventResults
from graph.supply_chain.mutations import SupplyChainMutations
from graph.supply_chain.queries import SupplyChainQueries
from graph.supply_chain.subscriptions import SupplyChainSubscriptions
from graph.wallets.mutations import WalletMutations
from graph.wallets.operations import WalletOperations
from graph.wallets.queries import WalletQueries
from graph.wealth.mutations import WealthMutations
from graph.wealth.plans import PlanMutations, PlanQueries
from graph.wealth.queries import WealthQueries
from graph.wealth.subscriptions import WealthSubscriptions
from graph.webhooks.mutations import WebhookMutations
from graph.webhooks.queries import WebhookQueries

# Each context's node registrations (graph/nodes.py), imported for their effect.
for _context in (
    "participants",
    "webhooks",
    "payments",
    "consumer_credit",
    "lending",
    "wallets",
    "crowdfunding",
    "insurance",
    "supply_chain",
    "wealth",
    "advertising",
):
    importlib.import_module(f"graph.{_context}.nodes")

logger = logging.getLogger("agora.graph")

# Parsing and validating a document costs more than most resolvers: cache both (bounded LRU,
# keyed by the query text), the largest single lever on throughput.
DOCUMENT_CACHE_SIZE = 1024


@strawberry.type
class Query(
    PlatformQueries,
    PlatformFigureQueries,
    LendingQueries,
    FundingOfferQueries,
    InvestingQueries,
    ProductQueries,
    CoverQueries,
    PlatformBookQueries,
    BorrowingQueries,
    RepayingQueries,
    PortfolioQueries,
    DecisionQueries,
    MarketQueries,
    AutoInvestQueries,
    NodeQueries,
    ParticipantQueries,
    AuditQueries,
    WalletQueries,
    WebhookQueries,
    PaymentQueries,
    SettlementQueries,
    BnplQueries,
    BnplCreditQueries,
    CrowdfundingQueries,
    RevenueQueries,
    DisclosureQueries,
    InsuranceQueries,
    LiquidityQueries,
    PartnerQueries,
    SupplyChainQueries,
    WealthQueries,
    PlanQueries,
    AdvertisingQueries,
):
    pass


@strawberry.type
class Mutation(
    ParticipantMutations,
    WalletMutations,
    WalletOperations,
    FundingOfferMutations,
    InvestingMutations,
    ProductMutations,
    CoverMutations,
    PlatformBookMutations,
    BorrowingMutations,
    ReviewMutations,
    RepayingMutations,
    MarketMutations,
    AutoInvestMutations,
    WebhookMutations,
    PaymentMutations,
    RevenueMutations,
    BnplMutations,
    BnplCreditMutations,
    CrowdfundingMutations,
    InsuranceMutations,
    PartnerMutations,
    SupplyChainMutations,
    WealthMutations,
    PlanMutations,
    AdvertisingMutations,
):
    pass


@strawberry.type
class Subscription(
    PlatformSubscriptions,
    EventSubscriptions,
    CrowdfundingSubscriptions,
    InsuranceSubscriptions,
    LiquiditySubscriptions,
    SupplyChainSubscriptions,
    WealthSubscriptions,
    AdvertisingSubscriptions,
):
    pass


ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


class AgoraSchema(strawberry.Schema):
    # The operations this schema's pipeline let through, for requests that skip it.
    prepared: PreparedOperations

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Business and request errors are the client's to handle; log only the unexpected.
        for error in errors:
            if is_unexpected(error):
                logger.error("unexpected error in %s", error.path, exc_info=error.original_error)


def build_schema(
    *, policy: HardeningPolicy | None = None, extra_extensions: Sequence[ExtensionFactory] = ()
) -> AgoraSchema:
    """The schema with its standard extensions and the limits of `policy` (secure defaults);
    callers may add their own extensions (metrics, ...)."""
    policy = policy or HardeningPolicy()
    prepared = PreparedOperations(policy, maxsize=DOCUMENT_CACHE_SIZE)
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        *hardening_extensions(policy),
        RequireOperationName,
        ClientErrors,
        *extra_extensions,
        # Last: it keeps only what every extension before it let through to execution.
        partial(RecordPrepared, prepared),
    ]
    schema = AgoraSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=SharedEventResults,
        # Every Node type: node() reaches them all, some through nothing else
        types=node_types(),
    )
    schema.prepared = prepared
    return schema
