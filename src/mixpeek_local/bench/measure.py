"""Measuring one sync: wall time, this process's CPU, the servers' CPU, requests by kind, Python memory peak."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from mixpeek_local.bench.servers import ServerProcess
from mixpeek_local.engine.server import close_session, open_session

TARGET_TABLE = "MIXPEEK_DOCUMENTS"


@dataclass(frozen=True)
class Servers:
    """The two server processes and what the handler needs to reach the emulator."""

    emulator: ServerProcess
    engine: ServerProcess
    api_key: str
    namespace: str

    @property
    def base_url(self) -> str:
        """The emulator's root URL (no /v1)."""
        return str(self.emulator.ready)

    @property
    def connect_kwargs(self) -> dict[str, Any]:
        """Connection kwargs of the local engine, for Snowpark or snowflake.connector."""
        return dict(self.engine.ready)


@dataclass
class Binds:
    """What one sync bound into its statements: the largest statement's binds (raw and as the connector gzips
    them) and the bytes of bound values that hold documents."""

    statements: int = 0
    max_raw_bytes: int = 0
    max_compressed_bytes: int = 0
    document_bytes: int = 0

    def add(self, params: list[Any]) -> None:
        """Count one statement's bound values."""
        self.statements += 1
        if not params:
            return
        raw = json.dumps(params, default=str).encode("utf-8")
        self.max_raw_bytes = max(self.max_raw_bytes, len(raw))
        if len(raw) > 64 * 1024:
            self.max_compressed_bytes = max(self.max_compressed_bytes, len(gzip.compress(raw, 9)))
        else:
            self.max_compressed_bytes = max(self.max_compressed_bytes, len(raw))
        self.document_bytes += sum(len(str(p).encode("utf-8")) for p in params if '"document_id"' in str(p))


class RecordingSession:
    """The handler's session, seen on the way to the engine: every statement's bound values are measured."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.binds = Binds()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def sql(self, query: str, params: list[Any] | None = None) -> Any:
        """Measure the binds, then pass the statement on unchanged."""
        self.binds.add(list(params or []))
        return self.session.sql(query, params=params)


@dataclass
class SyncRun:
    """What one call of the sync handler cost, measured from outside it."""

    summary: dict[str, Any]
    wall_seconds: float
    cpu_seconds: float
    engine_cpu_seconds: float
    emulator_cpu_seconds: float
    requests: dict[str, int] = field(default_factory=dict)
    peak_bytes: int | None = None
    gzip_cpu_seconds: float = 0.0
    binds: Binds = field(default_factory=Binds)

    @property
    def documents(self) -> int:
        """Documents the sync fetched."""
        return int(self.summary["documents_seen"])

    @property
    def list_requests(self) -> int:
        """documents/list requests the emulator answered."""
        return self.requests.get("list", 0)


@contextmanager
def engine_session(servers: Servers, database: str) -> Iterator[Any]:
    """A Snowpark session on the engine process, in a database of its own."""
    session = open_session(servers.connect_kwargs, database)
    try:
        yield session
    finally:
        close_session(session)


@contextmanager
def _connector_gzip_cpu() -> Iterator[list[float]]:
    """Add up the CPU the local connector spends gzipping request bodies; a stored procedure sends none."""
    from snowflake.connector import network

    real, spent = network.gzip, [0.0]

    def compress(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        started = time.thread_time()
        try:
            return real.compress(data, *args, **kwargs)
        finally:
            spent[0] += time.thread_time() - started

    network.gzip = SimpleNamespace(compress=compress)  # type: ignore[assignment]
    try:
        yield spent
    finally:
        network.gzip = real


@contextmanager
def _python_memory(enabled: bool) -> Iterator[list[int]]:
    peak: list[int] = []
    if not enabled:
        yield peak
        return
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def measure_sync(
    servers: Servers,
    session: Any,
    collection: str,
    mode: str,
    options: dict[str, Any],
    trace_memory: bool = False,
) -> SyncRun:
    """Call the real handler once and measure it; trace_memory adds tracemalloc (slower, so never timed)."""
    from mixpeek_snowflake.procedures import sync_mixpeek_collection

    mark = servers.emulator.call("mark")
    engine_cpu, emulator_cpu = servers.engine.cpu_seconds(), servers.emulator.cpu_seconds()
    recording = RecordingSession(session)
    with _python_memory(trace_memory) as peak, _connector_gzip_cpu() as gzip_cpu:
        started, cpu = time.perf_counter(), time.process_time()
        summary = sync_mixpeek_collection(recording, collection, TARGET_TABLE, mode, options)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return SyncRun(
        summary=summary,
        wall_seconds=wall,
        cpu_seconds=cpu,
        engine_cpu_seconds=servers.engine.cpu_seconds() - engine_cpu,
        emulator_cpu_seconds=servers.emulator.cpu_seconds() - emulator_cpu,
        requests=servers.emulator.call("requests", mark),
        peak_bytes=peak[0] if peak else None,
        gzip_cpu_seconds=gzip_cpu[0],
        binds=recording.binds,
    )


@dataclass(frozen=True)
class ParseFloor:
    """json.loads of every listing response of a collection: the CPU no Python client can go below."""

    cpu_seconds: float
    response_bytes: int
    pages: int
    documents: int


def parse_floor(servers: Servers, collection: str, partitions: int, page_size: int) -> ParseFloor:
    """Fetch the pages the sync fetches (same bodies, same partitions) and time json.loads of each alone."""
    import requests

    url = f"{servers.base_url}/v1/collections/{collection}/documents/list"
    headers = {"Authorization": f"Bearer {servers.api_key}", "X-Namespace": servers.namespace}
    total = ParseFloor(0.0, 0, 0, 0)
    with requests.Session() as http:
        for index in range(partitions):
            body: dict[str, Any] = {"limit": page_size}
            if partitions > 1:
                body["partition"] = {"index": index, "count": partitions}
            total = _add(total, _parse_partition(http, url, headers, body))
    return total


def _parse_partition(http: Any, url: str, headers: dict[str, str], body: dict[str, Any]) -> ParseFloor:
    cpu, size, pages, documents = 0.0, 0, 0, 0
    while True:
        response = http.post(url, json=body, headers=headers, timeout=60)
        response.raise_for_status()
        started = time.process_time()
        parsed = json.loads(response.content)
        cpu += time.process_time() - started
        size, pages, documents = size + len(response.content), pages + 1, documents + len(parsed["results"])
        cursor = (parsed.get("pagination") or {}).get("next_cursor")
        if not cursor:
            return ParseFloor(cpu, size, pages, documents)
        body = {**body, "cursor": cursor}


def _add(a: ParseFloor, b: ParseFloor) -> ParseFloor:
    return ParseFloor(
        a.cpu_seconds + b.cpu_seconds, a.response_bytes + b.response_bytes, a.pages + b.pages, a.documents + b.documents
    )
