"""Relay global IDs ("Participant:<uuid>", base64) and the Node interface."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

import strawberry

from domain.actors import NotFound


@strawberry.interface(description="An object with a global ID, refetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


def to_global_id(type_name: str, key: UUID | int) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode())


def parse_global_id(global_id: str) -> tuple[str, str]:
    """(type name, key); NotFound for anything that is not one of our IDs."""
    try:
        decoded = base64.urlsafe_b64decode(global_id.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise NotFound("no such object") from None
    type_name, _, key = decoded.partition(":")
    if not type_name or not key:
        raise NotFound("no such object")
    return type_name, key


# uuid4 never makes the nil UUID, so no object has it.
NO_SUCH_OBJECT = UUID(int=0)


def uuid_of(global_id: str, expected_type: str) -> UUID:
    """The UUID inside a global ID of `expected_type`; for any other string, an id no object
    has, so the use case checks the caller first and then finds nothing, exactly as it does
    for a well-formed id of a missing object."""
    try:
        type_name, key = parse_global_id(global_id)
        return UUID(key) if type_name == expected_type else NO_SUCH_OBJECT
    except (NotFound, ValueError):
        return NO_SUCH_OBJECT


def optional_uuid_of(global_id: str | None, expected_type: str) -> UUID | None:
    """None when no id is given; any string given, the empty one too, as `uuid_of` reads it:
    an id that names nothing must not read as no id at all ("all of mine")."""
    return None if global_id is None else uuid_of(global_id, expected_type)
