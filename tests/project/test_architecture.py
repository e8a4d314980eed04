"""The import rules of docs/architecture.md: capabilities never import each other, shared code lives below them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
CAPABILITIES = ("sync", "enrich", "views", "search", "ingest", "operate")
BASE = ("errors", "arguments", "logfilter")
SIDES = ("mixpeek", "snowflake")
HANDLERS = ("procedures", "functions")
LOCAL_FOUNDATIONS = ("emulator", "engine")

# What each unit of mixpeek_snowflake may import from the package (besides itself).
BUNDLE_RULES = {
    "errors": set(),
    "arguments": {"errors"},
    "logfilter": {"errors"},
    "mixpeek": {"errors", "logfilter"},
    "snowflake": {"errors"},
    **{capability: {*BASE, *SIDES} for capability in CAPABILITIES},
    **{handler: {*BASE, *SIDES, *CAPABILITIES, *HANDLERS} for handler in HANDLERS},
}


def _unit(module: str) -> str:
    """mixpeek_snowflake.sync.engine -> sync; mixpeek_local.bench.run -> bench; the top package -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _submodule_or(module: str, name: str) -> str:
    """module.name when that is a module of its own (`from pkg import sub`), else module."""
    candidate = SRC.joinpath(*module.split("."), name)
    return f"{module}.{name}" if candidate.with_suffix(".py").exists() or candidate.is_dir() else module


def _imports(path: Path) -> set[str]:
    """Absolute names of the first-party modules path imports (relative imports resolved)."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.update(_submodule_or(module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in ("mixpeek_snowflake", "mixpeek_local")}


def _edges(package: str) -> list[tuple[str, str, str]]:
    """(file, importing unit, imported module) for every first-party import under src/package."""
    edges = []
    for path in sorted((SRC / package).rglob("*.py")):
        unit = _unit(_module_name(path))
        edges += [(str(path.relative_to(SRC)), unit, imported) for imported in sorted(_imports(path))]
    return edges


def test_every_unit_of_the_bundle_has_a_rule() -> None:
    units = {_unit(_module_name(p)) for p in (SRC / "mixpeek_snowflake").rglob("*.py")} - {""}
    assert units == set(BUNDLE_RULES), "add the new package or module to docs/architecture.md and BUNDLE_RULES"


@pytest.mark.parametrize("file, unit, imported", _edges("mixpeek_snowflake"))
def test_the_bundle_imports_only_downwards(file: str, unit: str, imported: str) -> None:
    assert not imported.startswith("mixpeek_local"), f"{file}: the shipped package never imports mixpeek_local"
    target = _unit(imported)
    assert target == unit or target in BUNDLE_RULES[unit], f"{file}: {unit} may not import {imported}"


@pytest.mark.parametrize("file, unit, imported", _edges("mixpeek_local"))
def test_the_emulator_and_engine_stand_alone(file: str, unit: str, imported: str) -> None:
    if unit in LOCAL_FOUNDATIONS:
        assert imported.startswith(f"mixpeek_local.{unit}"), f"{file}: {unit} imports only itself, not {imported}"


def test_capabilities_never_import_each_other() -> None:
    crossing = [
        (file, imported)
        for file, unit, imported in _edges("mixpeek_snowflake")
        if unit in CAPABILITIES and _unit(imported) in CAPABILITIES and _unit(imported) != unit
    ]
    assert crossing == []
