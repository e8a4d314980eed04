"""mixpeek-snowflake: run the demo, a sync, a query, or the Mixpeek emulator from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from mixpeek_local.output import rows_as_dicts, table, to_json
from mixpeek_snowflake.errors import MixpeekSnowflakeError

DEFAULT_LOCAL_DIR = Path(".mixpeek-local")


def _where(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--local-dir", type=Path, default=DEFAULT_LOCAL_DIR, help="local engine folder (default .mixpeek-local/)"
    )
    group.add_argument("--connection", help="a Snowflake CLI connection name: use a real account instead")


def _option(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def build_parser() -> argparse.ArgumentParser:
    """The command line: demo, sync, sql, emulator."""
    parser = argparse.ArgumentParser(prog="mixpeek-snowflake", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="emulator + local engine: full sync, changes, incremental sync")
    demo.add_argument("--documents", type=int, default=3000)
    demo.add_argument("--local-dir", type=Path, default=None, help="keep the local engine here (default: temporary)")
    sync = commands.add_parser("sync", help="run sync_mixpeek_collection, the handler Snowflake runs")
    sync.add_argument("collection", help="Mixpeek collection id or name")
    sync.add_argument("--target", default="MIXPEEK_DOCUMENTS")
    sync.add_argument("--mode", default="incremental", help="incremental (default) or full")
    sync.add_argument("--option", action="append", type=_option, default=[], metavar="KEY=VALUE")
    sync.add_argument("--mixpeek-url", help="Mixpeek base URL (default: MIXPEEK_BASE_URL or the public API)")
    _where(sync)
    sql = commands.add_parser("sql", help="run one query on the local engine or an account")
    sql.add_argument("query")
    sql.add_argument("--json", action="store_true", help="print rows as a JSON array of objects")
    _where(sql)
    emulator = commands.add_parser("emulator", help="serve the Mixpeek emulator", add_help=False)
    emulator.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def run_sync(args: argparse.Namespace) -> int:
    from mixpeek_local.engine.server import target_session
    from mixpeek_snowflake.procedures import sync_mixpeek_collection

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.mixpeek_url:
        os.environ["MIXPEEK_BASE_URL"] = args.mixpeek_url
    with target_session(args.local_dir, args.connection) as session:
        summary = sync_mixpeek_collection(session, args.collection, args.target, args.mode, dict(args.option) or None)
    print(to_json(summary))
    return 0


def run_sql(args: argparse.Namespace) -> int:
    from mixpeek_local.engine.server import target_session

    with target_session(args.local_dir, args.connection) as session:
        rows = rows_as_dicts(session.sql(args.query).collect())
    print(to_json(rows) if args.json else table(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the mixpeek-snowflake command."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from mixpeek_local.bench.run import bench_main

        return bench_main(argv[1:])
    if argv[:1] == ["soak"]:
        from mixpeek_local.soak.run import soak_main

        return soak_main(argv[1:])
    if argv[:1] == ["emulator"]:
        from mixpeek_local.emulator.__main__ import main as emulator_main

        return emulator_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    try:
        if args.command == "demo":
            from mixpeek_local.demo.run import run_demo

            run_demo(args.documents, args.local_dir)
            return 0
        return run_sync(args) if args.command == "sync" else run_sql(args)
    except MixpeekSnowflakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
