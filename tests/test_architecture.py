"""Dependency rules: api -> graph -> domain, and pure domain rules import only the stdlib."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Domain modules allowed to touch I/O libraries: tables, repositories, use cases (a context's
# `service.py`, or the modules of its `services/` package) and the unit of work they run in.
IMPURE_DOMAIN_MODULES = {"tables.py", "service.py", "repository.py", "unit_of_work.py"}


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


def module_file(module: str) -> Path | None:
    """The file a dotted module name is, or None when it names something inside a module."""
    path = REPO.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def is_pure(path: Path) -> bool:
    return path.name not in IMPURE_DOMAIN_MODULES and "services" not in path.parts


def test_pure_domain_rules_import_no_tables_or_use_cases() -> None:
    """Pure rules build on the standard library, `domain.money` and other pure rules only:
    never on a context's tables or use cases, which would bring the database with them."""
    impure_imports: dict[str, list[str]] = {}
    for path in (REPO / "domain").rglob("*.py"):
        if not is_pure(path):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for module in modules:
                target = module_file(module) if module.startswith("domain.") else None
                if target is not None and not is_pure(target):
                    impure_imports.setdefault(str(path.relative_to(REPO)), []).append(module)

    assert impure_imports == {}


def test_every_test_module_has_a_basename_of_its_own() -> None:
    # pytest imports test modules by basename (rootdir-relative, no packages): two files named
    # alike stop the whole suite's collection, though either runs alone.
    tests = Path(__file__).resolve().parent
    seen: dict[str, list[str]] = {}
    for path in tests.rglob("test_*.py"):
        seen.setdefault(path.name, []).append(str(path.relative_to(tests)))

    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
