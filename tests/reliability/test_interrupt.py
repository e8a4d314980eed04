"""A CLI sync stopped by SIGINT or SIGTERM ends CANCELLED within seconds; one killed outright is closed ABANDONED."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_world import sync_mixpeek_collection

from mixpeek_local import verify
from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.engine.server import local_session

COLLECTION = "col_interrupt01"
NAMESPACE = "ns_interrupt"
API_KEY = "mxp_interrupt_key_3e1a"
SRC = Path(__file__).resolve().parents[2] / "src"
EXIT_SECONDS = 15


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    """CLI processes a test started; any still alive at the end is killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture
def emulator() -> Iterator[tuple[Emulator, list[int]]]:
    store = Store()
    seed_collection(store, documents=3000, seed=5, namespace=NAMESPACE, collection_id=COLLECTION)
    pages: list[int] = []
    with Emulator(store, api_key=API_KEY, latency=0.05, on_list=lambda n, page: pages.append(n)) as emu:
        yield emu, pages


def start_sync(emu: Emulator, local_dir: Path, started: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    environment = {**os.environ, "MIXPEEK_API_KEY": API_KEY, "MIXPEEK_BASE_URL": emu.base_url}
    environment |= {"MIXPEEK_NAMESPACE": NAMESPACE, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "mixpeek_local.cli", "sync", COLLECTION, "--mode", "full"]
    command += ["--local-dir", str(local_dir), "--option", "partitions=4", "--option", "page_size=20"]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started.append(process)
    return process


def wait_for_pages(pages: list[int], process: subprocess.Popen[str], count: int = 12) -> None:
    deadline = time.monotonic() + 120
    while len(pages) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sync never started listing"
        time.sleep(0.05)


def run_rows(session: Any) -> list[dict[str, Any]]:
    return verify.rows(session, "SELECT RUN_ID, STATUS, ERROR FROM MIXPEEK_SYNC_RUNS ORDER BY STARTED_AT")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_cli_sync_rolls_back_releases_the_lease_and_ends_cancelled(emulator, started, tmp_path, stop):
    emu, pages = emulator
    process = start_sync(emu, tmp_path, started)
    wait_for_pages(pages, process)
    process.send_signal(stop)
    started = time.monotonic()
    process.communicate(timeout=EXIT_SECONDS)
    assert time.monotonic() - started < EXIT_SECONDS and process.returncode != 0
    seen = len(pages)
    time.sleep(0.5)
    assert len(pages) == seen, "listing workers kept fetching after the process ended"
    with local_session(tmp_path) as session:
        [run] = run_rows(session)
        assert run["STATUS"] == "CANCELLED" and "KeyboardInterrupt" in run["ERROR"]
        assert verify.rows(session, "SELECT COUNT(*) AS N FROM MIXPEEK_DOCUMENTS") == [{"N": 0}]
        assert verify.rows(session, "SELECT LEASE_RUN_ID FROM MIXPEEK_SYNC_STATE") == [{"LEASE_RUN_ID": None}]
        assert verify.orphan_stage_rows(session) == 0


def test_a_killed_cli_sync_is_closed_abandoned_by_the_run_after_its_lease_lapses(
    emulator, started, tmp_path, monkeypatch
):
    emu, pages = emulator
    process = start_sync(emu, tmp_path, started)
    wait_for_pages(pages, process)
    process.kill()
    process.communicate(timeout=EXIT_SECONDS)
    for name, value in (("MIXPEEK_API_KEY", API_KEY), ("MIXPEEK_BASE_URL", emu.base_url)):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MIXPEEK_NAMESPACE", NAMESPACE)
    with local_session(tmp_path) as session:
        [ghost] = run_rows(session)
        assert ghost["STATUS"] == "RUNNING" and verify.orphan_stage_rows(session) > 0
        skipped = sync_mixpeek_collection(session, COLLECTION, "MIXPEEK_DOCUMENTS", "full", None)
        assert skipped["status"] == "SKIPPED"
        session.sql("UPDATE MIXPEEK_SYNC_STATE SET LEASE_EXPIRES_AT = '2000-01-01'").collect()
        summary = sync_mixpeek_collection(session, COLLECTION, "MIXPEEK_DOCUMENTS", "full", None)
        assert summary["status"] == "SUCCEEDED" and summary["abandoned_runs_closed"] == 1
        statuses = {r["RUN_ID"]: r["STATUS"] for r in run_rows(session)}
        assert statuses[ghost["RUN_ID"]] == "ABANDONED" and "RUNNING" not in statuses.values()
        assert verify.orphan_stage_rows(session) == 0
        verdict = verify.compare_with_truth(session, emu.store.documents(COLLECTION))
        assert verdict.ok, verdict.problems[:5]
