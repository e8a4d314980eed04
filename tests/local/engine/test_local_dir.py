"""The local engine folder: a busy or corrupt database file is one clear error, and a closed engine lets go of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixpeek_local.engine.server import LocalEngineError, _explain, check_local_dir, database_file, local_session

LOCK_TEXT = (
    'IO Error: Could not set lock on file "/data/MIXPEEK.db": Conflicting lock is held in '
    "/usr/bin/python3.11 (PID 4242). See also https://duckdb.org/docs/current/connect/concurrency"
)


def test_a_missing_file_is_fine_and_a_folder_can_be_reopened_in_the_same_process(tmp_path: Path) -> None:
    check_local_dir(tmp_path)
    for expected in (1, 2):
        with local_session(tmp_path) as session:
            session.sql("CREATE TABLE IF NOT EXISTS T (A INT)").collect()
            session.sql("INSERT INTO T VALUES (1)").collect()
            assert session.sql("SELECT COUNT(*) FROM T").collect()[0][0] == expected
    assert database_file(tmp_path).exists()
    check_local_dir(tmp_path)


def test_a_corrupt_file_names_the_file_the_reason_and_the_fix(tmp_path: Path) -> None:
    database_file(tmp_path).write_bytes(b"\x00garbage" * 100)
    with pytest.raises(LocalEngineError) as caught, local_session(tmp_path):
        pass
    message = str(caught.value)
    assert message.startswith(f"{database_file(tmp_path)} in the local engine folder {tmp_path} is not a readable")
    assert "not a valid DuckDB database file" in message and "move it aside or delete it" in message


def test_a_lock_held_elsewhere_names_the_process() -> None:
    message = _explain(Path("/data"), Path("/data/MIXPEEK.db"), LOCK_TEXT)
    assert message == (
        "the local engine folder /data is in use by another process (PID 4242, python3.11): one process at a time "
        "may open MIXPEEK.db; wait for that command to end or stop it, or use another --local-dir"
    )
