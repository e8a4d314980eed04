"""What `make test` does for the browser test before pytest runs: find Chromium, install Debian's, or say why not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from app import browser


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A machine with no Chromium on PATH and no CHROMIUM, as root with apt-get; each test changes one thing."""
    state: dict[str, Any] = {"euid": 0, "on_path": {"apt-get": "/usr/bin/apt-get"}, "installs": 0}
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: state["euid"])
    monkeypatch.setattr(shutil, "which", lambda name: state["on_path"].get(name))
    return state


def installer(state: dict[str, Any], puts: str | None = "/usr/bin/chromium") -> Any:
    def install() -> float:
        state["installs"] += 1
        if puts:
            state["on_path"]["chromium"] = puts
        return 42.4

    return install


def test_a_found_chromium_is_used_and_nothing_is_installed(machine: dict[str, Any]) -> None:
    machine["on_path"]["chromium"] = "/usr/bin/chromium"
    assert browser.ensure_chromium(installer(machine)) == "Browser test: Chromium at /usr/bin/chromium."
    assert machine["installs"] == 0


def test_root_with_apt_get_installs_debians_chromium(machine: dict[str, Any]) -> None:
    line = browser.ensure_chromium(installer(machine))
    assert line == "Browser test: installed Debian's chromium in 42 s, at /usr/bin/chromium."
    assert machine["installs"] == 1


def test_an_install_that_leaves_no_chromium_fails(machine: dict[str, Any]) -> None:
    with pytest.raises(SystemExit, match="no Chromium is on PATH"):
        browser.ensure_chromium(installer(machine, puts=None))


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"euid": 1000}, "only root may apt-get install"),
        ({"on_path": {}}, "no apt-get to install one"),
    ],
)
def test_without_root_or_apt_get_one_line_says_why_the_test_will_skip(
    machine: dict[str, Any], change: dict[str, Any], reason: str
) -> None:
    machine.update(change)
    line = browser.ensure_chromium(installer(machine))
    assert line.startswith("Browser test will skip: ") and reason in line and "\n" not in line
    assert machine["installs"] == 0


def test_a_chromium_named_that_does_not_exist_is_not_replaced(
    machine: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    line = browser.ensure_chromium(installer(machine))
    assert line == f"Browser test will skip: CHROMIUM={tmp_path / 'no-such-browser'} does not exist."
    assert machine["installs"] == 0


def test_a_failing_apt_get_stops_make_test_with_its_output(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[tuple[str, ...]] = []

    def run(command: tuple[str, ...], **options: Any) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        assert options["env"]["DEBIAN_FRONTEND"] == "noninteractive" and options["stdin"] == subprocess.DEVNULL
        failed = command[1] == "install"
        return subprocess.CompletedProcess(command, 100 if failed else 0, "", "E: Unable to locate package chromium")

    monkeypatch.setattr(subprocess, "run", run)
    with pytest.raises(SystemExit) as stopped:
        browser.install_chromium()
    assert ran == list(browser.APT_COMMANDS)
    assert ran[1][-2:] == ("--no-install-recommends", "chromium") and "-qq" in ran[1]
    assert str(stopped.value.code).splitlines() == [
        "apt-get install -y -qq --no-install-recommends chromium failed with exit code 100:",
        "E: Unable to locate package chromium",
    ]


def test_make_test_runs_it_before_pytest() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "\ntest: test-browser\n" in makefile
    assert "\n\t@PYTHONPATH=tests $(BIN)/python -m app.browser\n" in makefile
    done = subprocess.run(
        [sys.executable, "-m", "app.browser"],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "CHROMIUM": "/no/such/browser"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "Browser test will skip: CHROMIUM=/no/such/browser does not exist.\n")
