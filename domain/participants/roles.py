"""Roles a participant plays, and scopes a machine client's API key may carry."""

from enum import Enum


class Role(Enum):
    BORROWER = "BORROWER"
    INVESTOR = "INVESTOR"
    MERCHANT = "MERCHANT"
    PARTNER_BANK = "PARTNER_BANK"
    INSURER = "INSURER"  # publishes credit-insurance cover offers for loan products
    GUARANTOR = "GUARANTOR"  # publishes guarantee cover offers, pays funders on default
    ASSET_MANAGER = "ASSET_MANAGER"  # runs money-market funds: publishes each day's income
    CORE_ENTERPRISE = "CORE_ENTERPRISE"  # reserved: will confirm supply-chain receivables
    CHANNEL_PARTNER = "CHANNEL_PARTNER"  # refers participants, shares in their fees
    OPERATOR = "OPERATOR"


# Anyone may sign up as these; the others are granted by an operator after due diligence,
# and OPERATOR only from the command line.
SELF_SERVICE_ROLES = frozenset({Role.BORROWER, Role.INVESTOR, Role.MERCHANT})
GRANTABLE_ROLES = frozenset(Role) - {Role.OPERATOR}
# Roles that act as machine clients through API keys.
MACHINE_CLIENT_ROLES = frozenset(
    {Role.MERCHANT, Role.PARTNER_BANK, Role.INSURER, Role.GUARANTOR, Role.ASSET_MANAGER}
)


class Scope(Enum):
    """What an API key may do; checked by each use case a machine client can reach."""

    PROFILE_READ = "profile:read"
    OFFERS_READ = "offers:read"
    OFFERS_WRITE = "offers:write"
    PAYMENTS_READ = "payments:read"
    PAYMENTS_WRITE = "payments:write"
    PAYOUTS_READ = "payouts:read"
    POLICIES_WRITE = "policies:write"  # an insurer's cover offers (credit insurance)
    GUARANTEES_WRITE = "guarantees:write"  # a guarantor's cover offers
    FUNDS_READ = "funds:read"  # an asset manager's funds, their days and redemptions
    FUNDS_WRITE = "funds:write"  # an asset manager's daily income per 10,000 units
    WALLET_READ = "wallet:read"
    EVENTS_READ = "events:read"  # subscriptions; each topic may need its own read scope too
    WEBHOOKS_READ = "webhooks:read"  # the endpoints and their delivery log
    WEBHOOKS_WRITE = "webhooks:write"  # register, change, rotate, delete, redeliver


# Which scopes a key of an owner with these roles may be given.
SCOPES_BY_ROLE: dict[Role, frozenset[Scope]] = {
    Role.MERCHANT: frozenset(
        {Scope.PAYMENTS_READ, Scope.PAYMENTS_WRITE, Scope.PAYOUTS_READ, Scope.WALLET_READ}
    ),
    Role.PARTNER_BANK: frozenset({Scope.OFFERS_READ, Scope.OFFERS_WRITE, Scope.WALLET_READ}),
    Role.INSURER: frozenset({Scope.POLICIES_WRITE, Scope.PAYOUTS_READ, Scope.WALLET_READ}),
    Role.GUARANTOR: frozenset({Scope.GUARANTEES_WRITE, Scope.WALLET_READ}),
    Role.ASSET_MANAGER: frozenset({Scope.FUNDS_READ, Scope.FUNDS_WRITE, Scope.WALLET_READ}),
}
# Every machine client may manage the webhooks its servers receive.
WEBHOOK_SCOPES = frozenset({Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE})


def grantable_scopes(roles: frozenset[Role]) -> frozenset[Scope]:
    """Scopes an owner with `roles` may put on a key (profile:read, events:read and the
    webhooks scopes for every machine client)."""
    scopes: set[Scope] = set()
    for role in roles & MACHINE_CLIENT_ROLES:
        scopes |= SCOPES_BY_ROLE[role] | WEBHOOK_SCOPES | {Scope.PROFILE_READ, Scope.EVENTS_READ}
    return frozenset(scopes)
