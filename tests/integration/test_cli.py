"""The `agora` commands other than serve, through the entry point a user's `agora` runs: in this
process where what a command prints and answers is the point, as a process of its own where
its working directory or environment is."""

from __future__ import annotations

import base64
from pathlib import Path

from support.cli import agora_here
from support.server import REPO, run_agora, server_env
from support.stores import StoreUrls

KEY = base64.b64encode(b"k" * 32).decode()


agora = agora_here


def test_export_schema_prints_the_committed_sdl() -> None:
    result = agora("export-schema", env={})

    assert result.returncode == 0
    assert result.stdout == (REPO / "schema.graphql").read_text()


def test_migrate_then_check_reports_everything_ok(stores: StoreUrls) -> None:
    migrated = agora("migrate", env=server_env(stores))
    checked = agora("check", env=server_env(stores))

    assert migrated.returncode == 0, migrated.stderr
    assert "database at revision" in migrated.stdout
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "database reach  ok" in checked.stdout
    assert "redis reach     ok" in checked.stdout
    assert "migrations      at head" in checked.stdout


def test_migrate_loan_covers_runs_and_is_idempotent(stores: StoreUrls) -> None:
    agora("migrate", env=server_env(stores))

    runs = [agora("insurance", "migrate-loan-covers", env=server_env(stores)) for _ in range(2)]

    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert all("loans bound their carried cover's policy: 0" in r.stdout for r in runs)


def test_check_fails_when_a_store_is_unreachable(stores: StoreUrls) -> None:
    result = agora("check", env=server_env(stores, REDIS_URL="redis://127.0.0.1:9/0"))

    assert result.returncode == 1
    assert "redis reach     FAILED" in result.stdout


def test_check_hides_passwords(stores: StoreUrls) -> None:
    url = "postgresql+asyncpg://agora:s3cret@127.0.0.1:9/agora"
    result = agora("check", env=server_env(stores, DATABASE_URL=url))

    assert result.returncode == 1
    assert "s3cret" not in result.stdout + result.stderr
    assert "agora:***@127.0.0.1:9/agora" in result.stdout


def test_production_refuses_embedded_stores(tmp_path: Path) -> None:
    result = run_agora(
        "serve",
        cwd=tmp_path,
        inherit=False,
        env={"AGORA_ENV": "production", "AGORA_JWT_SECRET": KEY, "AGORA_DATA_KEY": KEY},
    )

    assert result.returncode != 0
    assert "production needs DATABASE_URL and REDIS_URL" in result.stderr
    assert result.returncode == 2
    assert not (tmp_path / ".agora").exists()


def test_production_refuses_to_start_without_its_keys(tmp_path: Path) -> None:
    result = run_agora(
        "serve",
        cwd=tmp_path,
        env={
            "AGORA_ENV": "production",
            "DATABASE_URL": "postgresql+asyncpg://x@h/d",
            "REDIS_URL": "redis://h:1/0",
        },
    )

    assert result.returncode == 2
    assert "production needs AGORA_JWT_SECRET" in result.stderr
    assert not (tmp_path / ".agora").exists()


def test_invalid_configuration_is_reported_not_crashed() -> None:
    result = agora("check", env={"AGORA_CURRENCY": "XXX1"})

    assert result.returncode == 2
    assert "invalid configuration" in result.stderr
    assert "currency" in result.stderr
