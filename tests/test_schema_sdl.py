"""The committed schema.graphql is exactly what the code exports: clients diff against it."""

from pathlib import Path

from graph.schema import build_schema

SDL = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_sdl_matches_the_exported_schema() -> None:
    exported = build_schema().as_str() + "\n"

    assert SDL.read_text() == exported, "run `agora export-schema > schema.graphql`"
