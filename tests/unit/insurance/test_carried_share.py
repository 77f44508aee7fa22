"""A loan product's share of cover, moved to a policy of a mirror product (coverage: the
share, no maximum, no deductible), pays exactly what the share on the product paid."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from domain.insurance.claims import payable
from domain.insurance.products import Coverage
from domain.lending.products import Cover, CoverKind
from domain.lending.recovery import cover_due

shares = st.decimals(
    min_value=Decimal("0.00000001"), max_value=Decimal(1), places=8, allow_nan=False
)


@given(
    share=shares,
    principal=st.integers(min_value=1, max_value=10**13),
    owed_part=st.fractions(min_value=0, max_value=1),
)
def test_the_mirror_policy_pays_what_the_share_on_the_product_paid(
    share: Decimal, principal: int, owed_part: Fraction
) -> None:
    outstanding = int(principal * owed_part)
    on_product = Cover(CoverKind.INSURANCE, share, provider_id=uuid4())

    claimed = payable(Coverage(share=share), insured=principal, loss=outstanding, paid_before=0)

    assert claimed == cover_due(on_product, outstanding)
