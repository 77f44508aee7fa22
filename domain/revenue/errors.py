"""Refusals of the revenue context."""

from domain.errors import InputRejected, InvalidInput
from domain.revenue.splits import InvalidSplitRule


def rejected_split_rule(error: InvalidSplitRule) -> InputRejected:
    """The pure rule's violations as one input rejection, a field each."""
    return InputRejected([InvalidInput(v.message, field=v.field) for v in error.violations])
