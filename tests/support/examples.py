"""How many examples a property runs: the suite's profile, or ten times as many.

The suite runs under one hypothesis profile, "suite" (tests/conftest.py): no deadlines, as a
loaded machine makes any deadline flaky, and the library's 100 examples by default. The slow
properties (the fuzzers, the matching engine's) ask for fewer, through `examples`. Run
`HYPOTHESIS_PROFILE=thorough pytest` to give every property ten times as many.
"""

from __future__ import annotations

import os

from hypothesis import settings

SUITE_EXAMPLES = 100
THOROUGH = 10


def register_profiles() -> None:
    """The suite's profile and the thorough one; loads the one HYPOTHESIS_PROFILE names."""
    settings.register_profile("suite", max_examples=SUITE_EXAMPLES, deadline=None)
    settings.register_profile("thorough", max_examples=SUITE_EXAMPLES * THOROUGH, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def examples(n: int) -> int:
    """`n` examples under the suite's profile, as many more as the loaded profile has."""
    return max(1, n * settings.default.max_examples // SUITE_EXAMPLES)
