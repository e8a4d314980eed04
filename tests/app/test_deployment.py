"""The streamlit entity as `snow streamlit deploy` bundles it: exactly the app, what it imports, its packages."""

from __future__ import annotations

import ast
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "src" / "mixpeek_app"
# What the warehouse runtime installs from the Snowflake Anaconda channel for the app (src/mixpeek_app/environment.yml;
# altair is also a requirement of streamlit).
RUNTIME = {"streamlit", "pandas", "altair", "snowflake"}
SHIPPED_FROM_THE_BUNDLE = {
    "src/mixpeek_snowflake/__init__.py",
    "src/mixpeek_snowflake/errors.py",
    "src/mixpeek_snowflake/snowflake/__init__.py",
    "src/mixpeek_snowflake/snowflake/identifiers.py",
}


@pytest.fixture(scope="module")
def entity() -> Any:
    from project import sqlfiles

    return sqlfiles.project_definition().get_entities_by_type("streamlit")["mixpeek_app"]


@pytest.fixture(scope="module")
def bundled(entity: Any) -> Iterator[Path]:
    """The deploy root the Snowflake CLI builds for the entity (under output/, which git ignores)."""
    from snowflake.cli._plugins.streamlit.streamlit_entity import StreamlitEntity
    from snowflake.cli._plugins.workspace.context import WorkspaceContext
    from snowflake.cli.api.console import cli_console

    context = WorkspaceContext(
        console=cli_console, project_root=ROOT, get_default_role=lambda: "R", get_default_warehouse=lambda: "W"
    )
    out = ROOT / "output" / "bundle" / "streamlit" / f"test-{uuid.uuid4().hex[:8]}"
    StreamlitEntity(entity, context).bundle(out)
    try:
        yield out
    finally:
        shutil.rmtree(out, ignore_errors=True)


def files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_the_bundle_is_the_app_and_the_identifier_rules_and_nothing_local(bundled: Path) -> None:
    app = {f"src/mixpeek_app/{p.relative_to(APP)}" for p in APP.rglob("*") if p.is_file() and "local" not in p.parts}
    app = {name for name in app if "__pycache__" not in name}
    # The CLI adds the project's root environment.yml (the dev conda file) by itself; Snowflake reads the one next to
    # the main file (docs/app.md), which is the app's.
    assert files(bundled) == app | SHIPPED_FROM_THE_BUNDLE | {"environment.yml"}
    assert not any("/local/" in name for name in files(bundled))


def test_the_main_file_pages_and_environment_sit_where_snowflake_looks(entity: Any, bundled: Path) -> None:
    main = bundled / entity.main_file
    assert main.exists() and (main.parent / "environment.yml").exists()
    assert (bundled / entity.pages_dir).is_dir()
    from mixpeek_app.navigation import PAGES

    assert all((main.parent / script).is_file() for script, _title, _icon in PAGES.values())


def test_the_entity_is_granted_to_the_reader_role_in_the_bundle_schema(entity: Any) -> None:
    from project import sqlfiles

    env = sqlfiles.project_env()
    assert entity.get_grant_sqls() == [
        f"GRANT USAGE ON STREAMLIT IDENTIFIER('{env['database']}.{env['schema']}.MIXPEEK_APP') "
        f"TO ROLE {env['reader_role']}"
    ]
    assert entity.query_warehouse == env["warehouse"]


def imported_roots(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def first_party(path: Path) -> set[str]:
    """The mixpeek_* modules path imports, submodules named in `from package import module` included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name.startswith("mixpeek_")}
    return found


def module_in(root: Path, name: str) -> bool:
    return (root / f"{name.replace('.', '/')}.py").exists() or (root / name.replace(".", "/")).is_dir()


def test_the_bundled_code_imports_only_itself_the_standard_library_and_the_runtime(bundled: Path) -> None:
    source = ROOT / "src"
    for path in bundled.rglob("*.py"):
        foreign = imported_roots(path) - sys.stdlib_module_names - RUNTIME - {"mixpeek_app", "mixpeek_snowflake"}
        assert not foreign, (path.relative_to(bundled), foreign)
        for name in first_party(path):
            if module_in(source, name):
                assert module_in(bundled / "src", name), (path.relative_to(bundled), name)


def test_the_app_packages_come_from_the_snowflake_channel_with_a_listed_streamlit() -> None:
    environment = yaml.safe_load((APP / "environment.yml").read_text())
    assert environment["channels"] == ["snowflake"]
    pins = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment["dependencies"])
    assert pins["python"] == "3.11"
    # The newest version Snowflake lists for the warehouse runtime (docs/app.md, release notes of 2025-11-20).
    assert pins["streamlit"] == "1.51.0"
    assert set(pins) == {"python", "streamlit", "snowflake-snowpark-python", "pandas", "altair"}


def test_dev_and_ci_run_the_streamlit_that_snowflake_installs() -> None:
    environment = yaml.safe_load((APP / "environment.yml").read_text())
    wanted = next(item.split("=", 1)[1] for item in environment["dependencies"] if item.startswith("streamlit="))
    pins = dict(
        line.split("==", 1) for line in (ROOT / "requirements-dev.txt").read_text().splitlines() if "==" in line
    )
    assert pins["streamlit"] == wanted
    from importlib.metadata import version

    assert version("streamlit") == wanted, "the venv is older than requirements-dev.txt: make test rebuilds it"
