"""Local stages: the directory table is a snapshot until refreshed, presigned URLs expire, nothing leaves the folder."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from snowflake.snowpark.exceptions import SnowparkSQLException

from mixpeek_local.engine.stages import LocalStages, scan


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_a_presigned_url_serves_its_file_until_it_expires(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"pixels")
    (tmp_path.parent / "secret.txt").write_bytes(b"outside")
    clock = Clock()
    with LocalStages(clock) as stages:
        stage = stages.add("DB.S.MEDIA", tmp_path)
        prefix = stages.presign(stage, 60)
        assert prefix.startswith("http://127.0.0.1:") and prefix.endswith("/")
        assert _get(prefix + "a.jpg") == (200, b"pixels")
        assert _get(prefix + "missing.jpg")[0] == 404
        assert _get(prefix + "..%2Fsecret.txt")[0] == 404
        assert _get(prefix.replace("/stages/", "/stages/x") + "a.jpg")[0] == 403
        clock.now += 61
        assert _get(prefix + "a.jpg")[0] == 403
        with pytest.raises(SnowparkSQLException, match="expiration"):
            stages.presign(stage, 604_801)


def test_the_directory_table_changes_only_when_refreshed(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"one")
    (tmp_path / ".hidden").write_bytes(b"x")
    with LocalStages() as stages:
        stage = stages.add("db.s.media", tmp_path)
        assert [e.path for e in stage.entries] == ["a.jpg"] and stage.name == "DB.S.MEDIA"
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "b.png").write_bytes(b"two")
        assert [e.path for e in stage.entries] == ["a.jpg"]
        assert stages.refresh("DB.S.MEDIA") == 2 and [e.path for e in scan(tmp_path)] == ["a.jpg", "sub/b.png"]
        with pytest.raises(SnowparkSQLException, match="does not exist or not authorized"):
            stages.resolve('"DB"."S"."OTHER"', ("DB", "S"))
        assert stages.resolve("MEDIA", ("DB", "S")) is stage
