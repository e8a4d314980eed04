"""mixpeek-snowflake app: the emulator, the local engine with the demo's data, and the app served on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mixpeek_app import backend
from mixpeek_app.local.backend import LocalBackend
from mixpeek_app.local.roles import AUDIENCES, hold_roles

MAIN = Path(__file__).resolve().parents[1] / "streamlit_app.py"
API_KEY = "mxp_app_key"


def streamlit_options(port: int) -> dict[str, Any]:
    """Serve on loopback only, no browser opened, no usage statistics, no file watching."""
    return {
        "server.port": port,
        "server.address": "127.0.0.1",
        "server.headless": True,
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": False,
        "global.developmentMode": False,
        "client.toolbarMode": "viewer",
    }


def serve(port: int, documents: int, local_dir: Path | None, audience: str, say: Callable[[str], None]) -> int:
    """Build the world, install the local backend for the chosen audience's roles, run the app until stopped."""
    from streamlit.web import bootstrap

    from mixpeek_app.local.world import build, seeded_store
    from mixpeek_local.demo.run import NAMESPACE, local_folder
    from mixpeek_local.emulator import Emulator
    from mixpeek_local.engine.server import local_session
    from mixpeek_local.environment import environment

    store = seeded_store(documents)
    with (
        local_folder(local_dir) as folder,
        Emulator(store, api_key=API_KEY) as emulator,
        environment(MIXPEEK_API_KEY=API_KEY, MIXPEEK_BASE_URL=emulator.base_url, MIXPEEK_NAMESPACE=NAMESPACE),
        local_session(folder) as session,
    ):
        say(f"Mixpeek emulator at {emulator.base_url}; local engine under {folder}")
        world = build(session, store, emulator, say)
        hold_roles(session, AUDIENCES[audience])
        local = LocalBackend(session, defaults=world.defaults())
        shared = backend.LockedBackend(local)
        backend.install(lambda: shared)
        say(f"roles held: {', '.join(AUDIENCES[audience])}")
        say(f"the app: http://127.0.0.1:{port}/  (Ctrl-C stops it)")
        options = streamlit_options(port)
        bootstrap.load_config_options(flag_options=options)
        bootstrap.run(str(MAIN), False, [], options)
    return 0


def parser() -> argparse.ArgumentParser:
    """The app's options, shared by `mixpeek-snowflake app` and `python -m mixpeek_app.local`."""
    parser = argparse.ArgumentParser(prog="mixpeek-snowflake app", description=__doc__)
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8501, help="port on 127.0.0.1 (default: 8501)")
    parser.add_argument("--documents", type=int, default=300, help="documents in the demo collection (default: 300)")
    parser.add_argument("--local-dir", type=Path, default=None, help="keep the local engine here (default: temporary)")
    parser.add_argument(
        "--as",
        dest="audience",
        choices=tuple(AUDIENCES),
        default="operator",
        help="whose roles the session holds: operator (everything), searcher (read and search), reader (read only)",
    )


def run(args: argparse.Namespace) -> int:
    return serve(args.port, args.documents, args.local_dir, args.audience, lambda line: print(line, flush=True))


def main(argv: list[str] | None = None) -> int:
    return run(parser().parse_args(sys.argv[1:] if argv is None else argv))
