"""The container deployment holds together: Dockerfile, .dockerignore, docker-compose.yml, nginx.

No Docker engine runs here, so the files are parsed and checked against what the app expects
(its settings, probes, commands and the migrations path); `docker compose config` also runs
where the compose plugin is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

STACK = {"postgres", "redis", "migrate", "api", "proxy", "worker"}
AGORA_SERVICES = ("migrate", "api", "worker")  # the ones running the Agora image
LONG_RUNNING = ("postgres", "redis", "api", "proxy", "worker")
SHARED_ENV_KEY = "x-agora-env"


# --- docker-compose.yml -------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")


def interpolate(value: Any) -> Any:
    """Compose's `${NAME:-default}`, resolved to the defaults so the test ignores the shell."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda match: match.group("default") or "", value)
    if isinstance(value, list):
        return [interpolate(item) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item) for key, item in value.items()}
    return value


def load_compose() -> dict[str, Any]:
    return interpolate(yaml.safe_load(COMPOSE_FILE.read_text()))


def service(name: str) -> dict[str, Any]:
    return load_compose()["services"][name]


def environment_of(definition: dict[str, Any]) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as a KEY=value list."""
    env = definition.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def dependency_conditions(definition: dict[str, Any]) -> dict[str, str]:
    depends = definition.get("depends_on", {})
    if isinstance(depends, list):  # the short form only waits for the container to start
        return dict.fromkeys(depends, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in depends.items()}


def seconds(duration: str | int | float) -> float:
    """A compose duration ("1m30s", "45s", "500ms") in seconds."""
    if isinstance(duration, int | float):
        return float(duration)
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    assert "".join(n + u for n, u in parts) == duration, f"bad duration {duration!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


def host_port(mapping: str | int | dict[str, Any]) -> str | None:
    """The host side of a `ports:` entry, None when only the container port is given."""
    if isinstance(mapping, dict):
        published = mapping.get("published")
        return None if published is None else str(published)
    text = str(mapping).split("/")[0]
    return text.rsplit(":", 1)[0].split(":")[-1] if ":" in text else None


def healthcheck_enabled(definition: dict[str, Any]) -> bool:
    check = definition.get("healthcheck")
    if not check or check.get("disable"):
        return False
    test = check.get("test")
    return bool(test) and test != ["NONE"]


# --- deploy/nginx.conf --------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    children: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        return [child for child in self.children if child.name == name]

    def one(self, name: str, *args: str) -> Directive:
        found = [child for child in self.all(name) if list(args) == child.args[: len(args)]]
        assert len(found) == 1, f"expected one `{name} {' '.join(args)}`, found {len(found)}"
        return found[0]


_NGINX_TOKEN = re.compile(r"""#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{};]|[^\s{};]+""")


def parse_nginx(text: str) -> Directive:
    """A small nginx config parser: directives with their arguments and nested blocks."""
    root = Directive("main", [])
    stack, words = [root], []
    for token in _NGINX_TOKEN.findall(text):
        if token.startswith("#"):
            continue
        if token in (";", "{"):
            directive = Directive(words[0], words[1:])
            stack[-1].children.append(directive)
            if token == "{":
                stack.append(directive)
            words = []
        elif token == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(token[1:-1] if token[0] in "\"'" else token)
    assert len(stack) == 1, "unbalanced braces in nginx.conf"
    assert not words, f"unterminated directive {words}"
    return root


def nginx_conf() -> Directive:
    return parse_nginx(mounted_nginx_conf().read_text())


def mounted_nginx_conf() -> Path:
    """The host file the proxy mounts as nginx's configuration."""
    for volume in service("proxy").get("volumes", []):
        source, target = volume.split(":")[:2]
        if target.startswith("/etc/nginx/"):
            return (COMPOSE_FILE.parent / source).resolve()
    raise AssertionError("the proxy mounts no nginx configuration")


def effective_headers(server: Directive, location: Directive) -> dict[str, str]:
    """The headers nginx sends upstream from a location: its own proxy_set_header lines or,
    only when it has none, the server's (nginx does not merge the two levels)."""
    lines = location.all("proxy_set_header") or server.all("proxy_set_header")
    return {line.args[0].lower(): line.args[1] for line in lines}


def effective(server: Directive, location: Directive, name: str) -> list[str]:
    own = location.all(name) or server.all(name)
    assert len(own) == 1, f"expected one effective {name}"
    return own[0].args


def proxied_locations(server: Directive) -> list[Directive]:
    return [location for location in server.all("location") if location.all("proxy_pass")]


def public_server(http: Directive) -> Directive:
    port = host_port(service("proxy")["ports"][0])
    container_port = str(service("proxy")["ports"][0]).rsplit(":", 1)[-1]
    assert port == "8000"
    return next(s for s in http.all("server") if s.one("listen").args[0] == container_port)


# --- Dockerfile and .dockerignore ---------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def base_image() -> str:
    """The final stage's base, with a leading ARG's default substituted."""
    args = dict(
        arguments.split("=", 1)
        for keyword, arguments in dockerfile_instructions()
        if keyword == "ARG" and "=" in arguments
    )
    reference = final_stage()[0][1].split()[0]
    return re.sub(r"\$\{?(\w+)\}?", lambda match: args[match.group(1)], reference)


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list), f"not exec form: {arguments}"
    return parsed


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Docker's .dockerignore glob: * and ? stay within one path segment, **/ spans any."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex + "(?:/.*)?")  # a directory's pattern covers what is under it


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            rules.append((negated, _glob_regex(line.lstrip("!").strip("/"))))
    return rules


def sent_to_docker(path: str) -> bool:
    """Whether a repo-relative path is in the build context (the last matching rule wins)."""
    included = True
    for negated, regex in dockerignore_rules():
        if regex.fullmatch(path):
            included = negated
    return included


def compose_command() -> list[str] | None:
    """`docker compose` (the plugin), else the standalone `docker-compose`, else None."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run(
            [*command, "version"], capture_output=True, text=True, check=False, timeout=30
        )
        if probe.returncode == 0:
            return command
    return None


# --- docker-compose.yml: services ----------------------------------------------------------


def test_compose_defines_the_whole_stack() -> None:
    # given the compose file
    compose = load_compose()

    # when listing its services
    services = set(compose["services"])

    # then the stores, the migration, the api, its proxy and the worker are all there
    assert services == STACK


def test_every_image_is_pinned_to_a_tag_other_than_latest() -> None:
    # given every service's image reference
    images = {name: spec["image"] for name, spec in load_compose()["services"].items()}

    # when splitting off each tag
    tags = {name: image.rsplit("/", 1)[-1].partition(":")[2] for name, image in images.items()}

    # then each names a tag, never the moving `latest`
    assert all(tags.values()), f"untagged images: {images}"
    assert "latest" not in tags.values(), images


def test_agora_services_run_one_image_built_from_this_repo() -> None:
    # given the services that run Agora's code
    definitions = {name: service(name) for name in AGORA_SERVICES}

    # when reading their images and build contexts
    images = {spec["image"] for spec in definitions.values()}
    contexts = {(ROOT / spec["build"]["context"]).resolve() for spec in definitions.values()}

    # then they share one image, built from the directory holding the Dockerfile
    assert len(images) == 1, images
    assert contexts == {DOCKERFILE.parent}
    assert service("worker")["command"] == ["agora", "worker"]
    assert service("migrate")["command"] == ["agora", "migrate"]


def test_api_publishes_no_fixed_host_port_so_it_can_scale() -> None:
    # given the api and the proxy
    api, proxy = service("api"), service("proxy")

    # when collecting the host ports they bind
    api_host_ports = [host_port(entry) for entry in api.get("ports", [])]
    proxy_host_ports = [host_port(entry) for entry in proxy.get("ports", [])]

    # then no api replica claims a host port (a second one could not start); the proxy
    # publishes 8000 and reaches the replicas on the compose network
    assert all(port is None for port in api_host_ports), api["ports"]
    assert "8000" in [str(port) for port in api.get("expose", [])]
    assert proxy_host_ports == ["8000"]


def test_every_long_running_service_has_a_healthcheck() -> None:
    # given the compose services
    services = load_compose()["services"]

    # when checking which have a health check
    without = [name for name in LONG_RUNNING if not healthcheck_enabled(services[name])]

    # then all long-running ones do, and the one-shot migration neither restarts nor
    # inherits the server's image HEALTHCHECK
    assert without == []
    assert services["migrate"]["restart"] == "no"
    assert not healthcheck_enabled(services["migrate"])


def test_api_healthcheck_probes_readiness() -> None:
    # given the api's compose health check
    test = service("api")["healthcheck"]["test"]

    # when reading what it runs
    command = " ".join(test[1:])

    # then it asks the replica itself whether its stores answer
    assert test[0] in ("CMD", "CMD-SHELL")
    assert "http://127.0.0.1:8000/readyz" in command


# --- docker-compose.yml: environment --------------------------------------------------------


def test_agora_services_share_the_production_environment() -> None:
    # given the shared environment block
    shared = {key: str(value) for key, value in load_compose()[SHARED_ENV_KEY].items()}

    # when reading each Agora service's environment
    environments = {name: environment_of(service(name)) for name in AGORA_SERVICES}

    # then every one carries all of it, in production mode
    assert shared["AGORA_ENV"] == "production"
    for name, env in environments.items():
        assert shared.items() <= env.items(), f"{name} differs from {SHARED_ENV_KEY}"


def test_shared_environment_points_at_the_compose_stores() -> None:
    # given the shared environment and the postgres service's own settings
    shared = load_compose()[SHARED_ENV_KEY]
    postgres = environment_of(service("postgres"))

    # when parsing the store URLs
    database, redis = urlsplit(shared["DATABASE_URL"]), urlsplit(shared["REDIS_URL"])

    # then they reach the compose services by name, with the credentials postgres creates
    assert database.scheme == "postgresql+asyncpg"
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path == f"/{postgres['POSTGRES_DB']}"
    assert redis.scheme == "redis"
    assert redis.hostname == "redis"


def test_shared_environment_is_what_the_app_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the shared environment, set as the containers would see it
    shared = {key: str(value) for key, value in load_compose()[SHARED_ENV_KEY].items()}
    for key, value in shared.items():
        monkeypatch.setenv(key, value)

    # when the app loads its settings from it
    settings = Settings(_env_file=None)

    # then every AGORA_ name is a setting (a typo would be ignored silently) and the app runs
    # on the compose stores in production, never on embedded ones
    unknown = [
        key
        for key in shared
        if key.startswith("AGORA_")
        and key.removeprefix("AGORA_").lower() not in Settings.model_fields
    ]
    assert unknown == []
    assert settings.env == "production"
    assert settings.database_url == shared["DATABASE_URL"]
    assert settings.redis_url == shared["REDIS_URL"]
    assert not settings.uses_embedded_stores


def test_production_keys_must_come_from_the_operator() -> None:
    # given the shared environment as written in the file
    shared = load_compose()[SHARED_ENV_KEY]

    # then both keys are required variables, never defaults baked into the file
    for key in ("AGORA_JWT_SECRET", "AGORA_DATA_KEY"):
        assert str(shared[key]).startswith("${" + key + ":?"), key


# --- docker-compose.yml: order and shutdown -------------------------------------------------


def test_services_wait_for_what_they_need() -> None:
    # given the stores' health and the migration's completion
    stores_ready = {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }

    # when reading each service's depends_on
    conditions = {name: dependency_conditions(service(name)) for name in STACK}

    # then migrate waits for a healthy database, the api and the worker for the stores and a
    # finished migration, and the proxy for a ready api
    assert conditions["migrate"] == {"postgres": "service_healthy"}
    assert conditions["api"] == stores_ready
    assert conditions["worker"] == stores_ready
    assert conditions["proxy"] == {"api": "service_healthy"}
    assert conditions["postgres"] == conditions["redis"] == {}


def test_stop_grace_period_outlasts_the_shutdown_drain() -> None:
    # given the drain time the app is configured with
    drain = float(load_compose()[SHARED_ENV_KEY]["AGORA_SHUTDOWN_GRACE_SECONDS"])

    # when reading how long compose waits before SIGKILL
    grace = {name: seconds(service(name)["stop_grace_period"]) for name in ("api", "worker")}

    # then the app finishes draining before it is killed
    assert all(period > drain for period in grace.values()), (grace, drain)


# --- deploy/nginx.conf -----------------------------------------------------------------------


def test_proxy_mounts_the_repo_nginx_conf_read_only() -> None:
    # given the proxy's volumes
    volumes = service("proxy")["volumes"]

    # when finding the nginx configuration among them
    conf = mounted_nginx_conf()
    mount = next(volume for volume in volumes if volume.split(":")[1].startswith("/etc/nginx/"))

    # then it is this repo's deploy/nginx.conf, mounted read-only
    assert conf == ROOT / "deploy" / "nginx.conf"
    assert conf.is_file()
    assert mount.endswith(":ro")


def test_nginx_balances_across_api_replicas_found_by_docker_dns() -> None:
    # given the http block of the mounted configuration
    http = nginx_conf().one("http")

    # when following every proxied location to its upstream
    server = public_server(http)
    targets = {
        effective(server, location, "proxy_pass")[0] for location in proxied_locations(server)
    }
    upstream = http.one("upstream", "agora_api")

    # then all of them go to one upstream of api:8000, re-resolved through Docker's DNS so
    # replicas added by --scale are picked up
    assert targets == {"http://agora_api"}
    assert upstream.one("server").args[0] == "api:8000"
    assert "resolve" in upstream.one("server").args
    assert upstream.all("zone"), "`resolve` needs the upstream in a shared memory zone"
    assert http.one("resolver").args[0] == "127.0.0.11"


def test_nginx_upgrades_websockets_on_graphql() -> None:
    # given the /graphql location of the public server
    http = nginx_conf().one("http")
    server = public_server(http)
    graphql = server.one("location", "/graphql")

    # when working out what nginx sends upstream from it
    headers = effective_headers(server, graphql)
    upgrade_map = http.one("map", "$http_upgrade", "$connection_upgrade")

    # then a WebSocket handshake is passed on as one, over HTTP/1.1
    assert effective(server, graphql, "proxy_http_version") == ["1.1"]
    assert headers["upgrade"] == "$http_upgrade"
    assert headers["connection"] == "$connection_upgrade"
    assert upgrade_map.one("default").args == ["upgrade"]
    assert seconds(effective(server, graphql, "proxy_read_timeout")[0]) >= 300


def test_nginx_passes_request_id_and_client_address_everywhere() -> None:
    # given every proxied location of the public server
    http = nginx_conf().one("http")
    server = public_server(http)

    # when working out the headers each sends upstream
    headers = [effective_headers(server, location) for location in proxied_locations(server)]

    # then each carries a request id (the caller's, else nginx's own) and the client address
    assert headers
    for sent in headers:
        request_id = http.one("map", "$http_x_request_id", sent["x-request-id"])
        assert request_id.one("default").args == ["$request_id"]
        assert sent["x-forwarded-for"] in ("$remote_addr", "$proxy_add_x_forwarded_for")


def test_api_sees_the_client_address_nginx_vouches_for() -> None:
    # given how nginx fills X-Forwarded-For and the api's uvicorn trust setting
    server = public_server(nginx_conf().one("http"))
    forwarded_for = effective_headers(server, server.one("location", "/"))["x-forwarded-for"]
    api = service("api")

    # when reading which peers uvicorn takes X-Forwarded-For from (default: 127.0.0.1 only)
    trusted = environment_of(api).get("AGORA_FORWARDED_ALLOW_IPS", "127.0.0.1")

    # then it trusts the proxy, which lives in another container; and since "*" makes uvicorn
    # take the header's first address, nginx must overwrite the header rather than append to
    # what a client sent, and the api must be reachable through the proxy only
    assert trusted == "*", "behind nginx the app would log nginx's address for every client"
    assert forwarded_for == "$remote_addr", "a client could spoof its address"
    assert "ports" not in api


def test_proxy_healthcheck_targets_a_port_nginx_listens_on() -> None:
    # given the proxy's health check
    command = " ".join(service("proxy")["healthcheck"]["test"][1:])

    # when finding the address it asks
    url = urlsplit(re.search(r"http://\S+", command).group(0))
    listens = {s.one("listen").args[0] for s in nginx_conf().one("http").all("server")}

    # then nginx serves that address itself
    assert f"{url.hostname}:{url.port}" in listens or str(url.port) in listens


# --- Dockerfile -----------------------------------------------------------------------------


def test_dockerfile_builds_on_python_311_slim() -> None:
    # given the Dockerfile
    # when resolving the final stage's base image
    image = base_image()

    # then it is the slim Python 3.11 image
    assert image.startswith("python:3.11-slim"), image


def test_dockerfile_cmd_serves_the_api_on_all_interfaces() -> None:
    # given the final stage
    stage = final_stage()

    # when reading its CMD and exposed port
    cmd = exec_form(next(args for keyword, args in stage if keyword == "CMD"))
    exposed = [args for keyword, args in stage if keyword == "EXPOSE"]

    # then the container runs `agora serve` reachable from other containers on 8000
    assert cmd[:2] == ["agora", "serve"]
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] == "8000"
    assert exposed == ["8000"]


def test_dockerfile_healthcheck_probes_healthz() -> None:
    # given the final stage
    stage = final_stage()

    # when reading its HEALTHCHECK
    healthchecks = [args for keyword, args in stage if keyword == "HEALTHCHECK"]

    # then one probes /healthz on the served port, with python (slim has no curl)
    assert len(healthchecks) == 1
    options, _, command = healthchecks[0].partition("CMD ")
    assert "--interval=" in options
    probe = exec_form(command)
    assert probe[0] == "python"
    assert "http://127.0.0.1:8000/healthz" in probe[-1]


def test_dockerfile_runs_as_a_non_root_user() -> None:
    # given the final stage
    stage = final_stage()

    # when reading the user it ends with
    users = [args for keyword, args in stage if keyword == "USER"]

    # then the process does not run as root
    assert users, "no USER: the container would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_installs_the_project_next_to_its_migrations() -> None:
    # given the Dockerfile's RUN steps
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")

    # when looking for the project's own install
    editable = re.search(r"pip install [^&|;]*-e \.", runs)

    # then it is editable, so api/migrations.py finds <source>/migrations in the image
    assert editable, "a plain `pip install .` leaves migrations/ out of reach of the api package"


def test_dockerignore_sends_the_sources_and_keeps_secrets_out() -> None:
    # given the files the image needs, from this checkout
    needed = ["pyproject.toml", "alembic.ini"] + [
        path.relative_to(ROOT).as_posix()
        for package in ("api", "domain", "graph", "migrations")
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]

    # when applying .dockerignore to them and to what must never reach a layer
    missing = [path for path in needed if not sent_to_docker(path)]
    leaked = [
        path
        for path in (
            ".env",
            "api/.env",
            ".venv/bin/python",
            ".git/HEAD",
            ".agora/pg/PG_VERSION",
            "api/__pycache__/app.cpython-311.pyc",
            "tests/integration/test_compose.py",
        )
        if sent_to_docker(path)
    ]

    # then every source and migration goes in, and no secret, store data or cache does
    assert "migrations/env.py" in needed
    assert missing == []
    assert leaked == []


# --- docker compose itself ----------------------------------------------------------------------


def test_docker_compose_accepts_the_file() -> None:
    # given docker compose (skipped where neither the plugin nor docker-compose is installed)
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed here")
    keys = {"AGORA_JWT_SECRET": "test-key", "AGORA_DATA_KEY": "test-key"}

    # when it validates the file, with the keys production requires
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "config", "--quiet"],
        env={**os.environ, **keys},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=ROOT,
    )

    # then it finds nothing wrong
    assert result.returncode == 0, result.stderr
