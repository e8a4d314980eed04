"""Document listing: cursor pagination with loop detection, and partitions paged by worker threads."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mixpeek_snowflake.errors import InvalidArgument, PaginationLoopError, truncate

if TYPE_CHECKING:
    from mixpeek_snowflake.client import MixpeekClient

MAX_PARTITIONS = 256
MAX_WORKERS = 32
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Page:
    """One page of documents, with the partition it came from and its 1-based number there."""

    partition: int
    number: int
    documents: list[dict]


def iter_pages(client: MixpeekClient, collection: str, body: dict) -> Iterator[Page]:
    """Yield every page of one listing (one partition when body has "partition") until next_cursor is null."""
    partition = _partition_index(body)
    cursor = body.get("cursor")
    seen: set[str] = {cursor} if cursor else set()
    number = 0
    while True:
        request = body if cursor is None else {**body, "cursor": cursor}
        response = client.list_documents(collection, request)
        number += 1
        yield Page(partition, number, list(response.get("results") or []))
        cursor = _next_cursor(response)
        if cursor is None:
            return
        if cursor in seen:
            raise PaginationLoopError(
                f"Loop detected in pagination: cursor {truncate(cursor, 40)!r} returned twice "
                f"(collection {collection!r}, partition {partition}, page {number})"
            )
        seen.add(cursor)


def _partition_index(body: dict) -> int:
    partition = body.get("partition")
    return int(partition.get("index", 0)) if isinstance(partition, dict) else 0


def _next_cursor(response: dict) -> str | None:
    pagination = response.get("pagination") or {}
    cursor = pagination.get("next_cursor")
    return str(cursor) if cursor else None


def iter_partitioned_pages(
    client: MixpeekClient,
    collection: str,
    body: dict,
    partitions: int,
    *,
    max_pages_in_flight: int | None = None,
) -> Iterator[Page]:
    """Yield the pages of all partitions, fetched by worker threads, through a bounded hand-off queue."""
    _check_partitioning(body, partitions, max_pages_in_flight)
    plain = {key: value for key, value in body.items() if key != "partition"}
    if partitions == 1:
        yield from iter_pages(client, collection, plain)
        return
    capacity = max_pages_in_flight or min(partitions, 8) * 2
    handoff = _Handoff(capacity)
    executor = ThreadPoolExecutor(max_workers=min(partitions, MAX_WORKERS), thread_name_prefix="mixpeek-list")
    try:
        for index in range(partitions):
            partition_body = plain | {"partition": {"index": index, "count": partitions}}
            executor.submit(_produce, client, collection, partition_body, handoff)
        yield from handoff.consume(partitions)
    finally:
        handoff.stop.set()
        executor.shutdown(wait=True, cancel_futures=True)
        handoff.drain()


def _check_partitioning(body: dict, partitions: int, max_pages_in_flight: int | None) -> None:
    if isinstance(partitions, bool) or not isinstance(partitions, int) or not 1 <= partitions <= MAX_PARTITIONS:
        raise InvalidArgument("partitions", f"must be an integer from 1 to {MAX_PARTITIONS}, got {partitions!r}")
    if max_pages_in_flight is not None and max_pages_in_flight < 1:
        raise InvalidArgument("max_pages_in_flight", f"must be at least 1, got {max_pages_in_flight!r}")
    if partitions > 1 and body.get("cursor"):
        raise InvalidArgument("body", "a cursor belongs to one partition and cannot start a partitioned listing")


_DONE = object()
_WAKE = object()


class _Handoff:
    """A bounded queue from workers to the caller, a stop signal, and the first worker error."""

    def __init__(self, capacity: int) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._lock = threading.Lock()

    def put(self, item: Any) -> bool:
        """Block until the item is queued; return False if the caller stopped listening first."""
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def fail(self, error: BaseException) -> None:
        """Record the first worker error, stop the other workers and wake the caller."""
        with self._lock:
            if self.error is None:
                self.error = error
        self.stop.set()
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(_WAKE)

    def consume(self, producers: int) -> Iterator[Page]:
        """Yield pages until every producer is done; re-raise the first worker error as soon as it is seen."""
        remaining = producers
        while remaining:
            item = self._next_item()
            if item is _DONE:
                remaining -= 1
            elif item is not _WAKE:
                yield item

    def _next_item(self) -> Any:
        while True:
            if self.error is not None:
                raise self.error
            try:
                return self.queue.get(timeout=POLL_SECONDS * 4)
            except queue.Empty:
                continue

    def drain(self) -> None:
        """Drop whatever is left in the queue."""
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return


def _produce(client: MixpeekClient, collection: str, body: dict, handoff: _Handoff) -> None:
    if handoff.stop.is_set():
        return
    try:
        for page in iter_pages(client, collection, body):
            if not handoff.put(page) or handoff.stop.is_set():
                return
    except BaseException as error:
        handoff.fail(error)
        return
    handoff.put(_DONE)
