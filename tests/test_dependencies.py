"""Every runtime dependency declared in pyproject.toml is imported somewhere in deskapp (a
declared package nobody imports is weight in every install and in the installer), and every
third-party package deskapp imports is declared."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Distribution name -> the module it installs, where the two differ.
MODULE_OF = {"PySide6-Essentials": "PySide6"}


def declared() -> dict[str, str]:
    """Top-level module -> requirement, for [project] dependencies."""
    with open(REPO / "pyproject.toml", "rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    out = {}
    for req in deps:
        dist = re.match(r"[A-Za-z0-9_.-]+", req).group(0)
        out[MODULE_OF.get(dist, dist.replace("-", "_").lower())] = req
    return out


def imported() -> set[str]:
    """Top-level modules imported anywhere in deskapp/ (also inside functions)."""
    found: set[str] = set()
    for path in (REPO / "deskapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_every_declared_dependency_is_imported():
    unused = {m: req for m, req in declared().items() if m not in imported()}
    assert unused == {}, f"declared in pyproject.toml, imported nowhere in deskapp: {unused}"


def test_every_third_party_import_is_declared():
    third_party = {m for m in imported()
                   if m not in sys.stdlib_module_names and m != "deskapp" and m != "__future__"}
    assert third_party - set(declared()) == set()
    assert "tenacity" not in declared()  # issue 13: declared, never imported
