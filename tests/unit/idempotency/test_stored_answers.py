"""A use case's typed result is kept as the JSON object of its fields and replays unchanged;
a record kept before the result was typed reads back as the same result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from uuid import UUID, uuid4

import pytest

from domain.idempotency.answers import StoredAnswer
from domain.wallets.services.transfer_batch import MoneyMoved


class Colour(Enum):
    RED = "RED"


@dataclass(frozen=True, slots=True)
class Everything(StoredAnswer):
    id: UUID
    at: datetime
    count: int
    flag: bool
    colour: Colour
    ids: tuple[UUID, ...]
    note: str | None = None
    since: datetime | None = None


def test_a_result_survives_its_json_round_trip() -> None:
    result = Everything(
        uuid4(),
        datetime(2026, 3, 1, 12, tzinfo=UTC),
        7,
        True,
        Colour.RED,
        (uuid4(), uuid4()),
        note="n",
    )

    stored = json.loads(json.dumps(result.to_stored()))

    assert Everything.from_stored(stored) == result
    assert "since" not in stored  # None fields are left out, as the untyped answers did


def test_an_answer_kept_before_results_were_typed_reads_back() -> None:
    journal, transfer = uuid4(), uuid4()
    kept = {"journal_id": str(journal), "transfer_id": str(transfer), "status": "SUCCEEDED"}

    moved = MoneyMoved.from_stored(kept)

    assert moved == MoneyMoved(journal_id=journal, transfer_id=transfer, status="SUCCEEDED")
    assert moved.to_stored() == kept


def test_an_optional_field_without_a_default_is_refused() -> None:
    @dataclass(frozen=True)
    class Careless(StoredAnswer):
        maybe: str | None

    with pytest.raises(TypeError):
        Careless(None).to_stored()
