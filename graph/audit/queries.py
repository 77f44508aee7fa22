"""The audit log for operators: newest first, filterable by action and actor."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from domain.audit import service
from domain.audit.tables import AuditEntry as AuditRow
from domain.participants.roles import Role
from graph.context import Info
from graph.hardening.policy import page_size
from graph.pagination import Connection, bigint, connection, decode_cursor
from graph.permissions import allow
from graph.relay import optional_uuid_of, to_global_id


@strawberry.type(description="Who did what, when, from where, and how it ended.")
class AuditEntry:
    row: strawberry.Private[AuditRow]

    @strawberry.field
    def occurred_at(self) -> datetime:
        return self.row.occurred_at

    @strawberry.field(description="PERSON, API_KEY, ANONYMOUS or SYSTEM.")
    def actor_kind(self) -> str:
        return self.row.actor_kind

    @strawberry.field
    def actor_id(self) -> strawberry.ID | None:
        return to_global_id("Participant", self.row.actor_id) if self.row.actor_id else None

    @strawberry.field(description='e.g. "auth.login", "kyc.decide", "pii.reveal".')
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description="SUCCESS, FAILURE or DENIED.")
    def outcome(self) -> str:
        return self.row.outcome

    @strawberry.field
    def target_type(self) -> str | None:
        return self.row.target_type

    @strawberry.field
    def target_id(self) -> str | None:
        return self.row.target_id

    @strawberry.field
    def ip(self) -> str | None:
        return self.row.ip

    @strawberry.field
    def request_id(self) -> str | None:
        return self.row.request_id

    @strawberry.field
    def details(self) -> JSON:
        return cast(JSON, self.row.details)


@strawberry.type
class AuditQueries:
    @allow(Role.OPERATOR)
    @strawberry.field(description="The audit log, newest first. Operators only.")
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        action: str | None = None,
        actor_id: strawberry.ID | None = None,
    ) -> Connection[AuditEntry]:
        page = page_size(first, info.context.hardening)
        before_id = cast(int, decode_cursor(after, bigint)[0]) if after is not None else None
        async with info.context.db() as session:
            rows = await service.list_entries(
                session,
                actor=info.context.actor,
                limit=page + 1,
                before_id=before_id,
                action=action,
                actor_id=optional_uuid_of(actor_id, "Participant"),
            )
        return connection(rows, page=page, key=lambda r: (r.id,), node=lambda r: AuditEntry(row=r))
