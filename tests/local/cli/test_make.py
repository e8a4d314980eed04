"""The Makefile's clean keeps the local engine's data and says so; clean-local deletes it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parents[3] / "Makefile"
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(folder: Path, target: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", target], cwd=folder, capture_output=True, text=True, timeout=60, check=False)


def test_clean_keeps_the_local_dir_and_clean_local_deletes_it(tmp_path: Path) -> None:
    shutil.copy(MAKEFILE, tmp_path / "Makefile")
    for name in (".mixpeek-local", "output", ".pytest_cache"):
        (tmp_path / name).mkdir()
    (tmp_path / ".mixpeek-local" / "MIXPEEK.db").write_bytes(b"tables")
    cleaned = make(tmp_path, "clean")
    assert cleaned.returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".mixpeek-local", "Makefile"]
    assert "Kept .mixpeek-local/" in cleaned.stdout and "make clean-local" in cleaned.stdout
    deleted = make(tmp_path, "clean-local")
    assert deleted.returncode == 0 and "Deleted .mixpeek-local/" in deleted.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Makefile"]
    assert "Kept" not in make(tmp_path, "clean").stdout
