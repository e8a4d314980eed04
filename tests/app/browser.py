"""Headless Chromium over the DevTools protocol (websocket-client only): open a page, read it, screenshot it.

Run as `python -m app.browser` (make test does, before pytest): installs Debian's chromium when none is found, this is
root and apt-get exists, as in CI; otherwise prints why the browser test will skip.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import websocket

DEBIAN_PACKAGE = "chromium"
APT_COMMANDS = (
    ("apt-get", "update", "-qq"),
    ("apt-get", "install", "-y", "-qq", "--no-install-recommends", DEBIAN_PACKAGE),
)
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# The flags this machine's closed network needs (no background connections) and a root user needs (no sandbox).
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1800",
    "--remote-debugging-port=0",
)
# What a Streamlit page looks like from outside: its title, whether a script still runs, the exceptions it shows.
STATE = """JSON.stringify({
  title: (document.querySelector('h1') || {}).innerText || null,
  running: !!document.querySelector('[data-testid="stStatusWidget"]'),
  skeleton: !!document.querySelector('[data-testid="stSkeleton"]'),
  navigation: Array.from(document.querySelectorAll('[data-testid="stSidebarNavLink"]'))
    .map(a => a.innerText.trim().split('\\n').pop()),
  dialogs: Array.from(document.querySelectorAll('[role="dialog"]')).map(d => d.innerText),
  exceptions: Array.from(document.querySelectorAll('[data-testid="stException"]')).map(e => e.innerText),
})"""


def find_chromium() -> str | None:
    """CHROMIUM if set, else a Chromium or Chrome on PATH (Debian's package: `make app-browser`)."""
    given = os.environ.get("CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def install_chromium() -> float:
    """Debian's chromium through apt-get, non-interactive and quiet; the seconds it took. Exits with apt's output
    when apt-get fails: a machine that could install it and did not must not pass with the browser test skipped."""
    started = time.monotonic()
    for command in APT_COMMANDS:
        done = subprocess.run(
            command,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            output = (done.stdout + done.stderr).strip().splitlines()[-20:]
            raise SystemExit("\n".join([f"{' '.join(command)} failed with exit code {done.returncode}:", *output]))
    return time.monotonic() - started


def ensure_chromium(install: Callable[[], float] = install_chromium) -> str:
    """Make sure the browser test finds a Chromium, installing Debian's when it can; one line saying what happened."""
    found = find_chromium()
    if found:
        return f"Browser test: Chromium at {found}."
    given = os.environ.get("CHROMIUM")
    if given:
        return f"Browser test will skip: CHROMIUM={given} does not exist."
    if os.geteuid() != 0:
        return "Browser test will skip: no Chromium on PATH, and only root may apt-get install Debian's chromium."
    if shutil.which("apt-get") is None:
        return "Browser test will skip: no Chromium on PATH and no apt-get to install one (set CHROMIUM to a browser)."
    seconds = install()
    found = find_chromium()
    if found is None:
        raise SystemExit(f"apt-get installed {DEBIAN_PACKAGE}, but no Chromium is on PATH: {', '.join(CANDIDATES)}")
    return f"Browser test: installed Debian's {DEBIAN_PACKAGE} in {seconds:.0f} s, at {found}."


class Tab:
    """One page target of the browser, spoken to over its DevTools websocket."""

    def __init__(self, url: str) -> None:
        self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result, skipping the events that arrive meanwhile."""
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def state(self) -> dict[str, Any]:
        result = self.send("Runtime.evaluate", expression=STATE, returnByValue=True)
        return json.loads(result["result"]["value"])

    def open(self, url: str, title: str, timeout: float = 40.0) -> dict[str, Any]:
        """Load the app at url and wait for the page (see settle)."""
        self.send("Page.navigate", url=url)
        return self.settle(title, timeout)

    def follow(self, path: str, title: str, timeout: float = 40.0) -> dict[str, Any]:
        """Click the navigation link to path, as a user would (no reload), and wait for the page."""
        link = f'[data-testid="stSidebarNavLink"][href$="/{path}"]'
        found = self.send("Runtime.evaluate", expression=f"!!document.querySelector('{link}')", returnByValue=True)
        if not found["result"]["value"]:
            raise LookupError(f"no navigation link to {path}")
        self.send("Runtime.evaluate", expression=f"document.querySelector('{link}').click()")
        return self.settle(title, timeout)

    def settle(self, title: str, timeout: float) -> dict[str, Any]:
        """Wait until the page shows its title and no script runs, three polls in a row (or shows an exception)."""
        deadline, settled, state = time.monotonic() + timeout, 0, {}
        while time.monotonic() < deadline:
            time.sleep(0.25)
            state = self.state()
            quiet = state["title"] == title and not state["running"] and not state["skeleton"]
            settled = settled + 1 if quiet else 0
            if settled >= 3 or state["exceptions"]:
                return state
        raise TimeoutError(f"{title} did not settle within {timeout:.0f} s; last seen {state}")

    def screenshot(self, path: Path) -> Path:
        result = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(result["data"]))
        return path

    def close(self) -> None:
        self.socket.close()


@contextmanager
def chromium(executable: str, profile: Path) -> Iterator[Tab]:
    """A headless Chromium with an empty profile under profile, and its first tab."""
    process = subprocess.Popen(
        [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{executable} did not start (exit code {process.poll()})")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        tab = Tab(next(p["webSocketDebuggerUrl"] for p in pages if p.get("type") == "page"))
        tab.send("Page.enable")
        try:
            yield tab
        finally:
            tab.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    print(ensure_chromium())
