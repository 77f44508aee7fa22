"""Hypothesis strategies for split rules, shared by the revenue tests."""

from itertools import pairwise

from hypothesis import strategies as st

from domain.money import Money
from domain.revenue.splits import FixedShare, Party, PercentShare, Role, SplitRule


@st.composite
def split_rules(draw: st.DrawFn, amount: int) -> SplitRule:
    """A valid rule for `amount`: 1-5 parties, percents in basis points summing to 100 %."""
    roles = draw(st.lists(st.sampled_from(Role), min_size=1, max_size=5))
    parties = [Party(role, f"p{i}") for i, role in enumerate(roles)]
    budget = draw(st.integers(min_value=0, max_value=amount))
    # the first party always takes a percent; at most one fixed unit each fits the budget
    fixed_count = draw(st.integers(min_value=0, max_value=min(len(parties) - 1, budget)))
    fixed_parties = parties[1 : 1 + fixed_count]
    percent_parties = [parties[0], *parties[1 + fixed_count :]]
    fixed_amounts = draw(cuts(budget, fixed_count))
    basis_points = draw(cuts(10_000, len(percent_parties)))
    shares: list[PercentShare | FixedShare] = [
        FixedShare(party, Money(minor, "CNY"))
        for party, minor in zip(fixed_parties, fixed_amounts, strict=True)
    ]
    shares += [
        PercentShare.from_basis_points(party, bp)
        for party, bp in zip(percent_parties, basis_points, strict=True)
    ]
    order = draw(st.permutations(shares))
    return SplitRule(shares=tuple(order), remainder_party=draw(st.sampled_from(parties)))


def cuts(total: int, count: int) -> st.SearchStrategy[list[int]]:
    """`count` positive parts summing to `total` (count <= total)."""
    if count <= 1:
        return st.just([total] * count)
    points = st.lists(
        st.integers(1, total - 1), min_size=count - 1, max_size=count - 1, unique=True
    )
    return points.map(lambda cut: [b - a for a, b in pairwise([0, *sorted(cut), total])])
