"""DATABASE_URL with several hosts: the engine and the relay's connection find the same ones."""

from api.database_urls import asyncpg_connect_args, engine_url

MULTI_HOST = (
    "postgresql+asyncpg://agora:s%40cret@/agora"
    "?host=pg1:5432&host=pg2:5433&target_session_attrs=read-write"
)


def test_the_relay_connects_to_every_host_the_engine_would() -> None:
    args = asyncpg_connect_args(MULTI_HOST)

    assert args["host"] == ["pg1", "pg2"]
    assert args["port"] == [5432, 5433]
    assert args["target_session_attrs"] == "read-write"
    assert args["password"] == "s@cret"
    assert args["timeout"] > 0  # a silent host does not hold a connection for a minute


def test_libpqs_comma_form_becomes_sqlalchemys() -> None:
    pasted = "postgres://agora:s%40cret@pg1:5432,pg2:5433/agora?target_session_attrs=read-write"

    assert asyncpg_connect_args(pasted) == asyncpg_connect_args(MULTI_HOST)
    assert engine_url(pasted).drivername == "postgresql+asyncpg"


def test_sslmode_becomes_asyncpgs_ssl() -> None:
    url = engine_url("postgres://pg1:5432,pg2:5432/agora?sslmode=require")

    assert url.query["ssl"] == "require"
    assert "sslmode" not in url.query


def test_one_host_is_left_as_it_is() -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora"

    assert engine_url(url).render_as_string(hide_password=False) == url
    assert asyncpg_connect_args(url)["host"] == "127.0.0.1"
