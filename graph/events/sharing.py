"""One event, many subscribers: the answer they have in common, built once.

The hub hands every local subscriber of an event the same event object. A subscription
whose GraphQL event is a pure function of that event builds it with `shared_event`, so all
of them yield one object; the executor (graph/shared_results.py) completes a selection on
such an object once per operation (same document, operation and variables), and the
WebSocket transport (api/graphql_ws.py) serializes that result's `next` message once,
splicing each subscription's own id in front.

Safety: the hub's routing decides who receives an event; sharing only avoids computing
twice the answer to the same question about the same event. The answer is the same for
every subscriber only if nothing in it reads the viewer: a GraphQL event type declares that
with @viewer_independent, which tests/unit/graph/test_viewer_independent.py holds to (every
field reachable from the type reads the object alone: no permission, no field extension,
no resolver that is given `info`). For any other type the result is shared by subscribers
who are the same viewer only. Results with errors are never shared.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Any, TypeVar

from domain.actors import Actor, Origin

T = TypeVar("T")

VIEWER_INDEPENDENT: set[type] = set()  # exact types: a subclass declares it again


def viewer_independent(cls: type[T]) -> type[T]:
    """Declares that every field of this GraphQL type (and of the types it reaches) reads
    the object alone, never the viewer: subscribers of one event may share its results."""
    VIEWER_INDEPENDENT.add(cls)
    return cls


def viewer_key(actor: Actor) -> Hashable:
    """Who is asking, without where from: the same person or key on two sockets is one
    viewer."""
    return replace(actor, origin=Origin())


class SharedRoots:
    """The results completed on each shared event object, while that object lives.

    Keyed by the object's id and checked by identity (a weak reference), so an id reused
    after the object is gone never finds another object's results."""

    def __init__(self) -> None:
        self._results: dict[int, tuple[weakref.ref[Any], dict[Hashable, Any]]] = {}

    def register(self, root: object) -> None:
        key = id(root)
        results = self._results

        def forget(_: weakref.ref[Any]) -> None:
            entry = results.get(key)
            if entry is not None and entry[0]() is None:
                del results[key]

        try:
            ref = weakref.ref(root, forget)
        except TypeError:
            return  # no weak reference to it (a slotted object): completed per subscriber
        results[key] = (ref, {})

    def results_of(self, root: object) -> dict[Hashable, Any] | None:
        """The results shared on `root`, or None when `root` is no shared event object."""
        entry = self._results.get(id(root))
        if entry is None or entry[0]() is not root:
            return None
        return entry[1]

    def __len__(self) -> int:
        return len(self._results)


SHARED_ROOTS = SharedRoots()


def shared_event(event: Any, build: Callable[[Any], T]) -> T:
    """`build(event)`, made once per event object for all its subscribers in this process
    (an event without a `derived` memo, or one read for a single subscriber's replay, is
    built for that subscriber alone). `build` must read the event alone."""
    derived: dict[Any, Any] | None = getattr(event, "derived", None)
    if derived is None:
        return build(event)
    built: T | None = derived.get(build)
    if built is None:
        built = build(event)
        SHARED_ROOTS.register(built)
        derived[build] = built
    return built


class SharedData(dict[str, Any]):
    """A result's data shared by several subscriptions: serialized once, on first send."""

    __slots__ = ("_tail",)

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self._tail: str | None = None

    def next_message(self, operation_id: str, encode: Callable[[object], str | bytes]) -> str:
        """The graphql-transport-ws `next` message of this data for `operation_id`."""
        if self._tail is None:
            encoded = encode({"type": "next", "payload": {"data": self}})
            text = encoded.decode() if isinstance(encoded, bytes) else encoded
            self._tail = text[1:]  # after the opening brace
        return '{"id":' + json.dumps(operation_id) + "," + self._tail


def shared_next_message(message: Any, encode: Callable[[object], str | bytes]) -> str | None:
    """The serialized `next` message when its data is shared and it carries nothing else
    (no errors, no extensions); None when the message must be encoded as usual."""
    if message.get("type") != "next":
        return None
    payload = message.get("payload")
    data = payload.get("data") if isinstance(payload, dict) else None
    if type(data) is not SharedData or len(payload) != 1 or not isinstance(message["id"], str):
        return None
    return data.next_message(message["id"], encode)
