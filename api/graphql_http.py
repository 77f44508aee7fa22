"""GraphQL over HTTP as the GraphQL-over-HTTP spec says, SHOULDs included.

- Media type negotiation: `application/graphql-response+json` (also when no Accept header
  is sent, as the spec says after its 2025 watershed) or `application/json` (what legacy
  clients sending `*/*` expect); 406 when neither is acceptable.
- With `application/graphql-response+json`, a request error (unparsable document, failed
  validation, uncoercible variables, no operation) answers 400 without a `data` entry;
  with `application/json` it answers 200, as the spec recommends for legacy clients.
- A malformed HTTP request (bad JSON, wrong parameter types) answers 400; a POST body that
  is not JSON answers 415; a mutation sent by GET answers 405 with `Allow: POST`.
- JSON nested deeper than AGORA_MAX_JSON_DEPTH (a body, a GET parameter, a WebSocket message)
  is refused before it is parsed: 400 over HTTP, close 4400 over WebSocket.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.authentication import AuthenticationFailed, AuthenticationUnavailable
from api.graphiql import graphiql_page
from api.graphql_prepared import (
    PreparedOperationsPath,
    counts_operations,
    prepared_operations_of,
)
from api.graphql_ws import DepthCheckedWebSocket, RevocableLegacyWS, RevocableTransportWS
from api.json_depth import DEFAULT_MAX_JSON_DEPTH, JsonTooDeep, check_json_depth
from api.persisted_queries import (
    BAD_PERSISTED_QUERY,
    NOT_FOUND_MESSAGE,
    PERSISTED_QUERY_NOT_FOUND,
    BadPersistedQuery,
    PersistedQueries,
    PersistedQueryNotFound,
)
from api.rate_limits import RateLimited, RateLimitGuard, rate_limited_response
from api.request_errors import is_request_error
from api.services import AppServices
from domain.actors import Actor, Origin
from domain.clock import Clock
from domain.platform import PlatformProfile
from domain.unit_of_work import database_unavailable
from graph.context import Context
from graph.errors import UNEXPECTED_MESSAGE
from graph.hardening import HardeningPolicy

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON)


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when nothing we serve fits."""
    if accept is not None and len(accept) <= _CACHED_ACCEPT_LENGTH:
        return _negotiate_cached(accept)
    return _negotiate(accept)


# Clients send a handful of distinct Accept headers: each is worked out once (a long one, which
# no real client sends, every time, so that the cache stays small whatever anyone sends).
_CACHED_ACCEPT_LENGTH = 256


@functools.lru_cache(maxsize=256)
def _negotiate_cached(accept: str) -> str | None:
    return _negotiate(accept)


def _negotiate(accept: str | None) -> str | None:
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")):
        media, _, params = item.strip().partition(";")
        media = media.strip().lower()
        quality = _quality(params)
        if quality <= 0:
            continue
        # Wildcards take application/json: clients that send */* are mostly legacy ones.
        chosen = (
            media if media in _SUPPORTED else JSON if media in ("*/*", "application/*") else None
        )
        if chosen is None:
            continue
        # Highest quality first; on a tie, the client's own order.
        rank = (quality, -position, chosen)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return best[2] if best else None


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def graphql_error_body(message: str, *, code: str | None = None) -> bytes:
    error: dict[str, object] = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code}
    return json.dumps({"errors": [error]}).encode()


def origin_of(request: Request | WebSocket) -> Origin:
    return Origin(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
    )


class GraphQLOverHTTP(PreparedOperationsPath, GraphQL[Context, None]):
    """strawberry's ASGI view, made to follow the GraphQL-over-HTTP spec, with automatic
    persisted queries and a short way for prepared operations (api/graphql_prepared.py)."""

    websocket_adapter_class = DepthCheckedWebSocket
    graphql_transport_ws_handler_class = RevocableTransportWS
    graphql_ws_handler_class = RevocableLegacyWS

    def __init__(
        self,
        schema: Any,
        *,
        clock: Clock,
        platform: PlatformProfile,
        graphiql: bool,
        allowed_origins: list[str],
        max_subscriptions_per_connection: int,
        hardening: HardeningPolicy,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
        persisted_queries: PersistedQueries | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            keep_alive=True,
            keep_alive_interval=15,
            allowed_origins=allowed_origins,
            max_subscriptions_per_connection=max_subscriptions_per_connection,
        )
        self.clock = clock
        self.hardening = hardening
        self.platform = platform
        self.max_json_depth = max_json_depth
        # `is None`, not `or`: an empty store is falsy (it has a length).
        self.persisted_queries = (
            PersistedQueries() if persisted_queries is None else persisted_queries
        )
        self.prepared = prepared_operations_of(schema)
        self.counts_operations = counts_operations(schema)

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_page()

    def decode_json(self, data: str | bytes) -> object:
        """Every JSON text the view reads (bodies, GET parameters, WebSocket messages)."""
        check_json_depth(data, self.max_json_depth)
        return super().decode_json(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None and not self._wants_ide(request):
            response: Response = Response(
                f"Not Acceptable: this endpoint serves {' or '.join(_SUPPORTED)}",
                status_code=406,
                media_type="text/plain",
            )
        else:
            request.state.media_type = media_type or JSON
            try:
                response = await self.answer(request)
            except PersistedQueryNotFound:
                # 200 whatever the media type: Apollo's clients resend the query on this.
                body = graphql_error_body(NOT_FOUND_MESSAGE, code=PERSISTED_QUERY_NOT_FOUND)
                media = f"{request.state.media_type}; charset=utf-8"
                response = Response(body, media_type=media)
            except BadPersistedQuery as refused:
                body = graphql_error_body(str(refused), code=BAD_PERSISTED_QUERY)
                media = f"{request.state.media_type}; charset=utf-8"
                response = Response(body, status_code=400, media_type=media)
            except HTTPException as error:
                response = self._http_error(error, request.state.media_type)
            except RateLimited as refused:  # the per-client limit, checked in get_context
                response = rate_limited_response(
                    refused.retry_after_seconds, request.state.media_type
                )
            except Exception as error:  # an API key's check met PostgreSQL failing over
                if not database_unavailable(error):
                    raise
                response = self._http_error(
                    HTTPException(503, "the database is not answering: try again shortly"),
                    request.state.media_type,
                )
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Not for a GET that names a persisted query instead of sending one."""
        named = "extensions" in request.query_params
        return not named and super().should_render_graphql_ide(request)

    def _wants_ide(self, request: Request) -> bool:
        accept = request.headers.get("accept", "")
        return self.graphql_ide is not None and request.method == "GET" and "text/html" in accept

    def _http_error(self, error: HTTPException, media_type: str) -> Response:
        status, reason = error.status_code, error.reason
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return Response(
                graphql_error_body(reason, code="UNAUTHENTICATED"),
                status_code=401,
                headers=headers,
                media_type=f"{media_type}; charset=utf-8",
            )
        if status == 503:  # a sign-in that cannot be checked now (api/authentication.py)
            return Response(
                graphql_error_body(reason, code="UNAVAILABLE"),
                status_code=503,
                headers={"Retry-After": "1"},
                media_type=f"{media_type}; charset=utf-8",
            )
        if reason == "Unsupported content type":
            status, reason = 415, f"Unsupported Media Type: send the request body as {JSON}"
        if status == 405:
            headers["Allow"] = "GET, POST"
        if status == 405 and "mutations" in reason.lower():
            headers["Allow"] = "POST"
        return Response(
            graphql_error_body(reason),
            status_code=status,
            headers=headers,
            media_type=f"{media_type}; charset=utf-8",
        )

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData,
        context: Context,
        root_value: None,
        **_: Any,
    ) -> ExecutionResult:
        """Queries by GET, queries and mutations by POST; subscriptions only over WebSocket
        (strawberry would run one over plain HTTP as if it were a query)."""
        get = request_adapter.method == "GET"
        allowed = {OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(
                    400, "Subscriptions run over WebSocket: connect to /graphql"
                ) from error
            raise HTTPException(405, "Mutations must be sent by POST") from error
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """strawberry's parsing, with every malformed body a 400 (not a 500): JSON that is
        not an object, bytes that are not UTF-8."""
        try:
            parsed = await super().parse_http_body(request)
        except JsonTooDeep as refused:
            raise HTTPException(400, str(refused)) from None
        except (json.JSONDecodeError, HTTPException):
            raise
        except (AttributeError, TypeError, UnicodeDecodeError, ValueError) as error:
            raise HTTPException(400, "The body must be a JSON object with a query") from error
        if isinstance(parsed, GraphQLRequestData):  # a persisted query's hash names its text
            parsed.query = await self.persisted_queries.document_for(
                parsed.query, parsed.extensions
            )
        return parsed

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.app.state
        services: AppServices = state.services
        origin = origin_of(request)
        authorization = (
            None if isinstance(request, WebSocket) else request.headers.get("authorization")
        )
        if not authorization:
            # No credential to check: anonymous (a WebSocket until connection_init names
            # someone, in on_ws_connect), which the per-IP middleware has counted already.
            actor = Actor.anonymous(origin)
        else:
            try:
                actor = await services.authenticator.actor_for(authorization, origin)
            except AuthenticationFailed as failure:
                raise HTTPException(401, str(failure)) from failure
            except AuthenticationUnavailable as unavailable:
                raise HTTPException(503, str(unavailable)) from unavailable
            await self._count_client_request(request, actor)
        return Context(
            request=request,
            response=response,
            clock=self.clock,
            platform=self.platform,
            actor=actor,
            db=services.stores.sessions,
            lagging_db=services.stores.lagging_sessions,
            identity=services.identity,
            hardening=self.hardening,
            rail=services.rail,
            rate_limits=state.rate_limits,
            events=state.events,
            transfers=services.transfers,
            pledges=services.pledges,
            webhook_urls=services.webhook_urls,
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object]:
        """graphql-transport-ws / graphql-ws: credentials come in connection_init's payload."""
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        services: AppServices = context.request.app.state.services
        try:
            caller = await services.authenticator.caller_for(
                authorization if isinstance(authorization, str) else None, context.actor.origin
            )
        except AuthenticationFailed as failure:
            raise ConnectionRejectionError(
                {"message": str(failure), "code": "UNAUTHENTICATED"}
            ) from None
        except AuthenticationUnavailable as unavailable:
            raise ConnectionRejectionError(
                {"message": str(unavailable), "code": "UNAVAILABLE"}
            ) from None
        context.actor = caller.actor
        context.request.state.grant = caller.grant  # watched for revocation (api/graphql_ws.py)
        context.request.state.expires_at = caller.expires_at  # and for its token's expiry
        try:
            await self._count_client_request(context.request, context.actor)
        except RateLimited as refused:
            raise ConnectionRejectionError(
                {
                    "message": refused.message,
                    "code": refused.code,
                    "retryAfter": refused.retry_after_seconds,
                }
            ) from None
        # The ack tells the client whom the connection acts for.
        return {"actor": context.actor.kind.value}

    async def _count_client_request(self, request: Request | WebSocket, actor: Actor) -> None:
        """The per-client limit: per API key, or per person across their sessions."""
        if actor.api_key_id is not None:
            client = f"api-key:{actor.api_key_id}"
        elif actor.participant_id is not None:
            client = f"participant:{actor.participant_id}"
        else:
            return  # anonymous: the per-IP middleware already counted this request
        rate_limits: RateLimitGuard = request.app.state.rate_limits
        await rate_limits.check_client(client)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        made: Response | None = getattr(request.state, "sub_response", None)
        if made is not None:  # the short way made it, then handed the request to the long way
            return made
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = getattr(request.state, "media_type", JSON)
        request.state.sub_response = sub_response
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        body = process_result(result)
        if is_request_error(result):
            body.pop("data", None)
            sub_response: Response = request.state.sub_response
            if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
                unexpected = any(e.message == UNEXPECTED_MESSAGE for e in result.errors or ())
                sub_response.status_code = 500 if unexpected else 400
        return body

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=f"{sub_response.media_type}; charset=utf-8",
        )
        response.headers.raw.extend(
            (k, v) for k, v in sub_response.headers.raw if k.lower() != b"content-type"
        )
        return response
