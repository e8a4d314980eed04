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
from mixpeek_local.bench.baseline import QuickStartRun, quick_start
from mixpeek_local.bench.measure import ParseFloor, Servers, SyncRun, engine_session, measure_sync, parse_floor
from mixpeek_local.bench.report import Figures, Setup, build_rows, render_context, render_table
from mixpeek_local.bench.servers import ServerProcess, emulator_process, engine_process, in_own_process, seed_start
from mixpeek_local.environment import environment

API_KEY = "mxp_bench_key"
NAMESPACE = "ns_bench"
LARGE = "col_benchlarge01"
SMALL = "col_benchsmall01"
CHANGE_EVERY = 100
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

    def options(self, partitions: int | None = None) -> dict[str, Any]:
        """The sync options every measured run uses."""
        return {"partitions": partitions or self.partitions, "page_size": self.page_size}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def start_servers(config: BenchConfig) -> Iterator[Servers]:
    """The emulator and the local engine, each in its own process, with the handler's environment set."""
    start = seed_start(max(config.documents, config.baseline_documents))
    with ExitStack() as stack:
        emulator = stack.enter_context(ServerProcess(emulator_process, "emulator", API_KEY, NAMESPACE, start))
        engine = stack.enter_context(ServerProcess(engine_process, "local engine"))
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


def _floor(servers: Servers, config: BenchConfig) -> ParseFloor:
    servers.emulator.call("latency", 0.0)
    try:
        return parse_floor(servers, LARGE, config.partitions, config.page_size)
    finally:
        servers.emulator.call("latency", config.latency)


def _large_runs(servers: Servers, config: BenchConfig, step: Steps) -> tuple[Any, ...]:
    n, options = f"{config.documents:,}", config.options()
    with engine_session(servers, "BENCH_FULL_MANY") as session:
        full = step(
            f"full sync of {n} documents, {config.partitions} partitions",
            lambda: measure_sync(servers, session, LARGE, "full", options),
        )
        floor = step("json.loads of the same pages, alone", lambda: _floor(servers, config))
        changed = servers.emulator.call("change", LARGE, CHANGE_EVERY)
        incremental = step(
            f"incremental sync after {changed:,} changes",
            lambda: measure_sync(servers, session, LARGE, "incremental", options),
        )
    return full, floor, changed, incremental


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


def _small_runs(servers: Servers, config: BenchConfig, step: Steps) -> tuple[Any, ...]:
    n, options = f"{config.baseline_documents:,}", config.options()
    small = step(f"full sync of {n} documents", lambda: _full_sync(servers, "BENCH_SMALL", SMALL, options))
    quick = step(f"Quick Start on {n} documents (one INSERT each)", lambda: _quick_start(servers))
    memory = step(
        f"full sync of {n} documents under tracemalloc",
        lambda: _full_sync(servers, "BENCH_MEMORY_SMALL", SMALL, options, trace_memory=True),
    )
    return small, quick, memory


def run_bench(config: BenchConfig, say: Callable[[str], None] = _stderr) -> Figures:
    """Run every measurement of the benchmark and return the figures."""
    load, step, n = os.getloadavg()[0], Steps(say), f"{config.documents:,}"
    with start_servers(config) as servers:
        seconds = _seed(servers, config, step)
        servers.emulator.call("latency", config.latency)
        small, quick, memory_small = _small_runs(servers, config, step)
        full_one = step(
            f"full sync of {n} documents, 1 partition",
            lambda: _full_sync(servers, "BENCH_FULL_ONE", LARGE, config.options(1)),
        )
        full_many, floor, changed, incremental = _large_runs(servers, config, step)
        memory_large = step(
            f"full sync of {n} documents under tracemalloc",
            lambda: _full_sync(servers, "BENCH_MEMORY_LARGE", LARGE, config.options(), trace_memory=True),
        )
        sizes = servers.emulator.call("partition_sizes", LARGE, config.partitions)
    c = config
    setup = Setup(
        c.documents, c.baseline_documents, c.latency, c.partitions, c.page_size, seconds, (load, os.getloadavg()[0])
    )
    runs = (full_one, full_many, small, floor, changed, incremental, memory_small, memory_large, quick)
    return Figures(setup, sizes, *runs)


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
    return parser


def bench_main(argv: list[str] | None = None) -> int:
    """Entry point: run the benchmark and print its table; 0 when it ran, whether or not targets were met."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    config = BenchConfig(args.documents, args.baseline_documents, args.latency, args.partitions, args.page_size)
    started = time.perf_counter()
    figures = run_bench(config)
    print(render_context(figures))
    print()
    print(render_table(build_rows(figures)))
    print(f"\nBenchmark wall time: {time.perf_counter() - started:.0f} s")
    return 0
