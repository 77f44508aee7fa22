"""Signing in to and out of the console: the public API's logIn and logOut, run for the page.

Signing in runs `logIn` (its lockout, its rate limits, its audit entry); a caller who is not
an operator has the session just opened ended again with `logOut` and is refused. An
operator gets the access token in an HttpOnly cookie and a fresh double-submit token
(api/console/cookies.py). Signing out runs `logOut`, so the token stops working everywhere.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.authentication import AuthenticationFailed, AuthenticationUnavailable
from api.console.cookies import (
    COOKIE_PATH,
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_matches,
    same_origin,
)
from api.console.graphql import OPERATORS_ONLY, ConsoleGraphQL
from api.graphql_http import origin_of
from api.json_depth import DEFAULT_MAX_JSON_DEPTH, JsonTooDeep, check_json_depth
from api.services import AppServices
from domain.actors import Actor

LOG_IN = """
mutation ConsoleLogIn($login: String!, $password: String!) {
  logIn(input: {login: $login, password: $password}) {
    accessToken accessTokenExpiresAt
    participant { id displayName roles }
    errors { code message field }
  }
}"""
LOG_OUT = "mutation ConsoleLogOut { logOut { ok errors { code message } } }"
MAX_FIELD_LENGTH = 320


def _refusal(message: str, status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class ConsoleSession:
    def __init__(self, view: ConsoleGraphQL) -> None:
        self.view = view

    def _from_own_page(self, request: Request) -> bool:
        return same_origin(
            request.headers.get("origin"),
            host=request.headers.get("host"),
            trusted=self.view.trusted_origins,
        )

    async def sign_in(self, request: Request) -> Response:
        if not self._from_own_page(request):
            return _refusal("Sign in from the console's page", 403, "FORBIDDEN")
        credentials = await _credentials(request)
        if credentials is None:
            return _refusal("Send {login, password} as JSON", 400, "INVALID_INPUT")
        result = await self._run(request, LOG_IN, actor=None, variables=credentials)
        answer = (result.data or {}).get("logIn") if not result.errors else None
        if answer is None:
            return _refusal("Signing in failed: try again", 503, "UNAVAILABLE")
        if answer["errors"]:
            error = answer["errors"][0]
            status = 429 if error["code"] == "RATE_LIMITED" else 401
            return _refusal(error["message"], status, error["code"])
        if "OPERATOR" not in answer["participant"]["roles"]:
            await self._end(request, answer["accessToken"])
            return _refusal(OPERATORS_ONLY, 403, "FORBIDDEN")
        expires_at = datetime.fromisoformat(answer["accessTokenExpiresAt"])
        lifetime = max(1, int((expires_at - self.view.clock.now()).total_seconds()))
        response = JSONResponse(
            {"operator": answer["participant"], "expiresAt": answer["accessTokenExpiresAt"]}
        )
        secure = request.url.scheme == "https"
        csrf = secrets.token_urlsafe(32)
        # The csrf cookie is readable by the page's script, which sends it back as X-CSRF-Token.
        for name, value, http_only in (
            (SESSION_COOKIE, answer["accessToken"], True),
            (CSRF_COOKIE, csrf, False),
        ):
            response.set_cookie(
                name,
                value,
                max_age=lifetime,
                path=COOKIE_PATH,
                secure=secure,
                httponly=http_only,
                samesite="strict",
            )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def sign_out(self, request: Request) -> Response:
        if not self._from_own_page(request) or not csrf_matches(
            request.cookies, request.headers.get(CSRF_HEADER)
        ):
            return _refusal("Sign out from the console's page", 403, "FORBIDDEN")
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await self._end(request, token)
        response = JSONResponse({"ok": True})
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            response.delete_cookie(name, path=COOKIE_PATH, samesite="strict")
        return response

    async def _end(self, request: Request, token: str) -> None:
        """logOut as the token's holder: revoked everywhere (already ended: nothing to do)."""
        services: AppServices = request.app.state.services
        try:
            actor = await services.authenticator.actor_for(f"Bearer {token}", origin_of(request))
        except (AuthenticationFailed, AuthenticationUnavailable):
            return
        await self._run(request, LOG_OUT, actor=actor, variables={})

    async def _run(
        self, request: Request, document: str, *, actor: Actor | None, variables: dict[str, Any]
    ) -> Any:
        # The context of an anonymous request to /graphql (the page sends no Authorization).
        context = await self.view.get_base_context(request)
        if actor is not None:
            context.actor = actor
        return await self.view.schema.execute(
            document, variable_values=variables, context_value=context
        )


async def _credentials(request: Request) -> dict[str, str] | None:
    try:
        raw = await request.body()
        check_json_depth(raw, DEFAULT_MAX_JSON_DEPTH)
        body = json.loads(raw)
    except (JsonTooDeep, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    login, password = body.get("login"), body.get("password")
    if not isinstance(login, str) or not isinstance(password, str):
        return None
    if not login or len(login) > MAX_FIELD_LENGTH or len(password) > MAX_FIELD_LENGTH:
        return None
    return {"login": login, "password": password}
