"""mixpeek-snowflake bench: the sync against its limits and against the Quick Start, printed as one table."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from mixpeek_local.arguments import decimal
from mixpeek_local.bench import dlt_run
from mixpeek_local.bench.baseline import QuickStartRun, quick_start
from mixpeek_local.bench.dlt_run import LoadRun, SideBySide
from mixpeek_local.bench.fetch import (
    conversion_scaling,
    convert_pages,
    fetch_stage,
    list_bodies,
    loads_seconds,
    worker_pool,
)
from mixpeek_local.bench.json_bound import json_bound
from mixpeek_local.bench.measure import TARGET_TABLE, Servers, SyncRun, engine_session, measure_sync
from mixpeek_local.bench.report import (
    FetchRounds,
    FetchRuns,
    Figures,
    RateRun,
    Setup,
    Syncs,
    build_rows,
    render_context,
    render_table,
)
from mixpeek_local.bench.servers import ServerProcess, emulator_process, engine_process, in_own_process, seed_start
from mixpeek_local.environment import environment

API_KEY = "mxp_bench_key"
NAMESPACE = "ns_bench"
LARGE = "col_benchlarge01"
SMALL = "col_benchsmall01"
CHANGE_EVERY = 100
CONVERSION_REPEATS = 4
# Row 4's two fetch stages alternate this many times and each keeps its fastest (see fetch.CONVERSION_ROUNDS).
FETCH_ROUNDS = 2
DLT_UPDATES = 40
DLT_DELETES = 12
SEED = 7
T = TypeVar("T")


@dataclass(frozen=True)
class BenchConfig:
    """Sizes and conditions of a benchmark run."""

    documents: int = 100_000
    baseline_documents: int = 10_000
    latency: float = 0.05
    partitions: int = 8
    page_size: int = 1000
    fetch_latency: float = 0.3
    rate_limit: int = 600
    rate_partitions: int = 16
    rate_page_size: int = 100

    @property
    def memory_partitions(self) -> int:
        """Partitions of the memory runs: as many as leave each partition of the small collection a full page, so
        both runs hold full pages and the ratio shows growth with documents, not a partial page."""
        return max(1, min(self.partitions, self.baseline_documents // self.page_size))

    def options(self, partitions: int | None = None, staging: str = "table_function") -> dict[str, Any]:
        """The sync options every measured run uses."""
        return {"partitions": partitions or self.partitions, "page_size": self.page_size, "staging": staging}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def start_servers(config: BenchConfig) -> Iterator[Servers]:
    """The emulator and the local engine, each in its own process, with the handler's environment set (the key
    first: the engine's table-function workers read it as the function's secret)."""
    start = seed_start(max(config.documents, config.baseline_documents))
    with ExitStack() as stack:
        stack.enter_context(environment(MIXPEEK_API_KEY=API_KEY))
        emulator = stack.enter_context(ServerProcess(emulator_process, "emulator", API_KEY, NAMESPACE, start))
        engine = stack.enter_context(ServerProcess(engine_process, "local engine", daemon=False))
        servers = Servers(emulator, engine, API_KEY, NAMESPACE)
        stack.enter_context(
            environment(MIXPEEK_API_KEY=API_KEY, MIXPEEK_BASE_URL=servers.base_url, MIXPEEK_NAMESPACE=NAMESPACE)
        )
        yield servers


class Steps:
    """Runs the benchmark's steps in order, saying what runs and how long it took."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    def __call__(self, title: str, action: Callable[[], T]) -> T:
        """Run one step."""
        self.say(title)
        started = time.perf_counter()
        result = action()
        self.say(f"  done in {time.perf_counter() - started:.1f} s")
        return result


def _full_sync(servers: Servers, database: str, collection: str, options: dict[str, Any], **kw: Any) -> SyncRun:
    with engine_session(servers, database) as session:
        return measure_sync(servers, session, collection, "full", options, **kw)


def _quick_start(servers: Servers) -> QuickStartRun:
    api = (API_KEY, servers.base_url, NAMESPACE)
    return in_own_process(quick_start, api, servers.connect_kwargs, "BENCH_QUICK_START", SMALL)


def _seed(servers: Servers, config: BenchConfig, step: Steps) -> dict[int, float]:
    seconds = {}
    for collection, documents in ((SMALL, config.baseline_documents), (LARGE, config.documents)):
        seconds[documents] = step(
            f"seeding the emulator with {documents:,} documents",
            functools.partial(servers.emulator.call, "seed", collection, documents, SEED),
        )
    return seconds


def _warm_up(servers: Servers, config: BenchConfig) -> None:
    """An untimed sync with as many partitions as any timed run, so no timed run pays for starting processes."""
    partitions = max(config.partitions, config.rate_partitions)
    options = {"partitions": partitions, "page_size": config.page_size, "staging": "table_function"}
    _full_sync(servers, "BENCH_WARM_UP", SMALL, options)


def _api(servers: Servers) -> tuple[str, str, str]:
    return (API_KEY, servers.base_url, NAMESPACE)


def _syncs(servers: Servers, config: BenchConfig, step: Steps) -> Syncs:
    n, small_n = f"{config.documents:,}", f"{config.baseline_documents:,}"
    small = step(
        f"full sync of {small_n} documents", lambda: _full_sync(servers, "BENCH_SMALL", SMALL, config.options())
    )
    by_procedure = step(
        f"full sync of {small_n} documents, procedure staging",
        lambda: _full_sync(servers, "BENCH_SMALL_PROCEDURE", SMALL, config.options(staging="procedure")),
    )
    quick = step(f"Quick Start on {small_n} documents (one INSERT each)", lambda: _quick_start(servers))
    with engine_session(servers, "BENCH_FULL") as session:
        full = step(
            f"full sync of {n} documents, {config.partitions} partitions",
            lambda: measure_sync(servers, session, LARGE, "full", config.options()),
        )
        changed = servers.emulator.call("change", LARGE, CHANGE_EVERY)
        incremental = step(
            f"incremental sync after {changed:,} changes",
            lambda: measure_sync(servers, session, LARGE, "incremental", config.options()),
        )
    sizes = servers.emulator.call("partition_sizes", LARGE, config.partitions)
    return Syncs(small, by_procedure, quick, full, changed, incremental, sizes)


def _rate_limited(servers: Servers, config: BenchConfig, pool: Any, step: Steps) -> RateRun:
    limit, partitions = config.rate_limit, config.rate_partitions
    options = {"partitions": partitions, "page_size": config.rate_page_size, "staging": "table_function"}
    servers.emulator.call("latency", 0.0)
    servers.emulator.call("limit_rate", limit)
    try:
        sync = step(
            f"full sync of {config.baseline_documents:,} docs under {limit} requests/minute, {partitions} partitions",
            lambda: _full_sync(servers, "BENCH_RATE", SMALL, options),
        )
        sync_counts = servers.emulator.call("rate_counts")
        servers.emulator.call("limit_rate", limit)
        stage = step(
            "the same fetch stage alone under the limit",
            lambda: fetch_stage(pool, _api(servers), SMALL, partitions, config.rate_page_size, float(limit)),
        )
        stage_counts = servers.emulator.call("rate_counts")
    finally:
        servers.emulator.call("limit_rate", None)
    return RateRun(limit, partitions, sync, sync_counts, stage, stage_counts)


def _fetch_runs(servers: Servers, config: BenchConfig, pool: Any, step: Steps) -> FetchRuns:
    n, api = f"{config.documents:,}", _api(servers)
    servers.emulator.call("latency", config.fetch_latency)
    ones, manys = [], []
    for round_number in range(1, FETCH_ROUNDS + 1):
        emulator_cpu = servers.emulator.cpu_seconds()
        one = step(
            f"fetch stage alone, {n} documents, 1 partition, {config.fetch_latency * 1000:.0f} ms per page "
            f"(round {round_number} of {FETCH_ROUNDS})",
            lambda: fetch_stage(pool, api, LARGE, 1, config.page_size),
        )
        ones.append((one, servers.emulator.cpu_seconds() - emulator_cpu))
        manys.append(
            step(
                f"fetch stage alone, {n} documents, {config.partitions} partitions (round {round_number})",
                lambda: fetch_stage(pool, api, LARGE, config.partitions, config.page_size),
            )
        )
    servers.emulator.call("latency", 0.0)
    one, one_emulator_cpu = min(ones, key=lambda run: run[0].wall_seconds)
    many = min(manys, key=lambda run: run.wall_seconds)
    rounds = FetchRounds(tuple(run.wall_seconds for run, _ in ones), tuple(run.wall_seconds for run in manys))
    parts = config.memory_partitions
    memory_small = step(
        f"fetch stage of {config.baseline_documents:,} documents under tracemalloc, {parts} partitions",
        lambda: fetch_stage(pool, api, SMALL, parts, config.page_size, trace=True),
    )
    memory_large = step(
        f"fetch stage of {n} documents under tracemalloc, {parts} partitions",
        lambda: fetch_stage(pool, api, LARGE, parts, config.page_size, trace=True),
    )
    bodies = list_bodies(api, SMALL, config.page_size) * CONVERSION_REPEATS
    conversion = step(
        "conversion of the same pages in 1 process, then 2", lambda: conversion_scaling(pool, bodies, SMALL)
    )
    loads = min((loads_seconds(bodies) for _ in range(3)), key=lambda run: run[1])
    converted = min((convert_pages(bodies, SMALL) for _ in range(3)), key=lambda run: run[1])
    bound = step(
        "the parse and the canonical text alone, stdlib and the channel's JSON libraries", lambda: json_bound(bodies)
    )
    servers.emulator.call("latency", config.latency)
    return FetchRuns(
        one, many, one_emulator_cpu, memory_small, memory_large, conversion, loads, converted, bound, rounds
    )


def _ours(servers: Servers, session: Any, mode: str, options: dict[str, Any]) -> LoadRun:
    run = measure_sync(servers, session, SMALL, mode, options)
    written = sum(int(run.summary[k]) for k in ("inserted", "updated", "deleted"))
    live = session.sql(f"SELECT DOCUMENT_ID FROM {TARGET_TABLE} WHERE NOT IS_DELETED").collect()
    return LoadRun(run.wall_seconds, int(run.summary["sql_statements"]), written, frozenset(r[0] for r in live))


def _side_by_side(servers: Servers, config: BenchConfig, step: Steps) -> SideBySide | None:
    if not dlt_run.available():
        return None
    n, folder, api = f"{config.baseline_documents:,}", dlt_run.new_folder(), _api(servers)
    options = config.options()
    dlt_runs: list[LoadRun] = []
    ours: list[LoadRun] = []
    updated = deleted = 0
    with engine_session(servers, "BENCH_SIDE_BY_SIDE") as session:
        for kind, mode in (
            ("full load", "full"),
            ("rerun", "incremental"),
            ("incremental after changes", "incremental"),
        ):
            if kind.startswith("incremental"):
                updated = servers.emulator.call("update_some", SMALL, DLT_UPDATES)
                deleted = servers.emulator.call("delete_some", SMALL, DLT_DELETES)
            ours.append(step(f"sync, {kind}, {n} documents", functools.partial(_ours, servers, session, mode, options)))
            dlt_runs.append(
                step(
                    f"dlt, {kind}, {n} documents",
                    lambda: in_own_process(dlt_run.run_dlt, api, servers.connect_kwargs, SMALL, folder),
                )
            )
        last = session.sql(f"SELECT COUNT_IF(IS_DELETED) FROM {TARGET_TABLE}").collect()[0][0]
    truth = frozenset(servers.emulator.call("ids", SMALL))
    return SideBySide(config.baseline_documents, updated, deleted, truth, dlt_runs, ours, int(last))


def run_bench(config: BenchConfig, say: Callable[[str], None] = _stderr) -> Figures:
    """Run every measurement of the benchmark and return the figures."""
    load, step = os.getloadavg()[0], Steps(say)
    with start_servers(config) as servers:
        seconds = _seed(servers, config, step)
        step("warm-up: the engine starts its table-function worker processes", lambda: _warm_up(servers, config))
        servers.emulator.call("latency", config.latency)
        syncs = _syncs(servers, config, step)
        workers = max(config.partitions, config.rate_partitions)
        pool = step("starting the fetch-stage worker processes", lambda: worker_pool(workers))
        try:
            fetches = _fetch_runs(servers, config, pool, step)
            rate = _rate_limited(servers, config, pool, step)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        side = _side_by_side(servers, config, step)
    setup = Setup(config, seconds, (load, os.getloadavg()[0]))
    return Figures(setup, syncs, fetches, rate, side)


def _count(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {high:,}, got {text!r}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low:,} to {high:,}, got {value:,}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The bench command line (mixpeek-snowflake bench …, or python -m mixpeek_local.bench …)."""
    parser = argparse.ArgumentParser(prog="mixpeek-snowflake bench", description=__doc__)
    add = parser.add_argument
    add("--documents", type=_count(1, 1_000_000), default=100_000, help="documents in the large collection (100,000)")
    add(
        "--baseline-documents",
        type=_count(1, 100_000),
        default=10_000,
        help="documents in the small collection: Quick Start comparison and the smaller memory run (10,000)",
    )
    add(
        "--latency",
        type=decimal(0, 5, "seconds from 0 to 5 (e.g. 0.05)"),
        default=0.05,
        help="seconds the emulator adds to every page (0.05)",
    )
    add("--partitions", type=_count(2, 256), default=8, help="partitions of the parallel runs, compared with 1 (8)")
    add("--page-size", type=_count(1, 1000), default=1000, help="documents per page (1000)")
    add(
        "--fetch-latency",
        type=decimal(0, 5, "seconds from 0 to 5 (e.g. 0.3)"),
        default=0.3,
        help="seconds per page in the fetch-stage runs, 1 partition against --partitions (0.3)",
    )
    add("--rate-limit", type=_count(60, 100_000), default=600, help="requests per minute the emulator enforces (600)")
    add("--rate-partitions", type=_count(1, 16), default=16, help="partitions of the rate-limited runs (16)")
    return parser


def bench_main(argv: list[str] | None = None) -> int:
    """Entry point: run the benchmark and print its table; 0 when it ran, whether or not targets were met."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    config = BenchConfig(
        args.documents,
        args.baseline_documents,
        args.latency,
        args.partitions,
        args.page_size,
        args.fetch_latency,
        args.rate_limit,
        args.rate_partitions,
    )
    started = time.perf_counter()
    figures = run_bench(config)
    print(render_context(figures))
    print()
    print(render_table(build_rows(figures)))
    print(f"\nBenchmark wall time: {time.perf_counter() - started:.0f} s")
    return 0
