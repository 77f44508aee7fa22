"""GraphQL over WebSocket (graphql-transport-ws and the legacy graphql-ws): strawberry's
protocol handlers, with two things added at the edge.

- A message nested deeper than AGORA_MAX_JSON_DEPTH closes the socket with 4400 before it is
  parsed (graphql-ws would otherwise skip a message it cannot parse; here it is an attack).
- A signed-in socket is watched (api/security/open_sockets.py): when its session, its
  password or its API key is revoked, its operations are stopped and it closes with 4401.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import suppress
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from api.json_depth import JsonTooDeep
from api.security.open_sockets import (
    REVOKED_CLOSE_CODE,
    REVOKED_CLOSE_REASON,
    OpenSockets,
    WatchedSocket,
)
from graph.context import Context
from graph.events.sharing import shared_next_message


class DepthCheckedWebSocket(ASGIWebSocketAdapter):
    """A WebSocket whose messages nest no deeper than the view allows (its decode_json
    raises JsonTooDeep): close 4400 otherwise, whatever the protocol."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        try:
            async for message in super().iter_json(ignore_parsing_errors=ignore_parsing_errors):
                yield message
        except JsonTooDeep as refused:
            await self.close(4400, str(refused))

    async def send_text(self, text: str) -> None:
        """A message serialized already (a shared `next`, graph/events/sharing.py)."""
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


def _watch(context: Context, end: Any) -> WatchedSocket | None:
    """Watch a socket that connection_init signed in (anonymous ones hold nothing to revoke)."""
    sockets: OpenSockets | None = getattr(context.request.app.state, "open_sockets", None)
    actor = context.actor
    grant = getattr(context.request.state, "grant", None)
    if sockets is None or actor.participant_id is None:
        return None
    if grant is None and actor.api_key_id is None:
        return None
    return sockets.watch(
        actor.participant_id,
        grant=grant,
        api_key_id=actor.api_key_id,
        end=end,
        expires_at=getattr(context.request.state, "expires_at", None),
    )


def _forget(context: Context, watched: WatchedSocket | None) -> None:
    sockets: OpenSockets | None = getattr(context.request.app.state, "open_sockets", None)
    if sockets is not None and watched is not None:
        sockets.forget(watched)


class Revocable:
    """What both protocols add: a signed-in socket is watched from connection_init on, and
    ends with 4401 once its credentials are revoked (nothing it sends is handled after)."""

    watched: WatchedSocket | None = None
    revoked = False
    context: Context
    websocket: Any
    connection_acknowledged: bool

    async def handle(self) -> None:
        try:
            await super().handle()  # type: ignore[misc]
        finally:
            _forget(self.context, self.watched)

    async def handle_message(self, message: Any) -> None:
        if not self.revoked:  # what arrives between the revocation and the close
            await super().handle_message(message)  # type: ignore[misc]

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)  # type: ignore[misc]
        if self.connection_acknowledged and self.watched is None:
            self.watched = _watch(self.context, self.end_revoked)

    async def end_revoked(self) -> None:
        self.revoked = True
        await self.stop_operations()
        with suppress(Exception):  # the client may be gone already
            await self.websocket.close(REVOKED_CLOSE_CODE, REVOKED_CLOSE_REASON)

    async def stop_operations(self) -> None:
        raise NotImplementedError


class RevocableTransportWS(Revocable, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, ending with 4401 when the socket's credentials are revoked; a
    `next` whose data other subscriptions share is serialized once for all of them."""

    async def send_message(self, message: Any) -> None:
        shared = shared_next_message(message, self.view.encode_json)
        if shared is None:
            await super().send_message(message)
        else:
            await self.websocket.send_text(shared)

    async def stop_operations(self) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)


class RevocableLegacyWS(Revocable, BaseGraphQLWSHandler[Context, None]):
    """graphql-ws, ending with 4401 when the socket's credentials are revoked."""

    async def stop_operations(self) -> None:
        if self.keep_alive_task is not None:
            self.keep_alive_task.cancel()
        for operation_id in list(self.tasks):
            await self.cleanup_operation(operation_id)  # each says `complete`
