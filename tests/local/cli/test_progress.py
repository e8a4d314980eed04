"""Sync progress on stderr: drawn on a terminal (a pty), absent when stderr is a pipe or with --quiet."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from local.cli.cli_world import COLLECTION, DOCUMENTS, KEY, NAMESPACE, process_env

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PAGE_SIZE = 50


def sync_argv(local: Path, *extra: str) -> list[str]:
    cli = [sys.executable, "-m", "mixpeek_local.cli", "sync", COLLECTION, "--mode", "full"]
    options = ["--option", f"page_size={PAGE_SIZE}", "--option", "partitions=1"]
    return [*cli, *options, "--local-dir", str(local), *extra]


def env_for(emulator) -> dict[str, str]:
    values = {"MIXPEEK_API_KEY": KEY, "MIXPEEK_BASE_URL": emulator.base_url, "MIXPEEK_NAMESPACE": NAMESPACE}
    return process_env({**values, "TERM": "xterm", "COLUMNS": "160"})


def read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def run_on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stderr on a pty (stdout a pipe); return the exit code, stdout and the terminal's text."""
    master, slave = pty.openpty()
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL) as process:
        os.close(slave)
        terminal = read_all(master)
        out, _ = process.communicate(timeout=120)
    os.close(master)
    return process.returncode, out.decode(), ANSI.sub("", terminal.decode(errors="replace"))


def test_a_terminal_shows_documents_pages_and_rate(emulator, tmp_path: Path) -> None:
    code, out, terminal = run_on_a_terminal(sync_argv(tmp_path / "local"), env_for(emulator))
    assert code == 0
    summary = json.loads(out)
    pages = -(-DOCUMENTS // PAGE_SIZE)
    assert summary["documents_seen"] == DOCUMENTS and summary["pages"] == pages
    final = [line for line in terminal.splitlines() if f"sync {COLLECTION}" in line][-1]
    assert f"{DOCUMENTS} documents" in final and f"{pages} pages" in final
    assert re.search(r"[\d,]+ documents/s", final)


@pytest.mark.parametrize("quiet", [False, True])
def test_no_progress_on_a_pipe_or_with_quiet(emulator, tmp_path: Path, quiet: bool) -> None:
    argv = sync_argv(tmp_path / "local", *(["--quiet"] if quiet else []))
    if quiet:
        code, out, terminal = run_on_a_terminal(argv, env_for(emulator))
    else:
        done = subprocess.run(argv, env=env_for(emulator), capture_output=True, text=True, timeout=120, check=False)
        code, out, terminal = done.returncode, done.stdout, done.stderr
    assert code == 0 and json.loads(out)["documents_seen"] == DOCUMENTS
    assert terminal.strip() == ""
