"""The committed schema.graphql is exactly what the code exports: clients diff against it."""

from pathlib import Path

from graph.schema import build_schema

SDL = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_sdl_matches_the_exported_schema() -> None:
    exported = build_schema().as_str() + "\n"

    assert SDL.read_text() == exported, "run `agora export-schema > schema.graphql`"


def test_every_mutation_taking_an_idempotency_key_says_how_the_key_was_answered() -> None:
    schema = build_schema()._schema
    mutation = schema.mutation_type
    assert mutation is not None
    keyed = {
        name: field.type
        for name, field in mutation.fields.items()
        if "idempotencyKey" in field.args
    }
    marked = schema.get_type("IdempotentPayload")

    assert len(keyed) >= 20
    unmarked = [
        name
        for name, type_ in keyed.items()
        if marked not in getattr(type_, "of_type", type_).interfaces
    ]
    assert unmarked == []
