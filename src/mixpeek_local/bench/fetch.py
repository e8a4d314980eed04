"""The fetch stage alone, as Snowflake runs it: the fetch table function's handler, one instance per partition, each
partition in a worker process of its own; and the CPU-bound conversion, in one process or two."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

HANDLER_MODULE = "mixpeek_snowflake.functions"
MAX_WORKERS = 16


@dataclass(frozen=True)
class PartitionRun:
    """What one partition's worker did: rows yielded, its CPU, its tracemalloc peak, the handler's summary."""

    rows: int
    cpu_seconds: float
    peak_bytes: int | None
    summary: dict[str, Any]


@dataclass
class FetchStage:
    """Every partition of one listing, fetched by the handler in worker processes."""

    partitions: int
    wall_seconds: float
    runs: list[PartitionRun] = field(default_factory=list)

    @property
    def documents(self) -> int:
        """Documents listed."""
        return sum(int(r.summary["documents"]) for r in self.runs)

    @property
    def pages(self) -> int:
        """Pages listed."""
        return sum(int(r.summary["pages"]) for r in self.runs)

    @property
    def requests(self) -> int:
        """API requests, retries included."""
        return sum(int(r.summary["requests"]) for r in self.runs)

    @property
    def cpu_seconds(self) -> float:
        """CPU of every worker, while it ran its partition."""
        return sum(r.cpu_seconds for r in self.runs)

    @property
    def peak_bytes(self) -> int:
        """The largest tracemalloc peak of any one partition's process."""
        return max((r.peak_bytes or 0) for r in self.runs)


def _warm() -> int:
    import mixpeek_snowflake.functions  # noqa: F401

    return os.getpid()


def worker_pool(workers: int = MAX_WORKERS) -> ProcessPoolExecutor:
    """Worker processes, spawned and each with the handler imported before anything is timed."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    list(pool.map(_slow_warm, range(workers)))
    return pool


def _slow_warm(_index: int) -> int:
    time.sleep(0.2)
    return _warm()


def run_partition(arguments: list[Any], api_key: str, trace: bool) -> PartitionRun:
    """In a worker: Snowflake's calling convention for one partition, rows counted and dropped as they stream out."""
    from mixpeek_snowflake.functions import FetchDocuments

    os.environ["MIXPEEK_API_KEY"] = api_key
    if trace:
        tracemalloc.start()
    started = time.process_time()
    instance, rows, summary = FetchDocuments(), 0, {}
    try:
        for _row in instance.process(*arguments):
            rows += 1
        for row in instance.end_partition():
            summary = json.loads(str(row[5]))
    finally:
        cpu = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        if trace:
            tracemalloc.stop()
    return PartitionRun(rows, cpu, peak, summary)


def fetch_stage(
    pool: ProcessPoolExecutor,
    api: tuple[str, str, str],
    collection: str,
    partitions: int,
    page_size: int,
    requests_per_minute: float | None = None,
    trace: bool = False,
) -> FetchStage:
    """List a whole collection through the handler, partitions at once; api is (key, base URL, namespace)."""
    key, base_url, namespace = api
    body = {"limit": page_size}
    started = time.perf_counter()
    futures = [
        pool.submit(
            run_partition, [collection, body, index, partitions, base_url, namespace, requests_per_minute], key, trace
        )
        for index in range(partitions)
    ]
    runs = [future.result() for future in futures]
    return FetchStage(partitions, time.perf_counter() - started, runs)


def convert_pages(bodies: list[bytes], collection: str) -> tuple[int, float]:
    """Parse and convert pages as the handler does; return (documents, CPU seconds)."""
    from mixpeek_snowflake.mixpeek.pages import parse_body
    from mixpeek_snowflake.sync.records import convert_page

    started, documents = time.process_time(), 0
    for body in bodies:
        staged = convert_page(parse_body(body.decode("utf-8"))["results"], collection)
        documents += len(staged.rows_json) + len(staged.rejects)
    return documents, time.process_time() - started


@dataclass(frozen=True)
class ConversionShare:
    """What one worker did with its share of the pages, on the system-wide monotonic clock."""

    pid: int
    documents: int
    started: float
    finished: float
    cpu_seconds: float


@dataclass(frozen=True)
class ConversionTiming:
    """One timed conversion of every page, split over some workers started together."""

    start: float
    shares: list[ConversionShare]

    @property
    def wall_seconds(self) -> float:
        """From the common start to the last worker's finish."""
        return max(share.finished for share in self.shares) - self.start

    @property
    def documents(self) -> int:
        """Documents converted by all the workers."""
        return sum(share.documents for share in self.shares)

    @property
    def late_seconds(self) -> float:
        """How long after the common start the last worker began (its page loading overran the lead)."""
        return max(share.started for share in self.shares) - self.start


@dataclass(frozen=True)
class ConversionRun:
    """The same pages converted by one process and by two, each half in its own, in alternating rounds; `one` and
    `two` are each case's fastest round (the least disturbed by the rest of the machine); load averages around."""

    one: ConversionTiming
    two: ConversionTiming
    load_average: tuple[float, float]
    one_rounds: tuple[float, ...] = ()
    two_rounds: tuple[float, ...] = ()

    @property
    def documents(self) -> int:
        """Documents converted in each case."""
        return self.one.documents

    @property
    def one_seconds(self) -> float:
        """Wall time of one process converting every page."""
        return self.one.wall_seconds

    @property
    def two_seconds(self) -> float:
        """Wall time of two processes converting half the pages each."""
        return self.two.wall_seconds


START_LEAD_SECONDS = 2.0
# A 2-vCPU VM's speed drifts by a quarter from second to second (a fixed Python loop took 0.25 to 0.32 s, five times in
# a row, idle), so one timing per case says more about the drift than about the two processes.
CONVERSION_ROUNDS = 3


def convert_share(path: str, collection: str, start: float) -> ConversionShare:
    """In a worker: read this share's pages from its file and convert one page untimed (both before `start`, a
    CLOCK_MONOTONIC instant shared by every worker of the run), wait for `start`, then convert every page."""
    with open(path, "rb") as file:
        bodies: list[bytes] = pickle.load(file)
    convert_pages(bodies[:1], collection)
    time.sleep(max(0.0, start - time.clock_gettime(time.CLOCK_MONOTONIC)))
    started, cpu = time.clock_gettime(time.CLOCK_MONOTONIC), time.process_time()
    documents, _ = convert_pages(bodies, collection)
    finished = time.clock_gettime(time.CLOCK_MONOTONIC)
    return ConversionShare(os.getpid(), documents, started, finished, time.process_time() - cpu)


def timed_conversion(pool: ProcessPoolExecutor, shares: list[list[bytes]], collection: str) -> ConversionTiming:
    """Each share converted by a worker of its own, all starting at one instant after their pages are loaded."""
    with tempfile.TemporaryDirectory(prefix="mixpeek-bench-") as folder:
        paths = []
        for index, share in enumerate(shares):
            paths.append(os.path.join(folder, f"share-{index}.pickle"))
            with open(paths[-1], "wb") as file:
                pickle.dump(share, file)
        start = time.clock_gettime(time.CLOCK_MONOTONIC) + START_LEAD_SECONDS
        futures = [pool.submit(convert_share, path, collection, start) for path in paths]
        done = [future.result() for future in futures]
    if len({share.pid for share in done}) != len(done):
        raise RuntimeError("two shares of the conversion ran in the same worker process")
    return ConversionTiming(start, done)


def conversion_scaling(
    pool: ProcessPoolExecutor, bodies: list[bytes], collection: str, rounds: int = CONVERSION_ROUNDS
) -> ConversionRun:
    """Every page converted in one worker, then half the pages in each of two workers started together; `rounds`
    times, alternating, keeping each case's fastest."""
    before = os.getloadavg()[0]
    ones, twos = [], []
    for _ in range(rounds):
        ones.append(timed_conversion(pool, [bodies], collection))
        twos.append(timed_conversion(pool, [bodies[0::2], bodies[1::2]], collection))
    one, two = (min(timings, key=lambda t: t.wall_seconds) for timings in (ones, twos))
    walls = tuple(t.wall_seconds for t in ones), tuple(t.wall_seconds for t in twos)
    return ConversionRun(one, two, (before, os.getloadavg()[0]), *walls)


def list_bodies(api: tuple[str, str, str], collection: str, page_size: int) -> list[bytes]:
    """The raw response bodies of one unpartitioned listing."""
    import requests

    key, base_url, namespace = api
    url = f"{base_url}/v1/collections/{collection}/documents/list"
    headers = {"Authorization": f"Bearer {key}", "X-Namespace": namespace}
    bodies, body = [], {"limit": page_size}
    with requests.Session() as http:
        while True:
            response = http.post(url, json=body, headers=headers, timeout=60)
            response.raise_for_status()
            bodies.append(response.content)
            cursor = (response.json().get("pagination") or {}).get("next_cursor")
            if not cursor:
                return bodies
            body = {"limit": page_size, "cursor": cursor}


def loads_seconds(bodies: list[bytes]) -> tuple[int, float]:
    """(documents, CPU seconds) of stdlib json.loads alone on the same bytes."""
    started, documents = time.process_time(), 0
    for body in bodies:
        documents += len(json.loads(body)["results"])
    return documents, time.process_time() - started
