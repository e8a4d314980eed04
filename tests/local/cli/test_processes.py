"""The CLI as a real process: a refused connection fails in seconds, one-line local dir errors, no leaked temp dirs."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import duckdb
from local.cli.cli_world import COLLECTION, KEY, process_env, run_process
from local_world import closed_port


def test_connection_refused_fails_within_seconds_of_a_plain_query_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = process_env({"MIXPEEK_API_KEY": KEY, "MIXPEEK_BASE_URL": url})
    started = time.monotonic()
    assert run_process(["sql", "SELECT 1", "--local-dir", str(tmp_path / "plain")], env).returncode == 0
    plain = time.monotonic() - started
    started = time.monotonic()
    done = run_process(["sync", COLLECTION, "--local-dir", str(tmp_path / "local")], env)
    elapsed = time.monotonic() - started
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        f"error: could not complete GET /v1/collections/{COLLECTION} at 127.0.0.1: connection refused"
    )
    assert f"is the Mixpeek API running at {url}?" in line and "MIXPEEK_BASE_URL" in line
    # Three quick attempts (1 s + 2 s of waits) beyond what starting the CLI costs, not the full retry schedule.
    assert elapsed - plain < 8, (elapsed, plain)


def test_no_fakesnow_bucket_is_left_in_the_temporary_folder(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = process_env({"TMPDIR": str(scratch)})
    done = run_process(["sql", "SELECT 1 AS ONE", "--json", "--local-dir", str(tmp_path / "local")], env)
    assert done.returncode == 0 and '"ONE": 1' in done.stdout
    assert sorted(p.name for p in scratch.iterdir()) == []


def test_a_busy_local_dir_is_one_line_naming_it_the_holder_and_the_fix(tmp_path: Path) -> None:
    local = tmp_path / "busy"
    local.mkdir()
    with contextlib.closing(duckdb.connect(str(local / "MIXPEEK.db"))):
        done = run_process(["sql", "SELECT 1", "--local-dir", str(local)], process_env())
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: the local engine folder {local} is in use by another process (PID {os.getpid()}")
    assert "wait for that command to end or stop it, or use another --local-dir" in line


def test_a_corrupt_database_file_is_one_line_naming_the_file_and_the_fix(tmp_path: Path) -> None:
    local = tmp_path / "corrupt"
    local.mkdir()
    (local / "MIXPEEK.db").write_bytes(b"not a database " * 200)
    done = run_process(["runs", "--local-dir", str(local)], process_env())
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: {local / 'MIXPEEK.db'} in the local engine folder {local} is not a readable DuckDB")
    assert "move it aside or delete it (its local tables are lost)" in line
