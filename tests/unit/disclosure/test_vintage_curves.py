"""Vintage loss curves: cumulative, never falling, never above the vintage's principal."""

from __future__ import annotations

import hashlib
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from domain.disclosure.figures import VintageFacts, canonical_text, content_hash, vintage_curves

MONTHS = [date(2026, m, 1) for m in range(1, 13)]


@st.composite
def facts(draw: st.DrawFn) -> VintageFacts:
    vintage = draw(st.sampled_from(MONTHS))
    amount = draw(st.integers(1, 10**9))
    defaulted = draw(st.booleans())
    later = [m for m in MONTHS if m >= vintage]
    return VintageFacts(
        vintage,
        draw(st.sampled_from(later)) if defaulted else None,
        draw(st.integers(1, 50)),
        amount,
        draw(st.integers(0, amount)) if defaulted else 0,
    )


@given(st.lists(facts(), max_size=30))
def test_curves_climb_to_the_vintage_total_loss(found: list[VintageFacts]) -> None:
    curves = vintage_curves(found, date(2026, 12, 1))
    for curve in curves:
        losses = [p["lost"] for p in curve["points"]]
        assert losses == sorted(losses)
        vintage = date.fromisoformat(curve["month"] + "-01")
        rows = [f for f in found if f.vintage == vintage]
        assert losses[-1] == sum(f.lost for f in rows) <= curve["amount"]
        assert [p["monthsOnBook"] for p in curve["points"]] == list(range(len(losses)))
        assert len(losses) == 12 - vintage.month + 1


def test_the_hash_is_the_sha256_of_the_canonical_text() -> None:
    text = canonical_text({"b": [1, "二"], "a": {"z": "0.10", "c": 2}})
    assert text == '{"a":{"c":2,"z":"0.10"},"b":[1,"二"]}'
    assert content_hash(text) == hashlib.sha256(text.encode()).hexdigest()
