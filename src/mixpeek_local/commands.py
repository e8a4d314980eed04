"""What each CLI command does: call the handler Snowflake runs (or read the run log) and print JSON or a table."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mixpeek_local import progress
from mixpeek_local.environment import environment
from mixpeek_local.output import rows_as_dicts, table, to_json
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName, quote, validate_part
from mixpeek_snowflake.snowflake.tables import RUNS, STATE

FAILING = ("FAILED", "PARTIAL", "CANCELLED")
RUN_COLUMNS = (
    "RUN_ID",
    "COLLECTION_ID",
    "TARGET_TABLE",
    "MODE",
    "STATUS",
    "STARTED_AT",
    "DURATION_SECONDS",
    "DOCUMENTS_SEEN",
    "INSERTED",
    "UPDATED",
    "DELETED",
    "REJECTED",
    "ERROR",
)
TABLE_IS = "TABLE_SCHEMA = {schema} AND TABLE_NAME = ?"


def exit_code(summary: dict[str, Any]) -> int:
    """0 for a run that did its work, 1 for one that ended FAILED, PARTIAL or CANCELLED."""
    return 1 if summary.get("status") in FAILING else 0


def emit(summary: dict[str, Any]) -> int:
    """Print a procedure's summary as JSON on stdout; return the exit code its status calls for."""
    print(to_json(summary))
    return exit_code(summary)


@contextmanager
def mixpeek_environment(args: argparse.Namespace) -> Iterator[None]:
    """Point the handlers at --mixpeek-url and --namespace (they read MIXPEEK_BASE_URL, MIXPEEK_NAMESPACE)."""
    given = {"MIXPEEK_BASE_URL": args.mixpeek_url, "MIXPEEK_NAMESPACE": args.namespace}
    with environment(**{name: value for name, value in given.items() if value}):
        yield


@contextmanager
def procedure_session(args: argparse.Namespace) -> Iterator[Any]:
    """The Mixpeek environment and a session on the local engine or the named account."""
    from mixpeek_local.engine.server import target_session
    from mixpeek_local.engine.uninterrupted import UninterruptedSession

    with mixpeek_environment(args), target_session(args.local_dir, args.connection) as session:
        yield session if args.connection else UninterruptedSession(session)


def options(args: argparse.Namespace) -> dict[str, Any] | None:
    """The --option KEY=VALUE pairs as the options VARIANT, or None."""
    return dict(args.option) or None


def run_sync(args: argparse.Namespace) -> int:
    from mixpeek_snowflake.procedures import sync_mixpeek_collection

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    show = progress.wanted(args.quiet)
    with procedure_session(args) as session, progress.reporting(f"sync {args.collection}", show):
        summary = sync_mixpeek_collection(session, args.collection, args.target, args.mode, options(args))
    return emit(summary)


def run_refresh_labels(args: argparse.Namespace) -> int:
    from mixpeek_snowflake.procedures import refresh_mixpeek_labels

    with procedure_session(args) as session:
        return emit(refresh_mixpeek_labels(session, args.collection, args.target, options(args)))


def run_enrich(args: argparse.Namespace) -> int:
    from mixpeek_snowflake.procedures import enrich_mixpeek_documents

    with procedure_session(args) as session:
        return emit(enrich_mixpeek_documents(session, args.collection, args.source, args.key_column, options(args)))


def run_views(args: argparse.Namespace) -> int:
    from mixpeek_snowflake.procedures import create_mixpeek_views

    with procedure_session(args) as session:
        return emit(create_mixpeek_views(session, args.collection, options(args)))


def run_ingest(args: argparse.Namespace) -> int:
    from mixpeek_local.engine.stages import LocalStages
    from mixpeek_snowflake.ingest.options import parse_stage
    from mixpeek_snowflake.procedures import ingest_stage_files

    stage = parse_stage(args.stage)
    if args.connection and args.stage_folder:
        raise InvalidArgument("--stage-folder", "it is for the local engine only; with --connection, name a real stage")
    if not args.connection and (args.stage_folder is None or not args.stage_folder.is_dir()):
        raise InvalidArgument(
            "--stage-folder",
            f"expected an existing folder: the local engine has no stages, so a folder stands for {args.stage} (its "
            "files are the stage's directory table)",
        )
    with procedure_session(args) as session:
        if args.connection:
            return emit(ingest_stage_files(session, args.stage, args.bucket, options(args)))
        database, schema = session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0]
        full = stage.qualified(str(database), str(schema))
        with LocalStages() as stages:
            stages.add(f"{full.database}.{full.schema}.{full.name}", args.stage_folder.resolve())
            return emit(ingest_stage_files(stages.attach(session), args.stage, args.bucket, options(args)))


def run_search(args: argparse.Namespace) -> int:
    from mixpeek_snowflake.functions import MixpeekSearch
    from mixpeek_snowflake.search.retrieval import COLUMNS

    given = {"limit": args.limit, **dict(args.option)}
    if args.filters is not None:
        given["filters"] = args.filters
    with mixpeek_environment(args):
        rows = list(MixpeekSearch().process(args.retriever, args.query, given))
    print(to_json([dict(zip(COLUMNS, row, strict=True)) for row in rows]))
    return 0


def run_sql(args: argparse.Namespace) -> int:
    from mixpeek_local.engine.server import target_session

    with target_session(args.local_dir, args.connection) as session:
        rows = rows_as_dicts(session.sql(args.query).collect())
    print(to_json(rows) if args.json else table(rows))
    return 0


def _schema(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    parts = text.split(".")
    if len(parts) != 2:
        raise InvalidArgument("--schema", f"{text!r} is not allowed; expected DATABASE.SCHEMA")
    return validate_part(parts[0], "--schema"), validate_part(parts[1], "--schema")


def _bookkeeping(session: Any, args: argparse.Namespace, name: str) -> TableName | None:
    """The bundle table in --schema (default: the session's schema), or None when it does not exist yet."""
    where = _schema(args.schema)
    if where is None:
        query = f"SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE {TABLE_IS}".format(schema="CURRENT_SCHEMA()")
        found = session.sql(query, params=[name]).collect()
        return TableName(name) if found[0][0] else None
    database, schema = where
    query = f"SELECT COUNT(*) FROM {quote(database)}.INFORMATION_SCHEMA.TABLES WHERE {TABLE_IS}".format(schema="?")
    found = session.sql(query, params=[schema, name]).collect()
    return TableName(name, schema, database) if found[0][0] else None


def _print_rows(rows: list[dict[str, Any]], as_json: bool, empty: str) -> None:
    if as_json:
        print(to_json(rows))
        return
    print(table(rows) if rows else empty)


def runs_query(runs: TableName, collection: str | None, target: str | None, limit: int) -> tuple[str, list[Any]]:
    """The newest `limit` run rows, optionally of one collection and one target (the count inlined: `LIMIT ?` is
    refused by some Snowflake drivers and by the strict engine)."""
    conditions, params = [], []
    if collection:
        conditions.append("COLLECTION_ID = ?")
        params.append(collection)
    if target:
        name = TableName.parse(target, "--target")
        conditions.append("TARGET_TABLE = ?" if name.is_qualified else "ENDSWITH(TARGET_TABLE, ?)")
        params.append(name.display if name.is_qualified else f".{name.display}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    columns = ", ".join(RUN_COLUMNS)
    return f"SELECT {columns} FROM {runs.sql}{where} ORDER BY STARTED_AT DESC, RUN_ID DESC LIMIT {int(limit)}", params


def run_runs(args: argparse.Namespace) -> int:
    from mixpeek_local.engine.server import target_session

    with target_session(args.local_dir, args.connection) as session:
        runs = _bookkeeping(session, args, RUNS.name)
        rows: list[dict[str, Any]] = []
        if runs is not None:
            query, params = runs_query(runs, args.collection, args.target, args.limit)
            rows = rows_as_dicts(session.sql(query, params=params or None).collect())
    _print_rows(rows, args.json, f"(no runs yet: {RUNS.name} is empty or does not exist)")
    return 0


def status_query(state: TableName, runs: TableName) -> str:
    """One row per (collection, target) with state or runs: watermark, lease, the newest run, its status and error."""
    return (
        "WITH latest AS (SELECT RUN_ID, COLLECTION_ID, TARGET_TABLE, STATUS, FINISHED_AT, ERROR "
        f"FROM {runs.sql} QUALIFY ROW_NUMBER() OVER (PARTITION BY COLLECTION_ID, TARGET_TABLE "
        "ORDER BY STARTED_AT DESC, RUN_ID DESC) = 1) "
        "SELECT COALESCE(s.COLLECTION_ID, r.COLLECTION_ID) AS COLLECTION_ID, "
        "COALESCE(s.TARGET_TABLE, r.TARGET_TABLE) AS TARGET_TABLE, s.WATERMARK, s.LAST_SUCCESS_AT, "
        "s.LAST_FULL_SYNC_AT, s.LEASE_RUN_ID, s.LEASE_EXPIRES_AT, r.RUN_ID AS LATEST_RUN_ID, "
        "r.STATUS AS LATEST_STATUS, r.FINISHED_AT AS LATEST_FINISHED_AT, r.ERROR AS LATEST_ERROR "
        f"FROM {state.sql} s FULL OUTER JOIN latest r "
        "ON r.COLLECTION_ID = s.COLLECTION_ID AND r.TARGET_TABLE = s.TARGET_TABLE "
        "ORDER BY 1, 2"
    )


def run_status(args: argparse.Namespace) -> int:
    from mixpeek_local.engine.server import target_session

    with target_session(args.local_dir, args.connection) as session:
        state = _bookkeeping(session, args, STATE.name)
        runs = _bookkeeping(session, args, RUNS.name)
        rows: list[dict[str, Any]] = []
        if state is not None and runs is not None:
            rows = rows_as_dicts(session.sql(status_query(state, runs)).collect())
    _print_rows(rows, args.json, f"(no targets yet: {STATE.name} is empty or does not exist)")
    return 0


def say(message: str) -> None:
    """A line for people, on stderr, so stdout stays machine-readable."""
    print(message, file=sys.stderr)


def run_app(args: argparse.Namespace) -> int:
    """The Streamlit app against the emulator and the local engine, until Ctrl-C (docs/app.md)."""
    from mixpeek_app.local.launcher import run

    return run(args)


@contextmanager
def plain_session(args: argparse.Namespace) -> Iterator[Any]:
    """A session on the local engine or the named account, for procedures that never call Mixpeek."""
    from mixpeek_local.engine.server import target_session

    with target_session(args.local_dir, args.connection) as session:
        yield session


def run_reset(args: argparse.Namespace) -> int:
    from mixpeek_snowflake.procedures import reset_mixpeek_sync

    with plain_session(args) as session:
        return emit(reset_mixpeek_sync(session, args.collection, args.target))


def run_unlock(args: argparse.Namespace) -> int:
    from mixpeek_snowflake.procedures import unlock_mixpeek_sync

    with plain_session(args) as session:
        return emit(unlock_mixpeek_sync(session, args.collection, args.target, args.run_id))


def target_options(args: argparse.Namespace) -> dict[str, Any]:
    """--schedule, --stale-after and the --option pairs as the options VARIANT of add or change."""
    from mixpeek_local.cli import SCHEDULE_CHOICES

    given: dict[str, Any] = dict(args.option)
    if args.schedule:
        given["schedule"] = SCHEDULE_CHOICES[args.schedule]
    if args.stale_after is not None:
        given["stale_after_seconds"] = args.stale_after
    return given


def run_targets(args: argparse.Namespace) -> int:
    from mixpeek_snowflake import procedures
    from mixpeek_snowflake.operate.targets import Targets
    from mixpeek_snowflake.snowflake.database import Database

    action = args.targets_command
    if action == "run-due":
        with procedure_session(args) as session:
            return emit(procedures.run_due_mixpeek_syncs(session))
    with plain_session(args) as session:
        if action == "list":
            rows = Targets(Database(session)).list()
            shown = (
                rows if args.json else [{**row, "options": json.dumps(row["options"], sort_keys=True)} for row in rows]
            )
            _print_rows(shown, args.json, "(no targets yet: add one with mixpeek-snowflake targets add COLLECTION)")
            return 0
        if action in ("add", "change"):
            call = procedures.add_mixpeek_target if action == "add" else procedures.change_mixpeek_target
            return emit(call(session, args.collection, args.target, target_options(args)))
        if action == "pause":
            return emit(procedures.pause_mixpeek_target(session, args.collection, args.target, args.reason))
        if action == "resume":
            return emit(procedures.resume_mixpeek_target(session, args.collection, args.target))
        return emit(procedures.remove_mixpeek_target(session, args.collection, args.target))
