"""Cursor pagination, loop detection and partitioned listing over a fake, thread-safe client."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError, PaginationLoopError
from mixpeek_snowflake.mixpeek import listing
from mixpeek_snowflake.mixpeek.listing import Page, iter_pages, iter_partitioned_pages


class FakeClient:
    """Serves `pages_for(partition)` pages of documents per partition, with cursors "p{partition}-{page}"."""

    def __init__(self, pages_for: Callable[[int], int], fail: Callable[[int, int], bool] | None = None) -> None:
        self.pages_for = pages_for
        self.fail = fail or (lambda partition, page: False)
        self.bodies: list[dict[str, Any]] = []
        self.fetched = 0
        self._lock = threading.Lock()

    def list_documents(self, collection: str, body: dict) -> dict:
        with self._lock:
            self.bodies.append(body)
            self.fetched += 1
        partition = body.get("partition", {}).get("index", 0)
        page = int(body["cursor"].rsplit("-", 1)[1]) if "cursor" in body else 1
        if self.fail(partition, page):
            raise MixpeekAPIError(503, "partition failed", method="POST", path="/v1/collections/c/documents/list")
        last = page >= self.pages_for(partition)
        documents = [{"document_id": f"d{partition}-{page}-{n}"} for n in range(3)]
        cursor = None if last else f"p{partition}-{page + 1}"
        return {"results": documents, "pagination": {"next_cursor": cursor}}


class ScriptedCursors:
    """Returns the scripted next_cursor values in order, whatever is asked."""

    def __init__(self, cursors: list[str | None]) -> None:
        self.cursors = iter(cursors)
        self.bodies: list[dict[str, Any]] = []

    def list_documents(self, collection: str, body: dict) -> dict:
        self.bodies.append(body)
        return {"results": [], "pagination": {"next_cursor": next(self.cursors)}}


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


WORKER_PREFIX = "mixpeek-list"


def listing_threads() -> int:
    """Worker threads of partitioned listings alive now (named by the listing, not every thread of the process)."""
    return len([t for t in threading.enumerate() if t.name.startswith(WORKER_PREFIX)])


@pytest.fixture
def baseline_threads() -> Iterator[int]:
    assert listing_threads() == 0
    yield 0
    wait_until(lambda: listing_threads() == 0, timeout=5.0)


def test_iter_pages_follows_cursors_until_null() -> None:
    client = FakeClient(lambda partition: 3)
    body = {"limit": 1000}
    pages = list(iter_pages(client, "c", body))  # type: ignore[arg-type]
    assert [(page.partition, page.number) for page in pages] == [(0, 1), (0, 2), (0, 3)]
    assert pages[0].documents[0] == {"document_id": "d0-1-0"}
    assert client.bodies == [
        {"limit": 1000},
        {"limit": 1000, "cursor": "p0-2"},
        {"limit": 1000, "cursor": "p0-3"},
    ]
    assert body == {"limit": 1000}


def test_iter_pages_keeps_empty_pages_and_stops_on_null() -> None:
    client = ScriptedCursors(["a", "b", None])
    pages = list(iter_pages(client, "c", {}))  # type: ignore[arg-type]
    assert [page.documents for page in pages] == [[], [], []]
    assert [body.get("cursor") for body in client.bodies] == [None, "a", "b"]


def test_iter_pages_reports_the_partition_of_the_body() -> None:
    client = FakeClient(lambda partition: 1)
    pages = list(iter_pages(client, "c", {"partition": {"index": 4, "count": 8}}))  # type: ignore[arg-type]
    assert pages[0].partition == 4


def test_repeated_cursor_raises_loop_error() -> None:
    client = ScriptedCursors(["a", "b", "a"])
    pages = iter_pages(client, "c", {})  # type: ignore[arg-type]
    with pytest.raises(PaginationLoopError, match="Loop detected in pagination: cursor 'a' returned twice"):
        list(pages)
    assert len(client.bodies) == 3


def test_starting_cursor_counts_as_seen_and_long_cursors_are_truncated() -> None:
    long_cursor = "z" * 500
    client = ScriptedCursors([long_cursor])
    with pytest.raises(PaginationLoopError) as caught:
        list(iter_pages(client, "c", {"cursor": long_cursor}))  # type: ignore[arg-type]
    assert long_cursor not in str(caught.value)
    assert len(str(caught.value)) < 200


def test_single_partition_pages_without_a_partition_key() -> None:
    client = FakeClient(lambda partition: 2)
    pages = list(iter_partitioned_pages(client, "c", {"partition": {"index": 1, "count": 2}}, 1))  # type: ignore[arg-type]
    assert [(page.partition, page.number) for page in pages] == [(0, 1), (0, 2)]
    assert all("partition" not in body for body in client.bodies)


def test_every_page_of_every_partition_arrives_exactly_once(baseline_threads: int) -> None:
    client = FakeClient(lambda partition: partition % 4 + 1)
    pages = list(iter_partitioned_pages(client, "c", {"limit": 1000}, 7))  # type: ignore[arg-type]
    keys = [(page.partition, page.number) for page in pages]
    expected = {(p, n) for p in range(7) for n in range(1, p % 4 + 2)}
    assert len(keys) == len(expected) and set(keys) == expected
    documents = [doc["document_id"] for page in pages for doc in page.documents]
    assert len(documents) == len(set(documents)) == 3 * len(expected)
    first_bodies = [body for body in client.bodies if "cursor" not in body]
    assert sorted(body["partition"]["index"] for body in first_bodies) == list(range(7))
    assert all(body["partition"]["count"] == 7 and body["limit"] == 1000 for body in client.bodies)


def test_pages_of_one_partition_keep_their_order() -> None:
    client = FakeClient(lambda partition: 5)
    pages = list(iter_partitioned_pages(client, "c", {}, 3))  # type: ignore[arg-type]
    for partition in range(3):
        assert [page.number for page in pages if page.partition == partition] == [1, 2, 3, 4, 5]


def test_many_partitions_beyond_the_worker_cap() -> None:
    client = FakeClient(lambda partition: 2)
    pages = list(iter_partitioned_pages(client, "c", {}, 40))  # type: ignore[arg-type]
    assert len(pages) == 80


def test_worker_error_propagates_to_the_caller(baseline_threads: int) -> None:
    client = FakeClient(lambda partition: 4, fail=lambda partition, page: partition == 2 and page == 3)
    with pytest.raises(MixpeekAPIError, match="partition failed"):
        list(iter_partitioned_pages(client, "c", {}, 4))  # type: ignore[arg-type]


def test_worker_error_is_raised_promptly_not_after_queued_pages(
    baseline_threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = threading.Event()
    real_fail = listing._Handoff.fail

    def fail_and_tell(handoff: Any, error: BaseException) -> None:
        real_fail(handoff, error)
        recorded.set()

    first_taken = threading.Event()

    def fail(partition: int, page: int) -> bool:
        return partition == 1 and first_taken.wait(timeout=10)

    monkeypatch.setattr(listing._Handoff, "fail", fail_and_tell)
    client = FakeClient(lambda partition: 1000, fail=fail)
    pages = iter_partitioned_pages(client, "c", {}, 2)  # type: ignore[arg-type]
    consumed = [next(pages)]
    first_taken.set()
    assert recorded.wait(timeout=10)
    with pytest.raises(MixpeekAPIError):
        consumed.extend(pages)
    assert len(consumed) == 1


def test_loop_in_one_partition_propagates(baseline_threads: int) -> None:
    class Looping(FakeClient):
        def list_documents(self, collection: str, body: dict) -> dict:
            answer = super().list_documents(collection, body)
            if body["partition"]["index"] == 1:
                answer["pagination"]["next_cursor"] = "p1-2"
            return answer

    with pytest.raises(PaginationLoopError):
        list(iter_partitioned_pages(Looping(lambda partition: 3), "c", {}, 3))  # type: ignore[arg-type]


def test_early_break_stops_workers_and_leaves_no_threads(baseline_threads: int) -> None:
    client = FakeClient(lambda partition: 10_000)
    for count, _ in enumerate(iter_partitioned_pages(client, "c", {}, 16), start=1):  # type: ignore[arg-type]
        if count == 5:
            break
    assert listing_threads() == baseline_threads
    fetched = client.fetched
    time.sleep(0.05)
    assert client.fetched == fetched < 100


def test_caller_exception_and_close_also_stop_workers(baseline_threads: int) -> None:
    client = FakeClient(lambda partition: 10_000)
    with pytest.raises(RuntimeError):
        for _ in iter_partitioned_pages(client, "c", {}, 8):  # type: ignore[arg-type]
            raise RuntimeError("insert failed")
    assert listing_threads() == baseline_threads
    pages = iter_partitioned_pages(client, "c", {}, 8)  # type: ignore[arg-type]
    next(pages)
    pages.close()
    assert listing_threads() == baseline_threads


def test_workers_block_when_the_consumer_is_slow(baseline_threads: int) -> None:
    partitions = 4
    client = FakeClient(lambda partition: 50)
    pages = iter_partitioned_pages(client, "c", {}, partitions)  # type: ignore[arg-type]
    consumed = 0
    in_flight: list[int] = []
    for _ in pages:
        consumed += 1
        if consumed % 20 == 1:
            time.sleep(0.05)
        in_flight.append(client.fetched - consumed)
    assert consumed == 200
    assert 1 <= max(in_flight) <= partitions - 1


def test_each_partition_holds_one_page_until_the_caller_is_done(baseline_threads: int) -> None:
    client = FakeClient(lambda partition: 1000)
    pages = iter_partitioned_pages(client, "c", {}, 4)  # type: ignore[arg-type]
    first = next(pages)
    wait_until(lambda: client.fetched >= 4)
    time.sleep(0.1)
    assert client.fetched == 4
    assert isinstance(first, Page)
    next(pages)
    wait_until(lambda: client.fetched >= 5)
    time.sleep(0.1)
    assert client.fetched == 5
    pages.close()


def test_prepare_runs_in_the_workers_and_replaces_the_documents(baseline_threads: int) -> None:
    client = FakeClient(lambda partition: 2)
    threads: set[str] = set()

    def prepare(documents: list[dict]) -> int:
        threads.add(threading.current_thread().name)
        return len(documents)

    pages = list(iter_partitioned_pages(client, "c", {}, 3, prepare=prepare))  # type: ignore[arg-type]
    assert [page.prepared for page in pages] == [3] * 6
    assert all(page.documents == [] for page in pages)
    assert threads and all(name.startswith("mixpeek-list") for name in threads)


@pytest.mark.parametrize("partitions", [0, 257, True, 2.0])
def test_bad_partition_counts_are_refused(partitions: Any) -> None:
    with pytest.raises(InvalidArgument, match="partitions"):
        list(iter_partitioned_pages(FakeClient(lambda p: 1), "c", {}, partitions))  # type: ignore[arg-type]


def test_a_shared_cursor_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="cursor"):
        list(iter_partitioned_pages(FakeClient(lambda p: 1), "c", {"cursor": "x"}, 2))  # type: ignore[arg-type]
