"""The benchmark's servers, each in a process of its own so the sync's CPU and memory can be measured alone."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

START_TIMEOUT_SECONDS = 600.0
STOP_TIMEOUT_SECONDS = 20.0
MAX_SEED_STEP_SECONDS = 900
T = TypeVar("T")


def in_own_process(function: Callable[..., T], *args: Any) -> T:
    """Call a module-level function in a fresh process and return its (picklable) result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


class ServerError(RuntimeError):
    """A benchmark server process failed to start or to answer a command."""


class ServerProcess:
    """A child process serving commands over a pipe: call(name, *args) runs handler `name` there."""

    def __init__(self, target: Callable[..., None], name: str, *args: Any, daemon: bool = True) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=target, args=(child, *args), name=name, daemon=daemon)
        self.name = name
        self.ready: Any = None

    def __enter__(self) -> ServerProcess:
        self._process.start()
        self.ready = self._receive(START_TIMEOUT_SECONDS)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._process.is_alive():
            self._conn.send(("stop", ()))
            self._process.join(STOP_TIMEOUT_SECONDS)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(STOP_TIMEOUT_SECONDS)
        self._conn.close()

    def call(self, command: str, *args: Any, timeout: float = START_TIMEOUT_SECONDS) -> Any:
        """Run a command in the child and return its answer; a failure there is raised here."""
        self._conn.send((command, args))
        return self._receive(timeout)

    def cpu_seconds(self) -> float:
        """CPU time the child process has used so far (all its threads)."""
        return float(self.call("cpu"))

    def _receive(self, timeout: float) -> Any:
        if not self._conn.poll(timeout):
            raise ServerError(f"the {self.name} process did not answer within {timeout:.0f} s")
        try:
            ok, value = self._conn.recv()
        except EOFError:
            raise ServerError(f"the {self.name} process exited unexpectedly") from None
        if not ok:
            raise ServerError(f"the {self.name} process failed: {value}")
        return value


def _serve(conn: Any, handlers: dict[str, Callable[..., Any]], ready: Any) -> None:
    """The child's loop: answer (ok, value) to each command until "stop"."""
    conn.send((True, ready))
    while True:
        command, args = conn.recv()
        if command == "stop":
            return
        try:
            conn.send((True, handlers[command](*args)))
        except Exception as exc:
            conn.send((False, f"{command}: {type(exc).__name__}: {exc}"))


def _cpu() -> float:
    return time.process_time()


def engine_process(conn: Any) -> None:
    """Child: the local engine (fakesnow, with the project's fixes, and for dlt's loads engine/dlt_fixes.py) until
    told to stop."""
    from mixpeek_local.engine import dlt_fixes, table_functions
    from mixpeek_local.engine.server import local_server

    try:
        dlt_fixes.apply()
        with local_server() as kwargs:
            _serve(conn, {"cpu": _cpu}, kwargs)
    except Exception as exc:
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        table_functions.shutdown()


def seed_start(documents: int) -> str:
    """A clock start that keeps every seeded timestamp in the past, as it is in a real collection."""
    span = timedelta(seconds=MAX_SEED_STEP_SECONDS * (documents + 10), days=1)
    return (datetime.now(UTC) - span).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EmulatorHandlers:
    """What the benchmark asks of the emulator process: seed, change, count requests, set latency."""

    def __init__(self, api_key: str, namespace: str, start: str) -> None:
        from mixpeek_local.emulator import Emulator, Store

        self.namespace = namespace
        self.store = Store(start=start)
        self.emulator = Emulator(self.store, api_key=api_key).start()

    def commands(self) -> dict[str, Callable[..., Any]]:
        """Handlers by command name."""
        return {
            "cpu": _cpu,
            "seed": self.seed,
            "change": self.change,
            "latency": self.set_latency,
            "mark": self.mark,
            "requests": self.requests_since,
            "partition_sizes": self.partition_sizes,
            "limit_rate": self.limit_rate,
            "update_some": self.update_some,
            "delete_some": self.delete_some,
            "ids": self.ids,
            "rate_counts": self.rate_counts,
        }

    def update_some(self, collection_id: str, count: int) -> int:
        """Change the metadata of `count` documents spread over the collection; return how many."""
        ids, _ = self.store.snapshot(collection_id)
        chosen = ids[:: max(1, len(ids) // max(count, 1))][:count]
        for document_id in chosen:
            self.store.update_document(collection_id, document_id, {"metadata": {"edited": True}})
        return len(chosen)

    def delete_some(self, collection_id: str, count: int) -> int:
        """Delete `count` documents spread over the collection (from its end); return how many."""
        ids, _ = self.store.snapshot(collection_id)
        chosen = ids[::-1][:: max(1, len(ids) // max(count, 1))][:count]
        for document_id in chosen:
            self.store.delete_document(collection_id, document_id)
        return len(chosen)

    def ids(self, collection_id: str) -> list[str]:
        """Every document id of the collection."""
        return list(self.store.snapshot(collection_id)[0])

    def limit_rate(self, per_minute: int | None) -> None:
        """Enforce per_minute requests a minute from now on (None: no limit); GET /v1/me reports it."""
        self.emulator.limit_rate(per_minute)

    def rate_counts(self) -> tuple[int, int]:
        """(admitted, refused with 429) since the limit was set."""
        limit = self.emulator.rate_limit
        return (limit.admitted, limit.refused) if limit else (0, 0)

    def seed(self, collection_id: str, documents: int, seed: int) -> float:
        """Seed a collection; return the seconds it took."""
        from mixpeek_local.emulator import seed_collection

        started = time.perf_counter()
        seed_collection(
            self.store, documents=documents, seed=seed, namespace=self.namespace, collection_id=collection_id
        )
        return time.perf_counter() - started

    def change(self, collection_id: str, every: int) -> int:
        """Change the price of every `every`-th document (as Mixpeek would: updated_at moves); return how many."""
        ids, _ = self.store.snapshot(collection_id)
        chosen = ids[::every]
        for number, document_id in enumerate(chosen):
            self.store.update_document(collection_id, document_id, {"metadata": {"price": 1.0 + number}})
        return len(chosen)

    def set_latency(self, seconds: float) -> None:
        """Seconds added to every documents/list response from now on."""
        self.emulator.latency = seconds

    def mark(self) -> int:
        """A position in the access log to count requests from."""
        return len(self.emulator.requests)

    def requests_since(self, mark: int) -> dict[str, int]:
        """Requests logged after `mark`, by kind (list, collection, events, other)."""
        return dict(Counter(_kind(r.method, r.path) for r in self.emulator.requests[mark:]))

    def partition_sizes(self, collection_id: str, partitions: int) -> list[int]:
        """How many documents each partition of the collection holds."""
        from mixpeek_local.emulator.listing import in_partition

        ids, _ = self.store.snapshot(collection_id)
        sizes = [0] * partitions
        for document_id in ids:
            sizes[next(p for p in range(partitions) if in_partition(document_id, (p, partitions)))] += 1
        return sizes


def _kind(method: str, path: str) -> str:
    if path.endswith("/documents/list"):
        return "list"
    if method == "GET" and path.startswith("/v1/collections/") and path.count("/") == 3:
        return "collection"
    if path.startswith("/v1/events"):
        return "events"
    if path.startswith("/v1/taxonomies/"):
        return "taxonomy"
    return "other"


def emulator_process(conn: Any, api_key: str, namespace: str, start: str) -> None:
    """Child: a Mixpeek emulator on 127.0.0.1, answering the benchmark's commands."""
    try:
        handlers = EmulatorHandlers(api_key, namespace, start)
    except Exception as exc:
        conn.send((False, f"{type(exc).__name__}: {exc}"))
        return
    try:
        _serve(conn, handlers.commands(), handlers.emulator.base_url)
    finally:
        handlers.emulator.stop()
