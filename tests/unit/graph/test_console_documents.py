"""Every GraphQL document the console's script sends is valid against the schema: a renamed
field or argument fails here, not in an operator's browser."""

from __future__ import annotations

import re
from pathlib import Path

import graphql
import pytest

from graph.schema import build_schema

CONSOLE_JS = Path(__file__).resolve().parents[3] / "api" / "console" / "static" / "console.js"
# Template literals and quoted strings that hold a document: `{ …`, `query …`, `mutation …`.
DOCUMENT = re.compile(r'[`"]\s*((?:query|mutation|subscription)\b[^`"]*|\{[^`"]*\})\s*[`"]', re.S)
DOCUMENTS = [m.group(1) for m in DOCUMENT.finditer(CONSOLE_JS.read_text())]
SCHEMA = graphql.build_schema(build_schema().as_str())


def test_the_script_s_documents_are_found() -> None:
    # dashboard, me, events, five queues (insurance claims read-only) and four actions
    assert len(DOCUMENTS) >= 12


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: " ".join(d.split())[:60])
def test_each_document_is_valid(document: str) -> None:
    assert graphql.validate(SCHEMA, graphql.parse(document)) == []
