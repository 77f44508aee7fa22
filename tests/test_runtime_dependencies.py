"""What the service imports must be installed by `pip install -e .` alone, without `[dev]`.

httpx once served only the tests, then the webhook sender imported it: the embedded default
could not start from a plain install. This walks every import of the shipped packages and
checks it against the closure of pyproject's runtime dependencies.
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from test_architecture import REPO, imported_roots

SHIPPED = ("api", "graph", "domain", "migrations")


def runtime_closure() -> set[str]:
    """Every distribution `pip install -e .` brings, following extras the way pip does."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pending = [Requirement(line) for line in project["dependencies"]]
    seen: set[tuple[str, frozenset[str]]] = set()
    closure: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        closure.add(name)
        try:
            lines = requires(requirement.name) or []
        except PackageNotFoundError:  # a marker excluded it from this platform
            continue
        for line in lines:
            child = Requirement(line)
            environments = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(e) for e in environments):
                pending.append(child)
    return closure


def third_party_imports() -> dict[str, Path]:
    first_party = {*SHIPPED, "__future__"}
    found: dict[str, Path] = {}
    for package in SHIPPED:
        for path in sorted((REPO / package).rglob("*.py")):
            for root in imported_roots(path) - first_party - set(sys.stdlib_module_names):
                found.setdefault(root, path.relative_to(REPO))
    return found


def test_every_import_of_the_service_is_a_runtime_dependency() -> None:
    closure = runtime_closure()
    distributions = packages_distributions()
    missing = {
        module: str(path)
        for module, path in third_party_imports().items()
        if not {canonicalize_name(d) for d in distributions.get(module, [module])} & closure
    }

    assert missing == {}, f"imported by the service but only a dev dependency (or none): {missing}"


def test_the_walk_sees_the_libraries_the_service_is_built_on() -> None:
    imports = third_party_imports()

    assert {"strawberry", "starlette", "sqlmodel", "asyncpg", "redis", "httpx"} <= set(imports)
    assert "pytest" not in imports
