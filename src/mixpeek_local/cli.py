"""mixpeek-snowflake: every procedure of the bundle, the run log, the demo and the local tools, from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mixpeek_local import commands
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError

DEFAULT_LOCAL_DIR = Path(".mixpeek-local")
LOCAL_DIR_VARIABLE = "MIXPEEK_LOCAL_DIR"
ENVIRONMENT = {
    "MIXPEEK_API_KEY": "the Mixpeek API key (the emulator accepts the key it was started with)",
    "MIXPEEK_BASE_URL": "the Mixpeek API address, e.g. the emulator's http://127.0.0.1:8080 "
    "(default https://api.mixpeek.com)",
    "MIXPEEK_NAMESPACE": "the Mixpeek namespace (X-Namespace) when --namespace is not given",
    LOCAL_DIR_VARIABLE: f"the local engine folder when --local-dir is not given (default {DEFAULT_LOCAL_DIR}/)",
}
MIXPEEK_VARIABLES = ("MIXPEEK_API_KEY", "MIXPEEK_BASE_URL", "MIXPEEK_NAMESPACE")
EXIT_CODES = "exit codes: 0 success, 1 failed run (or FAILED/PARTIAL/CANCELLED status), 2 bad arguments"
TOOLS = {
    "emulator": "serve the Mixpeek emulator (seeded collection, retriever, fault injection)",
    "bench": "the benchmark behind the README's performance table",
    "soak": "consecutive syncs against a changing collection with faults, each checked against the truth",
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's layout and adds "(default: …)" where an option has a default worth naming."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, [], argparse.SUPPRESS) or not action.option_strings:
            return text
        return f"{text} (default: {action.default})"


def _epilog(variables: tuple[str, ...]) -> str:
    if not variables:
        return f"environment variables: none\n\n{EXIT_CODES}"
    width = max(len(name) for name in variables)
    lines = [f"  {name.ljust(width)}  {ENVIRONMENT[name]}" for name in variables]
    return "environment variables:\n" + "\n".join(lines) + f"\n\n{EXIT_CODES}"


def _option(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (VALUE as JSON or text), got {text!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f'expected a JSON object such as {{"AND": [...]}}, got {text!r}')
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return int(text)


def _where(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    default = Path(os.environ.get(LOCAL_DIR_VARIABLE) or DEFAULT_LOCAL_DIR)
    group.add_argument("--local-dir", type=Path, default=default, help=f"local engine folder (default: {default}/)")
    group.add_argument("--connection", help="a Snowflake CLI connection name: use that account, not the local engine")


def _mixpeek(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mixpeek-url", help="Mixpeek base URL (default: MIXPEEK_BASE_URL, else the public API)")
    parser.add_argument("--namespace", help="Mixpeek namespace id or name (default: MIXPEEK_NAMESPACE)")


def _options(parser: argparse.ArgumentParser, example: str) -> None:
    parser.add_argument(
        "--option",
        action="append",
        type=_option,
        default=[],
        metavar="KEY=VALUE",
        help=f"one entry of the procedure's options VARIANT, repeatable; VALUE is JSON or text (e.g. {example})",
    )


def _procedure(
    commands_: Any, name: str, summary: str, variables: tuple[str, ...] = (*MIXPEEK_VARIABLES, LOCAL_DIR_VARIABLE)
) -> argparse.ArgumentParser:
    return commands_.add_parser(
        name, help=summary, description=summary, epilog=_epilog(variables), formatter_class=HelpFormatter
    )


def _add_procedures(sub: Any) -> None:
    sync = _procedure(sub, "sync", "CALL sync_mixpeek_collection: a collection into a target table; prints the summary")
    sync.add_argument("collection", help="Mixpeek collection id (col_…) or name")
    sync.add_argument("--target", default="MIXPEEK_DOCUMENTS", help="target table, TABLE or DB.SCHEMA.TABLE")
    sync.add_argument("--mode", default="incremental", choices=("incremental", "full"), help="what to list")
    _options(sync, "dry_run=true, page_size=500, include_vectors=true")
    sync.add_argument("--quiet", action="store_true", help="no progress on stderr (it shows only on a terminal)")
    _mixpeek(sync)
    _where(sync)

    labels = _procedure(sub, "refresh-labels", "CALL refresh_mixpeek_labels: rebuild a target's taxonomy labels")
    labels.add_argument("collection", help="Mixpeek collection id (col_…) or name")
    labels.add_argument("--target", default="MIXPEEK_DOCUMENTS", help="the synced target table")
    _options(labels, "page_size=500")
    _mixpeek(labels)
    _where(labels)

    enrich = _procedure(sub, "enrich", "CALL enrich_mixpeek_documents: push a table's columns into document metadata")
    enrich.add_argument("collection", help="Mixpeek collection id (col_…) or name")
    enrich.add_argument("source", help="a table or view name, or a query starting with SELECT or WITH")
    enrich.add_argument("key_column", help="the source column holding document ids (or the key_field option's value)")
    _options(enrich, "dry_run=true, prefix=crm_, key_field=metadata.sku")
    _mixpeek(enrich)
    _where(enrich)

    views = _procedure(sub, "views", "CALL create_mixpeek_views: typed views over a synced collection")
    views.add_argument("collection", help="Mixpeek collection id (col_…) or name")
    _options(views, "source_table=MIXPEEK_DOCUMENTS, view_prefix=SHOP_")
    _mixpeek(views)
    _where(views)

    ingest = _procedure(sub, "ingest", "CALL ingest_stage_files: a stage's new and changed files into a Mixpeek bucket")
    ingest.add_argument("stage", help="the stage: @NAME, @SCHEMA.NAME or @DATABASE.SCHEMA.NAME, with a directory table")
    ingest.add_argument("bucket", help="Mixpeek bucket id (bkt_…) or name")
    ingest.add_argument(
        "--stage-folder",
        type=Path,
        help="local engine only (it has no stages): the folder that stands for the stage, its files the stage's",
    )
    _options(ingest, "collection=col_…, dry_run=true, on_removed=keep")
    _mixpeek(ingest)
    _where(ingest)

    search = _procedure(
        sub, "search", "SELECT * FROM TABLE(mixpeek_search(…)): run a retriever; prints rows as JSON", MIXPEEK_VARIABLES
    )
    search.add_argument("retriever", help="retriever id (ret_…) or name")
    search.add_argument("query", help='query text, or a JSON object of retriever inputs such as {"query": "red"}')
    search.add_argument("--limit", type=_positive, default=10, help="result rows, 1 to 500")
    search.add_argument("--filters", type=_json_object, help="a Mixpeek filter object (JSON)")
    _options(search, "namespace=ns_demo")
    _mixpeek(search)


def _add_run_log(sub: Any) -> None:
    runs = _procedure(sub, "runs", "the newest rows of MIXPEEK_SYNC_RUNS: what each run did or why it failed")
    runs.add_argument("--limit", type=_positive, default=20, help="rows")
    runs.add_argument("--collection", help="only runs of this collection id")
    runs.add_argument("--target", help="only runs into this target table")
    runs.add_argument("--schema", help="DATABASE.SCHEMA holding the bundle tables (default: the session's)")
    runs.add_argument("--json", action="store_true", help="print rows as a JSON array of objects")
    _where(runs)

    status = _procedure(sub, "status", "state per (collection, target): watermark, lease, the newest run and its error")
    status.add_argument("--schema", help="DATABASE.SCHEMA holding the bundle tables (default: the session's)")
    status.add_argument("--json", action="store_true", help="print rows as a JSON array of objects")
    _where(status)

    sql = _procedure(sub, "sql", "run one query on the local engine or an account", (LOCAL_DIR_VARIABLE,))
    sql.add_argument("query")
    sql.add_argument("--json", action="store_true", help="print rows as a JSON array of objects")
    _where(sql)


def _add_app(sub: Any) -> None:
    from mixpeek_app.local.launcher import add_arguments

    app = _procedure(
        sub, "app", "the Streamlit app (docs/app.md) on the emulator and the local engine with demo data", ()
    )
    add_arguments(app)


SCHEDULE_CHOICES = {
    "hourly_incremental": "hourly_incremental",
    "daily_full": "daily_full",
    "both": "hourly_incremental,daily_full",
}
LOCAL_ONLY = (LOCAL_DIR_VARIABLE,)


def _seconds(text: str) -> int:
    if not text.isdigit() or not 60 <= int(text) <= 366 * 86400:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds, 60 to {366 * 86400}, got {text!r}")
    return int(text)


def _pair(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("collection", help="Mixpeek collection id (col_…); give the id, as the run log keeps it")
    parser.add_argument("--target", default="MIXPEEK_DOCUMENTS", help="target table, TABLE or DB.SCHEMA.TABLE")


def _add_operations(sub: Any) -> None:
    reset = _procedure(
        sub, "reset", "CALL reset_mixpeek_sync: forget a pair's state; its next sync runs full", LOCAL_ONLY
    )
    _pair(reset)
    _where(reset)

    unlock = _procedure(
        sub, "unlock", "CALL unlock_mixpeek_sync: free the lease a stopped run still holds (see: status)", LOCAL_ONLY
    )
    _pair(unlock)
    unlock.add_argument("run_id", help="the run holding the lease (LEASE_RUN_ID in: mixpeek-snowflake status)")
    _where(unlock)

    targets = _procedure(
        sub, "targets", "sync targets the scheduler runs: add, change, pause, resume, remove, list", ()
    )
    actions = targets.add_subparsers(dest="targets_command", required=True, metavar="ACTION")
    for name, summary in (
        ("add", "CALL add_mixpeek_target: a new target, due at the next run-due"),
        ("change", "CALL change_mixpeek_target: its schedule, staleness or sync options (KEY=null removes one)"),
    ):
        action = _procedure(actions, name, summary, LOCAL_ONLY)
        _pair(action)
        action.add_argument(
            "--schedule",
            choices=tuple(SCHEDULE_CHOICES),
            default="both" if name == "add" else None,
            help="hourly_incremental, daily_full, or both",
        )
        action.add_argument(
            "--stale-after",
            type=_seconds,
            metavar="SECONDS",
            help="lag before it counts as stale (default: 7200 for an hourly target, 172800 for a daily one)",
        )
        _options(action, "namespace=ns_abc, page_size=500, filters={...}")
        _where(action)
    pause = _procedure(actions, "pause", "CALL pause_mixpeek_target: run-due skips it until resume", LOCAL_ONLY)
    _pair(pause)
    pause.add_argument("--reason", required=True, help="why it is paused (kept in PAUSED_REASON)")
    _where(pause)
    for name, summary in (
        ("resume", "CALL resume_mixpeek_target: enable a paused target again"),
        ("remove", "CALL remove_mixpeek_target: forget the target (its table, state and runs stay)"),
    ):
        action = _procedure(actions, name, summary, LOCAL_ONLY)
        _pair(action)
        _where(action)
    listing = _procedure(
        actions, "list", "the rows of MIXPEEK_SYNC_TARGETS: schedule, enabled, next due, last run", LOCAL_ONLY
    )
    listing.add_argument("--json", action="store_true", help="print rows as a JSON array of objects")
    _where(listing)
    due = _procedure(actions, "run-due", "CALL run_due_mixpeek_syncs: sync every due, enabled target now")
    _mixpeek(due)
    _where(due)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per procedure, the run log, the demo and the local tools."""
    parser = argparse.ArgumentParser(
        prog="mixpeek-snowflake", description=__doc__, epilog=_epilog(tuple(ENVIRONMENT)), formatter_class=HelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what runs (retries, runs) to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = _procedure(
        sub, "demo", "emulator + local engine: sync, changes, incremental sync, views, enrich, search", ()
    )
    demo.add_argument("--documents", type=_positive, default=3000, help="documents in the demo collection")
    demo.add_argument(
        "--local-dir", type=Path, default=None, help="keep the local engine here (default: a temporary one)"
    )
    _add_procedures(sub)
    _add_run_log(sub)
    _add_app(sub)
    _add_operations(sub)
    for name, summary in TOOLS.items():
        sub.add_parser(name, help=f"{summary} (see: mixpeek-snowflake {name} --help)", add_help=False)
    return parser


def _tool(name: str) -> Callable[[list[str]], int]:
    if name == "bench":
        from mixpeek_local.bench.run import bench_main

        return bench_main
    if name == "soak":
        from mixpeek_local.soak.run import soak_main

        return soak_main
    from mixpeek_local.emulator.__main__ import main as emulator_main

    return emulator_main


def run_demo(args: argparse.Namespace) -> int:
    from mixpeek_local.demo.run import run_demo as demo

    demo(args.documents, args.local_dir)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": run_demo,
    "sync": commands.run_sync,
    "refresh-labels": commands.run_refresh_labels,
    "enrich": commands.run_enrich,
    "views": commands.run_views,
    "ingest": commands.run_ingest,
    "search": commands.run_search,
    "runs": commands.run_runs,
    "status": commands.run_status,
    "sql": commands.run_sql,
    "app": commands.run_app,
    "reset": commands.run_reset,
    "unlock": commands.run_unlock,
    "targets": commands.run_targets,
}


def _not_restated(record: logging.LogRecord) -> bool:
    """Drop the bundle's ERROR records that only restate a failure (the CLI prints it once, as its last line)."""
    restated = record.levelno == logging.ERROR and record.exc_info is None
    return not (restated and record.name.startswith("mixpeek_snowflake"))


@contextmanager
def logging_to_stderr(verbose: bool) -> Iterator[None]:
    """INFO and up on stderr with -v, else warnings and unexpected errors only; as it was afterwards."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(_not_restated)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the mixpeek-snowflake command."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in TOOLS:
        return _tool(argv[0])(argv[1:])
    args = build_parser().parse_args(argv)
    from mixpeek_local.engine.server import LocalEngineError

    try:
        with logging_to_stderr(args.verbose):
            return COMMANDS[args.command](args)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except InvalidArgument as exc:
        return _fail(str(exc), 2)
    except (MixpeekSnowflakeError, LocalEngineError) as exc:
        return _fail(str(exc), 1)
    except Exception as exc:
        return _fail(f"{type(exc).__name__}: {exc}", 1)


if __name__ == "__main__":
    sys.exit(main())
