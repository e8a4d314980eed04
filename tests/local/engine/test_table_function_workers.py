"""The engine's table-function worker processes end with the process that started them, even one killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src"
START_WORKERS = """
import os, sys, time
from mixpeek_local.engine import table_functions
pool = table_functions.pool()
pool.submit(os.getpid).result()
print(" ".join(str(pid) for pid in pool._processes), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_workers_of_a_killed_engine_process_exit_on_their_own() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    starter = subprocess.Popen([sys.executable, "-c", START_WORKERS], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert starter.stdout is not None
        workers = [int(pid) for pid in starter.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in workers if _alive(pid)] == []
