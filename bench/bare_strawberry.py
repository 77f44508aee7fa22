"""The ceiling: a bare strawberry app on uvicorn, for `{ __typename }`.

Same strawberry, the same document caches and the same uvicorn settings as `agora serve`,
and nothing else: no Starlette routing, middleware, context, metrics or error extensions.
What Agora's `{ __typename }` loses against this is the cost of our own layers.

    python bench/bare_strawberry.py --port 8001
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import strawberry
import uvicorn
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from graph.schema import DOCUMENT_CACHE_SIZE


@strawberry.type
class Query:
    # A schema needs one field; the benchmark asks only for `__typename`.
    @strawberry.field
    def ok(self) -> bool:
        return True


schema = strawberry.Schema(
    query=Query,
    extensions=[
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
    ],
)
app = GraphQL(schema, graphql_ide=None)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    # The settings api/cli.py gives uvicorn, so both servers pay the same HTTP costs.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        log_config=None,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        ws_max_size=1 << 20,
    )


if __name__ == "__main__":
    main()
