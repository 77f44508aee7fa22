"""Benchmark: pledges per second on one hot campaign over the API, against the transfer
ceiling of the same run; and (`job`) the deadline job for 100,000 pledges.

`api` (the default): `agora serve` in production settings (one uvicorn worker, real
PostgreSQL and Redis) on a fresh database; a verified creator's keep-it-all donation campaign,
live. A backer may hold one live pledge per campaign, so the backers are many: one signs up and
passes KYC over the API, SQL clones that participant row (same password hash) --clients x
--pledges-per-client times, the operator funds each clone over the API (`adjustWallet`), and
each gets an access token signed with the run's key (signing in thousands of people at
production argon2 cost would measure the hasher, not the pledge). Then C clients, each with
its own backers, pledge 1.00 to the one campaign (`pledge`, a fresh idempotency key): a hold
from the backer's wallet into the campaign's escrow, the campaign's row locked (pledges to one
campaign are grouped, as transfers are: `per_commit` says how many a commit carried, from
/metrics). The ceiling,
same run, same clients and concurrency: `transfer` of 1.00 from C KYC-verified senders to the
creator (a posted transfer between two wallets: what a pledge, a hold, should not cost more
than). Each backer reads the campaign first (its token is not new at its pledge, as the
senders' are not). The two phases alternate in --rounds rounds, so the shared machine's load
drifting falls on both. Checks every answer, the campaign's pledged total and `agora ledger
verify`.

    python bench/crowdfunding.py [api] [--clients 32] [--pledges-per-client 40] [--rounds 4]
    python bench/crowdfunding.py job [--pledges 100000]     # see crowdfunding_job.py
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import cpu
import crowdfunding_job
import harness
import load
from harness import RESULTS

from api.security.tokens import JwtAccessTokens
from domain.actors import Actor, ActorKind
from domain.participants.roles import Role

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_crowdfunding_api"
REDIS_URL = "redis://127.0.0.1:6379/10"
OPERATOR_EMAIL = "operator@bench-crowdfunding.example"
GROUPS = ("transfer", "pledge")  # the group-commit queues, ceiling first

CREATE = (
    "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { "
    "campaign { id } errors { code message } } }"
)
SUBMIT = "mutation($id: ID!) { submitCampaign(campaignId: $id) { errors { code message } } }"
REVIEW = (
    "mutation($id: ID!) { reviewCampaign(input: {campaignId: $id, approve: true}) { "
    "campaign { state } errors { code message } } }"
)
FUND = (
    "mutation A($i: AdjustWalletInput!, $k: String!) { "
    "adjustWallet(input: $i, idempotencyKey: $k) { errors { code } } }"
)
PLEDGE = (
    "mutation P($i: PledgeInput!, $k: String!) { pledge(input: $i, idempotencyKey: $k) { "
    "pledge { state } errors { code message } } }"
)
TRANSFER = (
    "mutation T($i: TransferInput!, $k: String!) { transfer(input: $i, idempotencyKey: $k) { "
    "status errors { code message } } }"
)
PLEDGED = "query($id: ID!) { campaign(id: $id) { pledged { amount } backers } }"
CLONE = """
INSERT INTO participant
SELECT (jsonb_populate_record(NULL::participant, to_jsonb(t) || jsonb_build_object(
    'id', md5('bench-backer' || n)::uuid,
    'email', 'backer' || n || '@bench-crowdfunding.example'))).*
FROM participant t, generate_series(1, $2::int) AS n WHERE t.id = $1
RETURNING id
"""


async def call(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str = ""
) -> Any:
    """The answer's one field of `data`; raises on any error but the payload's own."""
    return next(iter((await harness.gql_async(client, query, variables, token)).values()))


def global_id(type_name: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode()


def raw_id(global_id_: str) -> str:
    return base64.urlsafe_b64decode(global_id_).decode().partition(":")[2]


def set_up(base_url: str, database_url: str, backers: int, clients: int) -> dict[str, Any]:
    operator = harness.log_in(base_url, OPERATOR_EMAIL)
    creator_id, creator = harness.sign_up(
        base_url, "creator@bench-crowdfunding.example", ["BORROWER"], display_name="creator"
    )
    harness.pass_kyc(base_url, creator, operator, 1)
    campaign = {
        "kind": "DONATION",
        "fundingModel": "KEEP_IT_ALL",
        "goal": "1000000.00",
        "currency": "CNY",
        "durationDays": 300,
        "title": "Books for a village school",
    }
    made = harness.call(base_url, CREATE, {"i": campaign}, "createCampaign", creator)
    campaign_id = made["campaign"]["id"]
    harness.call(base_url, SUBMIT, {"id": campaign_id}, "submitCampaign", creator)
    reviewed = harness.call(base_url, REVIEW, {"id": campaign_id}, "reviewCampaign", operator)
    assert reviewed["campaign"]["state"] == "LIVE", reviewed

    def funded(participant_id: str, n: str) -> None:
        fund = {
            "participantId": participant_id,
            "amount": "1000.00",
            "currency": "CNY",
            "reason": "bench backer funds",
        }
        answer = harness.call(
            base_url, FUND, {"i": fund, "k": f"fund-{n}"}, "adjustWallet", operator
        )
        assert answer["errors"] == [], answer

    senders = []
    for n in range(clients):
        sender_id, token = harness.sign_up(
            base_url, f"sender{n}@bench-crowdfunding.example", ["INVESTOR"]
        )
        harness.pass_kyc(base_url, token, operator, 100 + n)
        funded(sender_id, f"sender-{n}")
        senders.append(token)
    template_id, _ = harness.sign_up(
        base_url, "template@bench-crowdfunding.example", ["INVESTOR"], display_name="backer"
    )

    async def clones() -> list[str]:
        conn = await asyncpg.connect(harness.plain_url(database_url))
        try:
            rows = await conn.fetch(CLONE, uuid.UUID(raw_id(template_id)), backers)
        finally:
            await conn.close()
        return [str(row["id"]) for row in rows]

    backer_ids = asyncio.run(clones())
    tokens = JwtAccessTokens(base64.urlsafe_b64decode(harness.RUN_KEYS["AGORA_JWT_SECRET"]))
    now = datetime.now(UTC)
    backer_tokens = []
    for n, backer in enumerate(backer_ids):
        funded(global_id("Participant", backer), f"backer-{n}")
        actor = Actor(
            ActorKind.PERSON,
            participant_id=uuid.UUID(backer),
            roles=frozenset({Role.INVESTOR}),
            session_id=uuid.uuid4(),
        )
        backer_tokens.append(tokens.issue(actor, now=now).token)
    return {
        "campaign": campaign_id,
        "creator": creator_id,
        "senders": senders,
        "backers": backer_tokens,
    }


async def backend_pids(database_url: str) -> list[int]:
    """The PostgreSQL backends serving the run's database (the server's pooled connections;
    not autovacuum's workers, whose turns would land on whichever phase they fell in)."""
    conn = await asyncpg.connect(harness.plain_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return [row["pid"] for row in rows]


@dataclass
class Tally:
    """A phase's requests over its rounds: their latencies and failures, the time they took,
    and the CPU they cost the server and the run's PostgreSQL backends."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    other_work: float = 0.0  # the machine's share other processes took, times the seconds

    def summary(self) -> dict[str, Any]:
        done, seconds = len(self.latencies), self.seconds
        return {
            "server_cpu_ms": round(self.server_cpu * 1000 / done, 2) if done else None,
            "postgres_cpu_ms": round(self.postgres_cpu * 1000 / done, 2) if done else None,
            "machine_taken_by_other_work": round(self.other_work / seconds, 2) if seconds else None,
            "requests": done,
            "seconds": round(seconds, 2),
            "per_second": round(done / seconds, 1) if seconds else None,
            "p50_ms": round(statistics.median(self.latencies) * 1000, 1) if done else None,
            "p99_ms": round(load.percentile(self.latencies, 99) * 1000, 1) if done else None,
            "failures": len(self.failures),
            "failure_samples": self.failures[:3],
        }


async def closed_loop(
    base_url: str,
    clients: int,
    requests: list[list[tuple[str, dict[str, Any], str]]],
    server_pid: int | None = None,
    database_url: str = "",
    tally: Tally | None = None,
) -> Tally:
    """Each client sends its own requests one after another; every answer must be clean.
    With `server_pid` (and `database_url`), the CPU each request cost the server process
    (and the run's PostgreSQL backends): unlike requests per second, that does not move
    with what else the shared machine runs meanwhile. Added to `tally` when given."""
    tally = Tally() if tally is None else tally

    async def loop(mine: list[tuple[str, dict[str, Any], str]]) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            for query, variables, token in mine:
                started = time.perf_counter()
                try:
                    answer = await call(client, query, variables, token)
                    assert answer["errors"] == [], answer
                except Exception as error:  # every failure is counted and shown
                    tally.failures.append(repr(error)[:300])
                    continue
                tally.latencies.append(time.perf_counter() - started)

    pids = await backend_pids(database_url) if database_url else []
    server_cpu = cpu.process_cpu_seconds(server_pid) if server_pid else 0.0
    backends_cpu = {pid: cpu.cpu_seconds_of([pid]) for pid in pids}
    before = cpu.snapshot([server_pid] if server_pid else [])
    began = time.perf_counter()
    await asyncio.gather(*(loop(requests[c]) for c in range(clients)))
    elapsed = time.perf_counter() - began
    tally.seconds += elapsed
    if server_pid:
        tally.server_cpu += cpu.process_cpu_seconds(server_pid) - server_cpu
        tally.other_work += (cpu.foreign_share(before, cpu.snapshot([server_pid])) or 0) * elapsed
    if database_url:  # backends opened meanwhile count from zero
        pids = await backend_pids(database_url)
        used = sum(cpu.cpu_seconds_of([pid]) - backends_cpu.get(pid, 0.0) for pid in pids)
        tally.postgres_cpu += used
    return tally


async def look_first(base_url: str, clients: int, tokens: list[str], campaign_id: str) -> None:
    """Each backer reads the campaign before pledging, as one does: the server has seen its
    access token before the pledge (a token is verified once, then cached), as it has seen
    the senders' before the transfers are measured. Otherwise every pledge, each by a backer
    of its own, and no transfer, would pay a first verification (the CPU ratio, pledge to
    transfer, was 1.53 without this and 1.20-1.24 with it, same code, 7 December 2026)."""

    async def loop(mine: list[str]) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            for token in mine:
                await call(client, PLEDGED, {"id": campaign_id}, token)

    await asyncio.gather(*(loop(tokens[c::clients]) for c in range(clients)))


def api(argv: Sequence[str]) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL, redis_url=REDIS_URL)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--pledges-per-client", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=4, help="transfer and pledge phases")
    args = parser.parse_args(argv)
    per = args.pledges_per_client
    with harness.fresh_agora(args, "crowdfunding_agora.log") as (server, env):
        harness.create_operator(env, OPERATOR_EMAIL)
        world = set_up(server.base_url, args.database_url, args.clients * (per + 1), args.clients)
        backers = world["backers"]
        warm, hot = backers[: args.clients], backers[args.clients :]

        def pledges(tokens: list[str], run: str) -> list[list[tuple[str, dict[str, Any], str]]]:
            request = {"campaignId": world["campaign"], "amount": "1.00", "currency": "CNY"}
            return [
                [
                    (PLEDGE, {"i": request, "k": f"{run}-{c}-{n}"}, tokens[c + n * args.clients])
                    for n in range(len(tokens) // args.clients)
                ]
                for c in range(args.clients)
            ]

        def transfers(run: str) -> list[list[tuple[str, dict[str, Any], str]]]:
            request = {"recipientId": world["creator"], "amount": "1.00", "currency": "CNY"}
            return [
                [
                    (TRANSFER, {"i": request, "k": f"{run}-{c}-{n}"}, world["senders"][c])
                    for n in range(per)
                ]
                for c in range(args.clients)
            ]

        measure, costs = (server.base_url, args.clients), (server.process.pid, args.database_url)

        def round_of(requests: list[list[Any]], r: int) -> list[list[Any]]:
            """Round `r` of `args.rounds`: each client's next share of its requests."""
            return [
                mine[r * len(mine) // args.rounds : (r + 1) * len(mine) // args.rounds]
                for mine in requests
            ]

        async def run() -> dict[str, Any]:
            await closed_loop(server.base_url, args.clients, pledges(warm, "warm"))
            await closed_loop(server.base_url, args.clients, transfers("warm"))
            await look_first(server.base_url, args.clients, hot, world["campaign"])
            sent, pledged = transfers("measured"), pledges(hot, "measured")
            batched = [harness.group_commit(server.base_url, name) for name in GROUPS]
            ceiling_tally, pledge_tally = Tally(), Tally()
            for r in range(args.rounds):  # interleaved: the load's drift falls on both
                await closed_loop(*measure, round_of(sent, r), *costs, ceiling_tally)
                await closed_loop(*measure, round_of(pledged, r), *costs, pledge_tally)
            ceiling, measured = ceiling_tally.summary(), pledge_tally.summary()
            for phase, name, before in zip((ceiling, measured), GROUPS, batched, strict=True):
                phase["per_commit"] = harness.per_batch(
                    before, harness.group_commit(server.base_url, name)
                )
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                campaign = await call(client, PLEDGED, {"id": world["campaign"]}, backers[0])
            return {
                "clients": args.clients,
                "ceiling_transfer": ceiling,
                "pledges": measured,
                "pledge_to_transfer": round(measured["per_second"] / ceiling["per_second"], 2),
                "cpu_pledge_to_transfer": _cpu_ratio(measured, ceiling),
                "campaign": campaign,
            }

        report = asyncio.run(run())
    verified, verify_output = harness.ledger_verify(args.database_url)
    report["ledger_verify"] = "consistent" if verified else verify_output
    harness.write_results(RESULTS / "crowdfunding_api.json", report)
    print(json.dumps(report, indent=2))
    expected = f"{len(backers)}.00"
    right = report["campaign"]["pledged"]["amount"] == expected and report["campaign"][
        "backers"
    ] == len(backers)
    failures = report["pledges"]["failures"] + report["ceiling_transfer"]["failures"]
    return 0 if verified and right and failures == 0 else 1


def _cpu_ratio(pledges: dict[str, Any], transfers: dict[str, Any]) -> float | None:
    """Server and PostgreSQL CPU per pledge over the same per transfer (1.0: as costly)."""
    keys = ("server_cpu_ms", "postgres_cpu_ms")
    if not all(run.get(key) for run in (pledges, transfers) for key in keys):
        return None
    return round(sum(pledges[k] for k in keys) / sum(transfers[k] for k in keys), 2)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["job"]:
        return asyncio.run(crowdfunding_job.main(arguments[1:]))
    return api(arguments[1:] if arguments[:1] == ["api"] else arguments)


if __name__ == "__main__":
    sys.exit(main())
