"""`snow snowpark build` runs offline, zips the shipped package alone, and its handlers import from the zip."""

from __future__ import annotations

import importlib.metadata as metadata
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from project.entities import is_table_function
from project.sqlfiles import ROOT

SNOW = Path(sys.executable).with_name("snow")
GLOB_FLAG = "SNOWFLAKE_CLI_FEATURES_ENABLE_SNOWPARK_GLOB_SUPPORT"
PROJECT_FILES = ("snowflake.yml", "pyproject.toml", "requirements.snowflake.txt")
IMPORT_HANDLERS = """
import importlib, json, sys
zip_path, site_dir, handlers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path[:0] = [zip_path, site_dir]
found = {}
for handler, udtf in handlers:
    module, _, attr = handler.rpartition(".")
    target = getattr(importlib.import_module(module), attr)
    found[handler] = callable(getattr(target, "process", None)) if udtf else callable(target)
import snowflake.snowpark
files = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
print(json.dumps({"found": found, "files": [f for f in files if f]}))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project built with the Makefile's flag, no connection configured and no route out."""
    project = tmp_path_factory.mktemp("project")
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    home = tmp_path_factory.mktemp("snowflake_home")
    offline = {"SNOWFLAKE_HOME": str(home), "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    result = subprocess.run(
        [str(SNOW), "snowpark", "build"],
        cwd=project,
        env={**os.environ, **offline, GLOB_FLAG: "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def _zip(project: Path) -> Path:
    return project / "output" / "bundle" / "snowpark" / "mixpeek_snowflake" / "mixpeek_snowflake.zip"


def test_the_makefile_builds_with_glob_support() -> None:
    assert re.search(rf"^export {GLOB_FLAG} :?= true$", (ROOT / "Makefile").read_text(), re.MULTILINE)


def test_the_build_made_one_zip_and_resolved_no_packages(built: Path) -> None:
    outputs = sorted(p.relative_to(built).as_posix() for p in (built / "output").rglob("*") if p.is_file())
    assert outputs == ["output/bundle/snowpark/mixpeek_snowflake/mixpeek_snowflake.zip"]
    assert (built / "requirements.snowflake.txt").read_text() == (ROOT / "requirements.snowflake.txt").read_text()


def test_the_zip_holds_the_shipped_package_and_nothing_else(built: Path) -> None:
    package = built / "src" / "mixpeek_snowflake"
    expected = {f"mixpeek_snowflake/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    with zipfile.ZipFile(_zip(built)) as archive:
        names = {n for n in archive.namelist() if not n.endswith("/")}
    assert names == expected
    assert not any(re.search(r"test|emulator|mixpeek_local|\.pyc$|\.json$|\.duckdb$", n) for n in names)


def _distributions(names: list[str]) -> list[metadata.Distribution]:
    """The named distributions and everything they require (extras off), as installed here."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        dist = metadata.distribution(todo.pop())
        key = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if key in seen:
            continue
        seen[key] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def _site_with_only(requirements: Path, site: Path) -> Path:
    """A directory holding only the files of requirements.snowflake.txt's distributions, linked."""
    names = [Requirement(line).name for line in requirements.read_text().splitlines() if line.strip()]
    for dist in _distributions(names):
        for file in dist.files or []:
            if file.parts[0].startswith("..") or file.parts[0].endswith(".dist-info"):
                continue
            link = site / file
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                link.symlink_to(Path(dist.locate_file(file)))
    return site


def test_every_handler_imports_from_the_zip_with_only_the_runtime_packages(
    built: Path, entities: dict[str, Any], tmp_path: Path
) -> None:
    site = _site_with_only(ROOT / "requirements.snowflake.txt", tmp_path / "site")
    handlers = [(e.handler, is_table_function(e)) for e in entities.values()]
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_HANDLERS, str(_zip(built)), str(site), json.dumps(handlers)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["found"] == {handler: True for handler, _ in handlers}
    allowed = (str(_zip(built)), str(site), sys.base_prefix)
    assert [f for f in report["files"] if not f.startswith(allowed)] == []
    assert any(f.startswith(str(_zip(built))) for f in report["files"])
