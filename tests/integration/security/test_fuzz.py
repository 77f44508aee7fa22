"""Fuzzing /graphql: whatever arrives, the answer is a 2xx/4xx JSON body that leaks nothing.

Requests come in three families: (a) real documents with characters and tokens dropped,
inserted and replaced; (b) well-formed documents for every root field of the schema, with
arguments of the right and of wrong types, as literals or variables; (c) random JSON:
variables, bodies, query strings. Every answer must have an allowed status, a JSON body,
no INTERNAL_ERROR and no trace of our internals, and fuzzing anonymously must write
nothing. Inputs that once broke a rule are kept below as regression tests.

The app runs on an event loop of this module's own, so that hypothesis drives plain
functions and the app is built once, not once per example.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import string
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, TypeVar

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from starlette.applications import Starlette

from graph.schema import build_schema
from support.examples import examples
from support.schema_walk import every_field
from support.security import (
    LEAKS,
    Caller,
    create_person,
    global_id,
    missing_id,
    running_app,
    submit_kyc,
)
from support.stores import StoreUrls

ALLOWED_STATUSES = {200, 400, 401, 405, 413, 415, 429}
SCHEMA: GraphQLSchema = build_schema()._schema
# Anonymous fuzzing leaves these out: signing up and failed sign-ins do write, rightly.
WRITES_WHEN_ANONYMOUS = {"register", "logIn"}
# A signed-in fuzzer leaves these out: they end the very session it fuzzes with.
ENDS_THE_SESSION = {"logOut", "changePassword"}
# What an anonymous caller must never create (audit entries of refusals would be fair).
TABLES = ("participant", "api_key", "kyc_submission", "refresh_token")
T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """One HTTP request to /graphql: a GraphQL body, or a raw one, or a GET."""

    query: Any = None
    variables: Any = None
    method: str = "POST"
    raw: bytes | None = None  # a body sent as it is, instead of {"query", "variables"}
    content_type: str = "application/json"
    accept: str | None = None
    authorization: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # more top-level body entries

    def text(self) -> str:
        return f"{self.query!r} {json.dumps(self.variables)} {self.raw!r} {self.extra!r}"


# --- Sending and checking ---


class Fuzzer:
    """The app on this module's event loop, with callers to fuzz as."""

    def __init__(self, loop: asyncio.AbstractEventLoop, app: Starlette, client: httpx.AsyncClient):
        self.loop, self.app, self.client = loop, app, client
        self.callers: dict[str, Caller] = {}
        self.serial = 0

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def new_submission(self) -> str:
        """The id of a new applicant's pending KYC submission."""
        self.serial += 1
        applicant = self.run(create_person(self.app, "applicant", roles=["BORROWER"]))
        return self.run(submit_kyc(self.client, applicant, self.serial))

    def send(self, request: Request, token: str | None = None) -> httpx.Response:
        headers = {"content-type": request.content_type}
        if request.accept is not None:
            headers["accept"] = request.accept
        if request.authorization is not None:
            headers["authorization"] = request.authorization
        elif token is not None:
            headers["authorization"] = f"Bearer {token}"
        if request.method == "GET":
            params = {"query": request.query if isinstance(request.query, str) else ""}
            if request.variables is not None:
                params["variables"] = json.dumps(request.variables)
            return self.run(self.client.get("/graphql", params=params, headers=headers))
        if request.raw is not None:
            content = request.raw
        else:
            body = {"query": request.query, "variables": request.variables, **request.extra}
            content = json.dumps(body).encode()
        return self.run(self.client.post("/graphql", content=content, headers=headers))

    def row_counts(self) -> dict[str, int]:
        async def count() -> dict[str, int]:
            async with self.app.state.stores.engine.connect() as conn:
                return {
                    t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one()
                    for t in TABLES
                }

        return self.run(count())


def check(request: Request, response: httpx.Response) -> None:
    """The rules every answer keeps, whatever was asked."""
    shown = f"{request!r}\n-> {response.status_code} {response.text[:2000]}"
    assert response.status_code in ALLOWED_STATUSES, shown
    body = response.json()  # fails the test if the body is not JSON
    assert not any(leak in response.text for leak in LEAKS), shown
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors or []:
        assert (error.get("extensions") or {}).get("code") != "INTERNAL_ERROR", shown


@pytest.fixture(scope="module")
def fuzzer(stores: StoreUrls) -> Iterator[Fuzzer]:
    loop = asyncio.new_event_loop()
    app_context = running_app(stores)
    try:
        app, client = loop.run_until_complete(app_context.__aenter__())
        try:
            f = Fuzzer(loop, app, client)
            f.callers["operator"] = f.run(create_person(app, "operator", roles=["OPERATOR"]))
            f.callers["merchant"] = f.run(
                create_person(app, "merchant", roles=["MERCHANT"], kind="BUSINESS")
            )
            REAL_IDS[:] = [f.new_submission(), *(str(c.id) for c in f.callers.values())]
            yield f
        finally:
            loop.run_until_complete(app_context.__aexit__(None, None, None))
    finally:
        loop.close()


# --- Values ---


@dataclass(frozen=True)
class EnumName:
    """An enum value: bare in a document, a string in variables."""

    name: str


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**31, -(2**31) - 1, 2**63, 10**30, -(10**400)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), inner, max_size=4
        )
    ),
    max_leaves=12,
)
INTERESTING_STRINGS = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "0.0435",
    "10000.00",
    "CNY",
    "XXX",
    "someone@example.com",
    "+8613800138000",
    "\x00",
    "a\x00b",
    "'; DROP TABLE participant; --",
    "<script>alert(1)</script>",
    "%s%n",
    "../../etc/passwd",
    "\u202e",
    "😀" * 40,
    "A" * 5000,
    "${jndi:ldap://x}",
    "{{7*7}}",
    "\\",
    '"',
    "\n\r\t",
]
strings = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.-+eE", max_size=30),
    st.sampled_from(INTERESTING_STRINGS),
    # Cursors: base64 of a JSON list, as our connections make them, with odd contents.
    st.lists(json_leaves, max_size=3).map(lambda v: _b64(json.dumps(v))),
)
TYPE_NAMES = ["Participant", "KycSubmission", "ApiKey", "AuditEntry", "Loan", ""]
# Ids of objects that exist, filled in when the app is up: they reach further than missing ones.
REAL_IDS: list[str] = []
ids = st.one_of(
    st.deferred(lambda: st.sampled_from(REAL_IDS)),
    st.sampled_from(TYPE_NAMES).map(missing_id),
    st.tuples(st.sampled_from(TYPE_NAMES), st.text(max_size=20)).map(lambda p: global_id(*p)),
    strings,
)
datetimes = st.one_of(
    st.datetimes(timezones=st.sampled_from([None, UTC])).map(lambda d: d.isoformat()),
    strings,
)
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), strings)
ints = st.one_of(
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from([0, 1, -1, 12, 100, 101, 600, 601, 604800, 604801, 2**31 - 1, -(2**31)]),
)
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Int": ints,
    "Float": st.floats(allow_nan=False, allow_infinity=False),
    "String": strings,
    "Boolean": st.booleans(),
    "ID": ids,
    "DateTime": datetimes,
    "Date": dates,
    "JSON": json_values,
}


def values_of(type_: GraphQLInputType, *, wrong: bool = True) -> st.SearchStrategy[Any]:
    """Values of `type_`, and (if `wrong`) now and then of any other type."""
    right = _right_values(type_, wrong=wrong)
    return st.one_of(*[right] * 5, json_values) if wrong else right


def _right_values(type_: GraphQLInputType, *, wrong: bool) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return _non_null_values(type_.of_type, wrong=wrong)
    return st.one_of(st.none(), *[_non_null_values(type_, wrong=wrong)] * 3)


def _non_null_values(type_: GraphQLInputType, *, wrong: bool) -> st.SearchStrategy[Any]:
    values: st.SearchStrategy[Any]
    if isinstance(type_, GraphQLList):
        values = st.lists(values_of(type_.of_type, wrong=wrong), max_size=3)
    elif isinstance(type_, GraphQLEnumType):
        values = st.sampled_from(sorted(type_.values)).map(EnumName)
    elif isinstance(type_, GraphQLInputObjectType):
        fields = type_.fields
        required = {
            n: values_of(f.type, wrong=wrong)
            for n, f in fields.items()
            if isinstance(f.type, GraphQLNonNull)
        }
        optional = {
            n: values_of(f.type, wrong=wrong) for n, f in fields.items() if n not in required
        }
        values = st.fixed_dictionaries(required, optional=optional)
    else:
        assert isinstance(type_, GraphQLScalarType)
        values = SCALARS[type_.name]
    return values


def literal(value: Any) -> str:
    """`value` written as a GraphQL literal."""
    if isinstance(value, EnumName):
        return value.name
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON's escapes are GraphQL's
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"


def plain(value: Any) -> Any:
    """`value` as JSON variables carry it."""
    if isinstance(value, EnumName):
        return value.name
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


# --- Documents ---


ROOTS: dict[str, GraphQLObjectType] = {
    "query": SCHEMA.query_type,  # type: ignore[dict-item]
    "mutation": SCHEMA.mutation_type,  # type: ignore[dict-item]
    "subscription": SCHEMA.subscription_type,  # type: ignore[dict-item]
}


def root_fields(excluded: set[str]) -> list[tuple[str, str, GraphQLField]]:
    return [
        (operation, name, field_)
        for operation, root in ROOTS.items()
        for name, field_ in root.fields.items()
        if name not in excluded
    ]


@st.composite
def documents(draw: st.DrawFn, excluded: set[str], *, wrong: bool = True) -> Request:
    """A well-formed operation on one root field, arguments as literals or variables."""
    operation, name, field_ = draw(st.sampled_from(root_fields(excluded)))
    as_variables = draw(st.booleans())
    arguments, declarations, variables = [], [], {}
    for arg_name, arg in field_.args.items():
        required = isinstance(arg.type, GraphQLNonNull)
        if not required and draw(st.booleans()):
            continue
        if required and wrong and draw(st.integers(0, 9)) == 0:
            continue  # a required argument left out
        value = draw(values_of(arg.type, wrong=wrong))
        if as_variables:
            declarations.append(f"${arg_name}: {arg.type}")
            arguments.append(f"{arg_name}: ${arg_name}")
            variables[arg_name] = plain(value)
        else:
            arguments.append(f"{arg_name}: {literal(value)}")
    if wrong and draw(st.integers(0, 9)) == 0:
        arguments.append(f"unknownArgument: {literal(draw(json_values))}")
    head = f"{operation} Fuzz" + (f"({', '.join(declarations)})" if declarations else "")
    args = f"({', '.join(arguments)})" if arguments else ""
    query = f"{head} {{ {name}{args} {every_field(field_.type)} }}"
    accept = draw(st.sampled_from([None, "application/json", "application/graphql-response+json"]))
    return Request(query, variables, accept=accept)


TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\.\.|\S'
)


def vocabulary(excluded: set[str]) -> list[str]:
    names = {n for n in SCHEMA.type_map if not n.startswith("__")}
    for type_ in SCHEMA.type_map.values():
        names |= set(getattr(type_, "fields", None) or {})
        names |= set(getattr(type_, "values", None) or {})
    for _, _, field_ in root_fields(set()):
        names |= set(field_.args)
    punctuation = [*"{}()[]:!$@=|&", "...", "#", ",", '"', '"""']
    keywords = [
        "query",
        "mutation",
        "subscription",
        "fragment",
        "on",
        "null",
        "true",
        "false",
        "__typename",
        "__schema",
        "__type",
        "@include(if: true)",
        "@skip(if: false)",
        "@defer",
        "$undeclared",
    ]
    literals = ['""', '"x"', '"\\u0000"', "0", "-1", "2147483648", "1.5e308", "[]", "{}"]
    return sorted(names - excluded) + punctuation + keywords + literals


@st.composite
def mutated_documents(draw: st.DrawFn, excluded: set[str]) -> Request:
    """A valid document with tokens and characters dropped, inserted or replaced."""
    original = draw(documents(excluded, wrong=False))
    words = vocabulary(excluded)
    tokens = TOKEN.findall(original.query)
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["drop", "insert", "replace", "repeat", "swap"]))
        at = draw(st.integers(0, max(len(tokens) - 1, 0)))
        if edit == "drop" and tokens:
            del tokens[at]
        elif edit == "insert":
            tokens.insert(at, draw(st.sampled_from(words)))
        elif edit == "replace" and tokens:
            tokens[at] = draw(st.sampled_from(words))
        elif edit == "repeat" and tokens:
            tokens[at:at] = tokens[at : at + draw(st.integers(1, 5))] * draw(st.integers(1, 3))
        elif edit == "swap" and len(tokens) > 1:
            other = draw(st.integers(0, len(tokens) - 1))
            tokens[at], tokens[other] = tokens[other], tokens[at]
    query = " ".join(tokens)
    for _ in range(draw(st.integers(0, 3))):  # and a few characters
        at = draw(st.integers(0, len(query)))
        if draw(st.booleans()):
            query = query[:at] + draw(st.text(max_size=3)) + query[at:]
        else:
            query = query[:at] + query[at + draw(st.integers(1, 4)) :]
    for name in excluded:  # an edit must not call what the run leaves out
        query = query.replace(name, "platform")
    return Request(query, original.variables, accept=original.accept)


@st.composite
def random_json_requests(draw: st.DrawFn, excluded: set[str]) -> Request:
    """Random JSON where the variables, the body or the query string go."""
    kind = draw(st.sampled_from(["variables", "body", "fields", "not json", "get", "media"]))
    document = draw(documents(excluded, wrong=False))
    if kind == "variables":
        variables = draw(st.one_of(json_values, st.dictionaries(st.text(max_size=10), json_values)))
        if isinstance(variables, dict) and isinstance(document.variables, dict):
            variables = {**document.variables, **variables}
        return Request(document.query, variables, accept=document.accept)
    if kind == "body":
        return Request(raw=json.dumps(draw(json_values)).encode())
    if kind == "fields":
        return Request(
            query=draw(st.one_of(json_values, st.just(document.query))),
            variables=draw(json_values),
            extra={"operationName": draw(json_values), "extensions": draw(json_values)},
        )
    if kind == "not json":
        return Request(raw=draw(st.binary(max_size=200)))
    if kind == "get":
        return Request(document.query, draw(json_values), method="GET")
    content_type = draw(
        st.sampled_from(
            [
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "application/graphql",
                "",
            ]
        )
    )
    return Request(document.query, document.variables, content_type=content_type)


garbage_credentials = st.one_of(
    st.text(alphabet=string.printable.strip(), max_size=60),
    st.text(alphabet=string.ascii_letters + string.digits + "._-", max_size=80).map(
        lambda t: f"Bearer {t}"
    ),
    st.sampled_from(["Bearer agora_", "Bearer agora_0123456789ab_x", "Basic YTpi", "Bearer "]),
)


def requests(excluded: set[str], *, credentials: bool = True) -> st.SearchStrategy[Request]:
    """Well-typed documents most, then ill-typed, mutated, random JSON, forged credentials."""
    well_typed = documents(excluded, wrong=False)
    families = [
        well_typed,
        well_typed,
        well_typed,
        documents(excluded),
        documents(excluded),
        mutated_documents(excluded),
        mutated_documents(excluded),
        random_json_requests(excluded),
    ]
    if credentials:
        families.append(
            st.builds(
                lambda r, c: Request(r.query, r.variables, authorization=c),
                documents(excluded),
                garbage_credentials,
            )
        )
    return st.one_of(*families)


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=examples(max_examples),
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
        database=None,
    )


def test_anonymous_fuzz_breaks_nothing_and_writes_nothing(fuzzer: Fuzzer) -> None:
    before = fuzzer.row_counts()

    @fuzz_settings(400)
    @given(request=requests(WRITES_WHEN_ANONYMOUS))
    def fuzz(request: Request) -> None:
        check(request, fuzzer.send(request))

    fuzz()

    assert fuzzer.row_counts() == before


@pytest.mark.parametrize("caller", ["merchant", "operator"])
def test_signed_in_fuzz_breaks_nothing(fuzzer: Fuzzer, caller: str) -> None:
    token = fuzzer.callers[caller].token

    @fuzz_settings(150)
    @given(request=requests(ENDS_THE_SESSION, credentials=False))
    def fuzz(request: Request) -> None:
        check(request, fuzzer.send(request, token))

    fuzz()


# --- What the fuzz found: each a minimal request, kept as a regression test. ---


def _b64_json(value: object) -> str:
    return _b64(json.dumps(value))


NUL = "\x00"
LOG_IN = "mutation L($i: LogInInput!) { logIn(input: $i) { errors { code } } }"
REGISTER = "mutation R($i: RegisterInput!) { register(input: $i) { errors { code } } }"
SIGN_UP = {
    "kind": "PERSON",
    "displayName": "Nul",
    "password": "correct horse battery",
    "roles": ["BORROWER"],
}
NUL_REQUESTS: dict[str, tuple[str | None, str, dict[str, Any]]] = {
    "logIn login": (None, LOG_IN, {"i": {"login": f"a{NUL}@example.com", "password": "x" * 12}}),
    "register displayName": (
        None,
        REGISTER,
        {"i": {**SIGN_UP, "displayName": f"a{NUL}b", "email": "n1@example.com"}},
    ),
    "register email": (None, REGISTER, {"i": {**SIGN_UP, "email": f"a{NUL}b@example.com"}}),
    "updateProfile displayName": (
        "merchant",
        "mutation U($n: String!) { updateProfile(displayName: $n) { errors { code } } }",
        {"n": f"a{NUL}b"},
    ),
    "submitKyc legalName": (
        "merchant",
        "mutation S($i: SubmitKycInput!) { submitKyc(input: $i) { errors { code } } }",
        {"i": {"documentType": "PASSPORT", "legalName": f"a{NUL}b", "documentNumber": "E12345678"}},
    ),
    "createApiKey name": (
        "merchant",
        "mutation C($i: CreateApiKeyInput!) { createApiKey(input: $i) { errors { code } } }",
        {"i": {"name": f"a{NUL}b", "scopes": ["PAYMENTS_READ"]}},
    ),
    "decideKyc reason": (
        "operator",
        "mutation D($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }",
        {"i": {"submissionId": "<submission>", "decision": "REJECT", "reason": f"blurred{NUL}"}},
    ),
    "revealDocumentNumber reason": (
        "operator",
        """mutation R($id: ID!, $r: String!) {
             revealDocumentNumber(submissionId: $id, reason: $r) { errors { code } } }""",
        {"id": "<submission>", "r": f"fraud review{NUL}4711"},
    ),
    "auditLog action": (
        "operator",
        "query A($a: String) { auditLog(action: $a) { nodes { action } } }",
        {"a": f"auth.login{NUL}"},
    ),
}


def _send_checked(fuzzer: Fuzzer, request: Request, caller: str | None = None) -> None:
    """`request` by a new participant (the fuzz may have changed the shared ones), checked."""
    token = None
    if caller == "operator":
        token = fuzzer.callers["operator"].token
    elif caller == "merchant":
        merchant = create_person(fuzzer.app, "merchant", roles=["MERCHANT"], kind="BUSINESS")
        token = fuzzer.run(merchant).token
    check(request, fuzzer.send(request, token))


def _with_new_submission(fuzzer: Fuzzer, value: Any) -> Any:
    """`value` with "<submission>" replaced by a new pending submission's id."""
    if "<submission>" not in json.dumps(value):
        return value
    submission = json.dumps(fuzzer.new_submission())
    return json.loads(json.dumps(value).replace('"<submission>"', submission))


@pytest.mark.parametrize("entry", list(NUL_REQUESTS))
def test_nul_bytes_in_strings_are_refused(fuzzer: Fuzzer, entry: str) -> None:
    caller, query, variables = NUL_REQUESTS[entry]

    _send_checked(fuzzer, Request(query, _with_new_submission(fuzzer, variables)), caller)


@pytest.mark.parametrize(
    ("query", "cursor", "caller"),
    [
        pytest.param("participants", ["x", "y"], None, id="participants-not-a-time"),
        pytest.param("participants", [{}, []], None, id="participants-not-strings"),
        pytest.param(
            "participants",
            ["2020-01-01T00:00:00+00:00", "x"],
            "operator",
            id="participants-not-a-uuid",
        ),
        pytest.param("auditLog", ["x"], None, id="auditLog-not-a-number"),
        pytest.param("auditLog", ["99999999999999999999"], "operator", id="auditLog-too-big"),
    ],
)
def test_forged_cursors_are_refused(
    fuzzer: Fuzzer, query: str, cursor: list[object], caller: str | None
) -> None:
    document = (
        f"query C($after: String) {{ {query}(after: $after) {{ pageInfo {{ hasNextPage }} }} }}"
    )

    _send_checked(fuzzer, Request(document, {"after": _b64_json(cursor)}), caller)


def test_an_expiry_without_a_time_zone_is_refused(fuzzer: Fuzzer) -> None:
    document = """mutation C { createApiKey(input: {name: "naive", scopes: [PAYMENTS_READ],
                    expiresAt: "2030-01-01T00:00:00"}) { errors { code field } } }"""

    _send_checked(fuzzer, Request(document), "merchant")


def test_a_first_due_date_near_year_9999_is_refused(fuzzer: Fuzzer) -> None:
    document = """query Q { quoteLoan(input: {principal: "100.00", currency: "CNY",
      annualRate: "0.05", termMonths: 2, method: BULLET, firstDueDate: "9999-12-01"}) { apr } }"""

    _send_checked(fuzzer, Request(document))


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_subscription_over_http_is_a_request_error(fuzzer: Fuzzer, method: str) -> None:
    document = "subscription S { heartbeat { sequence } }"

    _send_checked(fuzzer, Request(document, method=method))


def test_a_long_rejection_reason_is_refused(fuzzer: Fuzzer) -> None:
    document = """mutation D($i: DecideKycInput!) { decideKyc(input: $i) { errors { code } } }"""
    variables = {
        "i": {"submissionId": fuzzer.new_submission(), "decision": "REJECT", "reason": "x" * 501}
    }

    _send_checked(fuzzer, Request(document, variables), "operator")


@pytest.mark.parametrize("body", [b"null", b"1", b'"{ platform { name } }"', b"true"])
def test_a_json_body_that_is_not_an_object_is_a_400(fuzzer: Fuzzer, body: bytes) -> None:
    _send_checked(fuzzer, Request(raw=body))


def test_a_body_that_is_not_utf8_is_a_400(fuzzer: Fuzzer) -> None:
    _send_checked(fuzzer, Request(raw=b"\x80"))
