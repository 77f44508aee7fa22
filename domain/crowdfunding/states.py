"""The life of a campaign as an explicit transition table, and the states of a pledge (pure).

DRAFT -> SUBMITTED -> (REJECTED | LIVE) -> (SUCCEEDED | FAILED | CANCELLED) -> SETTLED.
An operator reviews a submission (approve: LIVE, reject: REJECTED with a reason). At the
deadline the worker decides the outcome and settles it: holds captured (SUCCEEDED) or
released (FAILED, CANCELLED); SETTLED says the money has moved.
"""

from __future__ import annotations

from enum import Enum

from domain.crowdfunding.errors import CampaignStateConflict


class CampaignKind(Enum):
    DONATION = "DONATION"  # 捐赠/公益: nothing in return (a tip to the platform may ride along)
    REWARD = "REWARD"  # 回报/产品: a reward tier, delivered later
    EQUITY = "EQUITY"  # 股权: shares of the creator's business, pro rata if oversubscribed
    DEBT = "DEBT"  # 债权: a loan to the creator whose notes are the pledges


class FundingModel(Enum):
    ALL_OR_NOTHING = "ALL_OR_NOTHING"  # succeeds only if pledged >= goal at the deadline
    KEEP_IT_ALL = "KEEP_IT_ALL"  # keeps whatever is pledged


class CampaignState(Enum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    REJECTED = "REJECTED"
    LIVE = "LIVE"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    SETTLED = "SETTLED"


class CampaignEvent(Enum):
    SUBMIT = "SUBMIT"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    SUCCEED = "SUCCEED"
    FAIL = "FAIL"
    CANCEL = "CANCEL"
    SETTLE = "SETTLE"


S, E = CampaignState, CampaignEvent
TRANSITIONS: dict[tuple[CampaignState, CampaignEvent], CampaignState] = {
    (S.DRAFT, E.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, E.APPROVE): S.LIVE,
    (S.SUBMITTED, E.REJECT): S.REJECTED,
    (S.LIVE, E.SUCCEED): S.SUCCEEDED,
    (S.LIVE, E.FAIL): S.FAILED,
    (S.LIVE, E.CANCEL): S.CANCELLED,
    (S.SUCCEEDED, E.SETTLE): S.SETTLED,
    (S.FAILED, E.SETTLE): S.SETTLED,
    (S.CANCELLED, E.SETTLE): S.SETTLED,
}
del S, E

# Anyone may see a campaign once it has been live; before, only its creator and operators.
PUBLIC_STATES = frozenset(
    {
        CampaignState.LIVE,
        CampaignState.SUCCEEDED,
        CampaignState.FAILED,
        CampaignState.CANCELLED,
        CampaignState.SETTLED,
    }
)


def transition(state: CampaignState, event: CampaignEvent) -> CampaignState:
    """The state after `event`; CampaignStateConflict if the table has no such edge."""
    following = TRANSITIONS.get((state, event))
    if following is None:
        raise CampaignStateConflict(
            f"a {state.value} campaign cannot take {event.value}", field="campaign_id"
        )
    return following


class PledgeState(Enum):
    ACTIVE = "ACTIVE"  # the backer's money is on hold until the outcome
    CANCELLED = "CANCELLED"  # the backer withdrew it while live; the hold was released
    CAPTURED = "CAPTURED"  # the campaign succeeded: the money went to the creator
    RELEASED = "RELEASED"  # the campaign failed or was cancelled, or a reconfirmation lapsed
    REFUNDED = "REFUNDED"  # captured, then given back in full by the creator


class CampaignChange(Enum):
    """What a campaignUpdated event says happened."""

    SUBMITTED = "SUBMITTED"
    LAUNCHED = "LAUNCHED"
    REJECTED = "REJECTED"
    PLEDGED = "PLEDGED"
    PLEDGE_REDUCED = "PLEDGE_REDUCED"
    PLEDGE_CANCELLED = "PLEDGE_CANCELLED"
    PLEDGE_RELEASED = "PLEDGE_RELEASED"  # an investor did not reconfirm after a change
    AMENDED = "AMENDED"  # a material change: investors must reconfirm
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"  # the creator refunded a backer after success
