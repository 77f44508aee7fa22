"""The nesting scan: brackets outside strings, stopping at the first level past the limit."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.json_depth import JsonTooDeep, check_json_depth


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@pytest.mark.parametrize("levels", [0, 1, 63, 64])
def test_nesting_up_to_the_limit_passes(levels: int) -> None:
    check_json_depth(nested(levels), 64)
    check_json_depth(nested(levels).encode(), 64)


@pytest.mark.parametrize("text", [nested(65), "[" * 50_000, '{"a":' * 100_000])
def test_nesting_past_the_limit_is_refused_without_parsing(text: str) -> None:
    with pytest.raises(JsonTooDeep, match="deeper than 64"):
        check_json_depth(text, 64)


@pytest.mark.parametrize(
    "text",
    [
        '{"query": "' + "[" * 1000 + '"}',
        '["\\"' + "{" * 100 + '"]',
        '"' + "[" * 100,
        '["\\\\", "' + "[" * 100 + '"]',
    ],
)
def test_brackets_inside_strings_do_not_count(text: str) -> None:
    check_json_depth(text, 64)


def test_many_shallow_brackets_pass() -> None:
    check_json_depth(json.dumps([[1], {"a": [2]}] * 10_000), 64)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=30,
)


@given(json_values, st.integers(min_value=0, max_value=8))
def test_the_scan_agrees_with_the_parser(value: object, limit: int) -> None:
    text = json.dumps(value, ensure_ascii=False)
    if depth_of(value) > limit:
        with pytest.raises(JsonTooDeep):
            check_json_depth(text, limit)
    else:
        check_json_depth(text, limit)
