"""Refusals of crowdfunding: each with a code a client can act on."""

from domain.errors import DomainError


class CampaignNotLive(DomainError):
    """The campaign is not taking pledges (not launched yet, or its deadline has passed)."""

    code = "CAMPAIGN_NOT_LIVE"


class CampaignStateConflict(DomainError):
    """The campaign's state does not allow this step (the transition table has no edge)."""

    code = "CAMPAIGN_STATE"


class TierSoldOut(DomainError):
    """Every unit of the reward tier is taken."""

    code = "TIER_SOLD_OUT"


class PledgeLocked(DomainError):
    """Too close to the deadline to cancel or reduce this pledge."""

    code = "PLEDGE_LOCKED"


class PledgeRefused(DomainError):
    """A pledge the campaign does not take: below the tier's minimum, above what is left, ..."""

    code = "PLEDGE_REFUSED"


class PledgeStateConflict(DomainError):
    """The pledge is no longer active (cancelled, captured, released or refunded)."""

    code = "PLEDGE_STATE"


class InvestorLimitExceeded(DomainError):
    """An equity investment beyond the investor's 12-month limit; the message says which
    limit applies and how much room is left."""

    code = "INVESTOR_LIMIT_EXCEEDED"


class IssuerCapExceeded(DomainError):
    """An equity offering beyond what an issuer may raise in 12 months."""

    code = "ISSUER_CAP_EXCEEDED"


class CreatorNotEligible(DomainError):
    """The creator is not verified, or not a business where the kind needs one."""

    code = "CREATOR_NOT_ELIGIBLE"
