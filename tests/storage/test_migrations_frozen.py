"""Migrations are frozen: an old migration never imports live package code, so a later change to the package
(a metric's definition, a column type) cannot change what upgrading an old store does."""

from __future__ import annotations

import ast
from pathlib import Path

import citewatch.storage

VERSIONS = Path(citewatch.storage.__file__).parent / "migrations" / "versions"


def _imported(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


def test_there_are_migrations_to_check() -> None:
    assert len(sorted(VERSIONS.glob("*.py"))) >= 3


def test_no_migration_imports_the_package() -> None:
    found = {
        path.name: [name for name in _imported(ast.parse(path.read_text())) if name.split(".")[0] in ("citewatch", "")]
        for path in sorted(VERSIONS.glob("*.py"))
    }
    assert {name: imports for name, imports in found.items() if imports} == {}


def test_the_check_sees_an_import() -> None:
    assert _imported(ast.parse("import citewatch.storage.types\nfrom citewatch import x\nfrom . import y")) == [
        "citewatch.storage.types",
        "citewatch",
        ".",
    ]
