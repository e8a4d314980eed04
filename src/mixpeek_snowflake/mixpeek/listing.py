"""Document listing: cursor pagination with loop detection, and partitions paged by worker threads."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError, PaginationLoopError, truncate
from mixpeek_snowflake.mixpeek.pages import ApartPage

if TYPE_CHECKING:
    from mixpeek_snowflake.mixpeek.client import MixpeekClient

MAX_PARTITIONS = 256
MAX_WORKERS = 32
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Page:
    """One page of documents, with the partition it came from and its 1-based number there."""

    partition: int
    number: int
    documents: list[dict]
    prepared: Any = None


Prepare = Callable[[list[dict]], Any]


def _page(partition: int, number: int, documents: list[dict], prepare: Prepare | None) -> Page:
    """A page as fetched, or, with prepare, only what prepare made of its documents (the dicts are dropped)."""
    if prepare is None:
        return Page(partition, number, documents)
    return Page(partition, number, [], prepare(documents))


def iter_pages(client: MixpeekClient, collection: str, body: dict, prepare: Prepare | None = None) -> Iterator[Page]:
    """Yield every page of one listing (one partition when body has "partition") until next_cursor is null."""
    partition = _partition_index(body)
    cursor = body.get("cursor")
    seen: set[str] = {cursor} if cursor else set()
    number = 0
    while True:
        request = body if cursor is None else {**body, "cursor": cursor}
        response = _fetch(client, collection, request)
        number += 1
        _check_size(response, body, collection, partition, number)
        cursor = _next_cursor(response)
        page = _page(partition, number, list(response.get("results") or []), prepare)
        del response
        yield page
        if cursor is None:
            return
        if cursor in seen:
            raise PaginationLoopError(
                f"Loop detected in pagination: cursor {truncate(cursor, 40)!r} returned twice "
                f"(collection {collection!r}, partition {partition}, page {number})"
            )
        seen.add(cursor)


def _fetch(client: MixpeekClient, collection: str, request: dict) -> dict:
    """One page; a page that could not be parsed whole is asked for once more before its documents are judged
    one by one."""
    response = client.list_documents(collection, request)
    if isinstance(response, ApartPage):
        response = client.list_documents(collection, request)
    return response


def _check_size(response: dict, body: dict, collection: str, partition: int, number: int) -> None:
    limit = body.get("limit")
    results = response.get("results")
    if isinstance(limit, int) and isinstance(results, list) and len(results) > limit:
        raise MixpeekSnowflakeError(
            f"Mixpeek returned {len(results)} documents on page {number} of collection {collection!r} (partition "
            f"{partition}), more than the page_size {limit} asked for; the run stopped before changing anything"
        )


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
    prepare: Prepare | None = None,
) -> Generator[Page, None, None]:
    """Yield the pages of all partitions, fetched by worker threads; each partition has at most one page alive.

    A worker fetches (and prepares) its partition's next page only once the caller has finished with the last one,
    so the pages held in memory never exceed the number of workers, however large the collection.
    """
    _check_partitioning(body, partitions)
    plain = {key: value for key, value in body.items() if key != "partition"}
    if partitions == 1:
        yield from iter_pages(client, collection, plain, prepare)
        return
    handoff = _Handoff()
    executor = ThreadPoolExecutor(max_workers=min(partitions, MAX_WORKERS), thread_name_prefix="mixpeek-list")
    try:
        for index in range(partitions):
            partition_body = plain | {"partition": {"index": index, "count": partitions}}
            executor.submit(_produce, client, collection, partition_body, handoff, prepare)
        yield from handoff.consume(partitions)
    finally:
        handoff.stop.set()
        executor.shutdown(wait=True, cancel_futures=True)
        handoff.drain()


def _check_partitioning(body: dict, partitions: int) -> None:
    if isinstance(partitions, bool) or not isinstance(partitions, int) or not 1 <= partitions <= MAX_PARTITIONS:
        raise InvalidArgument("partitions", f"must be an integer from 1 to {MAX_PARTITIONS}, got {partitions!r}")
    if partitions > 1 and body.get("cursor"):
        raise InvalidArgument("body", "a cursor belongs to one partition and cannot start a partitioned listing")


_DONE = object()
_WAKE = object()


class _Handoff:
    """Pages from workers to the caller (each with an event set once it is consumed), a stop signal, the first error."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._lock = threading.Lock()

    def put(self, item: Any) -> bool:
        """Queue the item; return False if the caller stopped listening."""
        self.queue.put(item)
        return not self.stop.is_set()

    def hand_over(self, page: Page) -> bool:
        """Queue a page and wait until the caller is done with it; False if the caller stopped listening first."""
        taken = threading.Event()
        if not self.put((page, taken)):
            return False
        while not taken.wait(POLL_SECONDS):
            if self.stop.is_set():
                return False
        return True

    def fail(self, error: BaseException) -> None:
        """Record the first worker error, stop the other workers and wake the caller."""
        with self._lock:
            if self.error is None:
                self.error = error
        self.stop.set()
        self.queue.put_nowait(_WAKE)

    def consume(self, producers: int) -> Iterator[Page]:
        """Yield pages until every producer is done; re-raise the first worker error as soon as it is seen."""
        remaining = producers
        while remaining:
            item = self._next_item()
            if item is _DONE:
                remaining -= 1
            elif item is not _WAKE:
                page, taken = item
                yield page
                taken.set()

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


def _produce(
    client: MixpeekClient, collection: str, body: dict, handoff: _Handoff, prepare: Prepare | None = None
) -> None:
    if handoff.stop.is_set():
        return
    try:
        for page in iter_pages(client, collection, body, prepare):
            if not handoff.hand_over(page):
                return
    except BaseException as error:
        handoff.fail(error)
        return
    handoff.put(_DONE)
