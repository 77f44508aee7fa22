"""Dependency rules: api -> graph -> domain, and pure domain rules import only the stdlib."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Domain modules allowed to touch I/O libraries: tables, repositories and use cases
# (a context's `service.py`, or the modules of its `services/` package).
IMPURE_DOMAIN_MODULES = {"tables.py", "service.py", "repository.py"}


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_pure_domain_rules_import_only_the_standard_library() -> None:
    pure = [
        path
        for path in (REPO / "domain").rglob("*.py")
        if path.name not in IMPURE_DOMAIN_MODULES and "services" not in path.parts
    ]

    offenders = {
        str(path.relative_to(REPO)): sorted(
            root
            for root in imported_roots(path)
            if root not in sys.stdlib_module_names and root != "domain"
        )
        for path in pure
    }

    assert pure
    assert {path: roots for path, roots in offenders.items() if roots} == {}
