"""Shared by the CLI tests: a seeded emulator, the CLI called in this process, and the CLI as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mixpeek_local.cli import main
from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.emulator.retrievers import seed_retriever

KEY = "mxp_cli_key"
NAMESPACE = "ns_cli"
COLLECTION = "col_cli0000001"
RETRIEVER = "ret_cli0000001"
DOCUMENTS = 240
SRC = Path(__file__).resolve().parents[3] / "src"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    seed_collection(store, documents=DOCUMENTS, seed=5, namespace=NAMESPACE, collection_id=COLLECTION)
    seed_retriever(store, COLLECTION, retriever_id=RETRIEVER, retriever_name="cli-search")
    return store


@pytest.fixture(scope="module")
def emulator(store: Store) -> Iterator[Emulator]:
    with Emulator(store, api_key=KEY) as emulator:
        yield emulator


@pytest.fixture
def mixpeek_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment the CLI reads its Mixpeek address, key and namespace from, set for this test."""
    values = {"MIXPEEK_API_KEY": KEY, "MIXPEEK_BASE_URL": emulator.base_url, "MIXPEEK_NAMESPACE": NAMESPACE}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MIXPEEK_LOCAL_DIR", raising=False)
    return values


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], mixpeek_env: dict[str, str]) -> Callable[..., Result]:
    """Run the CLI in this process: its exit code (argparse's SystemExit included), stdout and stderr."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with PYTHONPATH on this tree's src and the extra values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIXPEEK_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return {**env, **(extra or {})}


def run_process(
    argv: list[str], env: dict[str, str], timeout: float = 120, **kwargs: object
) -> subprocess.CompletedProcess:
    """The CLI as its own process (python -m mixpeek_local.cli)."""
    command = [sys.executable, "-m", "mixpeek_local.cli", *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)  # type: ignore[call-overload]
