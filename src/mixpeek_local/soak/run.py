"""The seeded soak: many syncs against a changing collection with random faults, each checked against the truth."""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from mixpeek_local import verify
from mixpeek_local.arguments import decimal
from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.engine.server import close_session, local_server, open_session
from mixpeek_local.soak.faults import (
    READ_TIMEOUT,
    Collection,
    CrashingSession,
    HookSlot,
    ListingChange,
    Plan,
    crash_point,
    pick_plan,
)
from mixpeek_local.soak.operations import TargetOperations, in_definition
from mixpeek_local.soak.report import PAGE_SIZES, SoakConfig, SoakReport, Waits, format_report
from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import MixpeekSnowflakeError
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.mixpeek.retry import RetryPolicy
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.sync.statements import SyncTables

COLLECTION = "col_soak000001"
SECOND_COLLECTION = "col_soak000002"
SECOND_TARGET = "MIXPEEK_SECOND"
NAMESPACE = "ns_soak"
API_KEY = "mxp_soak_key_5c2e"
TARGET = "MIXPEEK_DOCUMENTS"
FULL_SHARE = 0.3
POLICY = RetryPolicy()
NO_FAULT = Plan("none")


def product_tables(target: str) -> SyncTables:
    """The tables as the sync names them: where the soak's operations act and its crashes strike (the referee,
    verify.py, names them from the README instead)."""
    return SyncTables.beside(TableName.parse(target))


@contextmanager
def soak_client(waits: Waits, base_url: str) -> Iterator[None]:
    """The handler's environment, and a client that records retry waits and gives up reading quickly."""
    factory = functools.partial(MixpeekClient, sleep=waits, timeout=(2.0, READ_TIMEOUT))
    environment = {"MIXPEEK_API_KEY": API_KEY, "MIXPEEK_BASE_URL": base_url, "MIXPEEK_NAMESPACE": NAMESPACE}
    with mock.patch.dict(os.environ, environment), mock.patch.object(procedures, "MixpeekClient", factory):
        yield


@dataclass(frozen=True)
class Before:
    """What the referee needs from before a run: the defined documents, every table, the run log, the target's
    keys, the change feed and the watermark."""

    docs: list[dict[str, Any]]
    tables: verify.Snapshot
    runs: dict[str, Any]
    keys: dict[str, tuple[bool, str]]
    feed: list[dict[str, Any]]
    watermark: str | None


class Soak:
    """Runs the soak on one emulator and one local engine session."""

    def __init__(self, config: SoakConfig, session: Any, emulator: Emulator, slot: HookSlot) -> None:
        self.config = config
        self.session = session
        self.emulator = emulator
        self.slot = slot
        self.collection = Collection(emulator.store, COLLECTION)
        self.rng = random.Random(config.seed)
        self.report = SoakReport(config)
        self.waits = Waits()
        self.operations = TargetOperations(session, product_tables(TARGET))
        self.second = Collection(emulator.store, SECOND_COLLECTION)

    def run(self, say: Callable[[str], None]) -> SoakReport:
        """Every run, in order; `say` gets one line per run when verbose."""
        started = time.monotonic()
        with soak_client(self.waits, self.emulator.base_url):
            for number in range(1, self.config.runs + 1):
                line = self.one_run(number)
                if self.config.verbose:
                    say(line)
        self.report.seconds = time.monotonic() - started
        return self.report

    def one_run(self, number: int) -> str:
        """Change the collection, pick a fault, run the handler, check the outcome; return a line about it."""
        done, _ = self.collection.change(self.rng, self.rng.randint(0, self.config.changes))
        self.report.changes.update(done)
        plan = pick_plan(self.rng, self.config.fault_rate)
        mode = "full" if number == 1 or self.rng.random() < FULL_SHARE else "incremental"
        partitions, page_size = self.rng.randint(1, self.config.max_partitions), self.rng.choice(PAGE_SIZES)
        operation = self.operations.pick(self.rng) if number > 1 else None
        options = {"partitions": partitions, "page_size": page_size}
        options |= self.operations.perform(operation, self.rng)
        before = Before(
            self._defined(self.collection.store.documents(COLLECTION)),
            verify.snapshot(self.session, TARGET),
            verify.run_log(self.session, TARGET),
            verify.row_keys(self.session, TARGET),
            self.collection.store.events(),
            verify.watermark(self.session, COLLECTION, TARGET),
        )
        error, met, change = self._call(plan, mode, options)
        met = met if met is not None else NO_FAULT
        if error is None:
            self.operations.committed(operation)
        self.report.operations[operation or "none"] += 1
        self.report.faults[met.label] += 1
        self.report.modes[mode] += 1
        self.report.runs += 1
        try:
            if error is None:
                outcome = self._succeeded(met, before, change)
            else:
                outcome = self._failed(met, error, before.tables, before.runs)
        except Exception as exc:
            outcome = self._unusable(met, exc)
        self._check_retries(met, number)
        if operation == "second collection":
            outcome += "; " + self._second_collection()
        self._count_orphans(number)
        what = f"{operation or '':<11}"
        return f"run {number:>4} {mode:<11} p={partitions:<2} size={page_size:<4} {what} {met.label:<36} {outcome}"

    def _second_collection(self) -> str:
        """Another collection: refused in the first target (which stays as it was), exact in a target of its own."""
        self.second.change(self.rng, self.rng.randint(0, 3))
        before = verify.snapshot(self.session, TARGET)
        try:
            procedures.sync_mixpeek_collection(self.session, SECOND_COLLECTION, TARGET, "incremental", None)
            self._unexpected("a second collection was synced into a target that holds another")
        except MixpeekSnowflakeError as exc:
            if "holds collection" not in str(exc):
                self._unexpected(f"a second collection in the target failed otherwise: {exc}")
        if verify.snapshot(self.session, TARGET) != before:
            self._unexpected("the refused second collection changed the first target's tables")
        procedures.sync_mixpeek_collection(self.session, SECOND_COLLECTION, SECOND_TARGET, "incremental", None)
        truth = self.collection.store.documents(SECOND_COLLECTION)
        store = self.collection.store
        verdict = verify.compare_committed(self.session, truth, store, SECOND_COLLECTION, NAMESPACE, SECOND_TARGET)
        self.report.documents_compared += verdict.compared
        self.report.mismatches += len(verdict.problems)
        self.report.problems += [f"second collection: {p}" for p in verdict.problems]
        return f"second collection {verdict.compared} compared, {len(verdict.problems)} mismatches"

    def _defined(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The documents the target's definition covers."""
        return [doc for doc in docs if in_definition(doc, self.operations.filtered)]

    def _call(self, plan: Plan, mode: str, options: dict[str, Any]) -> tuple[Exception | None, Plan | None, Any]:
        """Run the handler with the plan armed; return the error, the plan if its fault was met, the change."""
        session, change = self._arm(plan)
        injected = sum(self.emulator.faults_injected.values())
        self.waits.clear()
        error: Exception | None = None
        try:
            procedures.sync_mixpeek_collection(session, COLLECTION, TARGET, mode, options)
        except Exception as exc:
            error = exc
        finally:
            self.emulator.clear_faults()
            self.slot.hook = None
        fired = change is not None and change.fired
        met = sum(self.emulator.faults_injected.values()) > injected or getattr(session, "fired", False) or fired
        return error, plan if met else None, change if fired else None

    def _arm(self, plan: Plan) -> tuple[Any, ListingChange | None]:
        if plan.fault is not None:
            self.emulator.inject(plan.fault)
        if plan.crash is not None:
            when = crash_point(plan.crash, product_tables(TARGET))
            return CrashingSession(self.session, when, plan.label), None
        if plan.change_while_listing:
            change = ListingChange(self.collection, self.rng, at=self.rng.randint(1, 4), changes=self.rng.randint(1, 6))
            self.slot.hook = change
            return self.session, change
        return self.session, None

    def _succeeded(self, plan: Plan, before: Before, change: ListingChange | None) -> str:
        after = self._defined(self.collection.store.documents(COLLECTION))
        session, store = self.session, self.collection.store
        if change is not None:
            verdict = verify.compare_during_change(session, before.docs, after, change.versions, TARGET)
            verdict.add(verify.compare_labels_with_rows(session, store, NAMESPACE, TARGET))
            verdict.add(verify.compare_state(session, COLLECTION, before.feed, NAMESPACE, TARGET, before.watermark))
        else:
            verdict = verify.compare_committed(
                session, after, store, COLLECTION, NAMESPACE, TARGET, before.feed, before.watermark
            )
        verdict.add(verify.compare_run(session, before.runs, before.keys, TARGET))
        self.report.succeeded += 1
        self.report.documents_compared += verdict.compared
        self.report.mismatches += len(verdict.problems)
        self.report.problems += [f"{plan.label}: {p}" for p in verdict.problems]
        if plan.expect == "fail":
            self._unexpected(f"{plan.label}: the run succeeded although its fault allows no success")
        return f"succeeded, {verdict.compared} rows compared, {len(verdict.problems)} mismatches"

    def _failed(self, plan: Plan, error: Exception, before: verify.Snapshot, runs_before: dict[str, Any]) -> str:
        verdict = verify.failed_cleanly(self.session, before, runs_before, plan.cause, TARGET)
        if verdict.ok:
            self.report.failed_cleanly += 1
        else:
            self.report.failed_uncleanly += 1
            self.report.problems += [f"{plan.label}: {p}" for p in verdict.problems]
            self._repair()
        if plan.expect == "succeed":
            self._unexpected(f"{plan.label}: the run failed although it should have recovered: {error}")
        return f"failed {'cleanly' if verdict.ok else 'UNCLEANLY'}: {type(error).__name__}: {str(error)[:90]}"

    def _unusable(self, plan: Plan, error: Exception) -> str:
        self.report.failed_uncleanly += 1
        self.report.problems.append(f"{plan.label}: the run left the session unusable: {str(error)[:200]}")
        self._repair()
        return f"failed UNCLEANLY, session unusable: {type(error).__name__}"

    def _repair(self) -> None:
        """What an operator, or the end of the session and the lapse of the lease, does so the next run can go on:
        roll back a transaction the run left open, free its lease, drop its stage rows (counted as orphans)."""
        with contextlib.suppress(Exception):
            self.session.sql("ROLLBACK").collect()
        tables = verify.tables_of(TARGET)
        self._count_orphans(self.report.runs)
        with contextlib.suppress(Exception):
            self.session.sql(f"UPDATE {tables.state.sql} SET LEASE_RUN_ID = NULL, LEASE_EXPIRES_AT = NULL").collect()
            self.session.sql(f"DELETE FROM {tables.stage.sql}").collect()

    def _check_retries(self, plan: Plan, number: int) -> None:
        waits = self.waits.all()
        self.report.retry_waits += len(waits)
        if plan.fatal and waits:
            self._unexpected(f"run {number}: {plan.label} was retried {len(waits)} times")
        if any(w > POLICY.max_delay for w in waits) or self.waits.worst_thread_total() > POLICY.budget:
            self._unexpected(f"run {number}: retry waits {waits} break {POLICY}")

    def _count_orphans(self, number: int) -> None:
        orphans = verify.orphan_stage_rows(self.session, TARGET)
        if orphans:
            self.report.orphan_stage_rows += orphans
            self.report.problems.append(f"run {number}: {orphans} orphan stage rows")

    def _unexpected(self, problem: str) -> None:
        self.report.unexpected += 1
        self.report.problems.append(problem)


def run_soak(
    config: SoakConfig, say: Callable[[str], None] = print, engine: dict[str, Any] | None = None
) -> SoakReport:
    """Seed a collection, start the emulator (and a local engine unless `engine` gives one), soak; return figures."""
    with contextlib.ExitStack() as stack:
        kwargs = engine if engine is not None else stack.enter_context(local_server())
        store = Store()
        seed = config.seed
        seed_collection(store, documents=config.documents, seed=seed, namespace=NAMESPACE, collection_id=COLLECTION)
        second = {"namespace": NAMESPACE, "collection_id": SECOND_COLLECTION, "collection_name": "second"}
        seed_collection(store, documents=max(10, config.documents // 4), seed=seed + 1, **second)
        slot = HookSlot()
        emulator = stack.enter_context(Emulator(store, api_key=API_KEY, on_list=slot))
        session = open_session(kwargs, database=f"SOAK_{uuid.uuid4().hex[:8].upper()}")
        stack.callback(close_session, session)
        report = Soak(config, session, emulator, slot).run(say)
    return report


def build_parser() -> argparse.ArgumentParser:
    """mixpeek-snowflake soak [--runs N] [--seed S] [--documents D] [--fault-rate F] [--max-partitions P] [-v]."""
    parser = argparse.ArgumentParser(prog="mixpeek-snowflake soak", description=__doc__)
    parser.add_argument("--runs", type=_positive, default=200, help="consecutive syncs (default 200)")
    parser.add_argument("--seed", type=int, default=7, help="seed of every random choice (default 7)")
    parser.add_argument("--documents", type=_positive, default=120, help="documents at the start (default 120)")
    parser.add_argument(
        "--fault-rate",
        type=decimal(0.0, 1.0, "a share from 0 to 1"),
        default=0.6,
        help="share of runs given a fault (default 0.6)",
    )
    parser.add_argument("--max-partitions", type=_positive, default=16, help="partitions 1 to this (default 16)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print one line per run as it ends")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def soak_main(argv: list[str] | None = None) -> int:
    """Run the soak and print its table; return 1 when anything was lost, left behind or unexpected."""
    args = build_parser().parse_args(argv)
    logging.getLogger("mixpeek_snowflake").setLevel(logging.CRITICAL)
    config = SoakConfig(
        args.runs, args.seed, args.documents, args.fault_rate, args.max_partitions, verbose=args.verbose
    )
    report = run_soak(config, say=lambda line: print(line, flush=True))
    print(format_report(report))
    return 0 if report.ok else 1
