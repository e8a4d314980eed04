"""Deleted ids from the change feed: filtering, odd payloads, cursor advance, stopping and loop detection."""

from __future__ import annotations

from typing import Any

import pytest

from mixpeek_snowflake.errors import PaginationLoopError
from mixpeek_snowflake.mixpeek.changes import DELETED_EVENT, EVENTS_PAGE_SIZE, FeedPosition, deleted_id_pages

COLLECTION = "col_p8ix4ea4q9"
OTHER = "col_other00001"


def deleted(seq: int, document_id: str, collection_id: str | None = COLLECTION) -> dict[str, Any]:
    """A ChangeEvent for a deleted document, shaped like the feed's."""
    payload: dict[str, Any] = {"document_id": document_id}
    if collection_id is not None:
        payload["collection_id"] = collection_id
    return {
        "seq": seq,
        "cursor": f"evt_{seq:06d}",
        "namespace_id": "ns_demo",
        "event_type": DELETED_EVENT,
        "resource_type": "document",
        "operation": "delete",
        "payload": payload,
        "created_at": "2026-01-05T10:00:00Z",
    }


class ScriptedFeed:
    """Answers list_events with the scripted pages in order and records every params dict."""

    def __init__(self, pages: list[dict[str, Any]], limit: int = 50) -> None:
        self.pages = list(pages)
        self.calls: list[dict[str, Any]] = []
        self.limit = limit

    def list_events(self, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(dict(params))
        assert len(self.calls) <= self.limit, "the reader kept paging"
        return self.pages.pop(0) if self.pages else page([], params.get("cursor"), False)


def page(events: list[Any], next_cursor: str | None, has_more: bool) -> dict[str, Any]:
    return {"results": events, "next_cursor": next_cursor, "has_more": has_more}


def read_all(feed: ScriptedFeed, cursor: str | None = None) -> tuple[list[list[str]], FeedPosition]:
    position = FeedPosition(cursor)
    return list(deleted_id_pages(feed, COLLECTION, position)), position


def test_reads_pages_until_has_more_is_false() -> None:
    feed = ScriptedFeed(
        [
            page([deleted(1, "doc_a"), deleted(2, "doc_b")], "evt_000002", True),
            page([deleted(3, "doc_c")], "evt_000003", False),
            page([deleted(4, "doc_never")], "evt_000004", False),
        ]
    )
    pages, position = read_all(feed)
    assert pages == [["doc_a", "doc_b"], ["doc_c"]]
    assert position.cursor == "evt_000003"
    assert len(feed.calls) == 2


def test_requests_deleted_events_from_the_stored_cursor() -> None:
    feed = ScriptedFeed([page([deleted(8, "doc_a")], "evt_000008", True), page([], "evt_000008", False)])
    read_all(feed, "evt_000007")
    assert feed.calls == [
        {"event_type": DELETED_EVENT, "limit": EVENTS_PAGE_SIZE, "cursor": "evt_000007"},
        {"event_type": DELETED_EVENT, "limit": EVENTS_PAGE_SIZE, "cursor": "evt_000008"},
    ]


def test_first_read_sends_no_cursor() -> None:
    feed = ScriptedFeed([page([], None, False)])
    read_all(feed)
    assert "cursor" not in feed.calls[0]


def test_only_this_collection_and_unattributed_ids_are_kept() -> None:
    events = [
        deleted(1, "doc_mine"),
        deleted(2, "doc_theirs", OTHER),
        deleted(3, "doc_unattributed", None),
        deleted(4, "doc_mine_too"),
    ]
    pages, _ = read_all(ScriptedFeed([page(events, "evt_000004", False)]))
    assert pages == [["doc_mine", "doc_unattributed", "doc_mine_too"]]


@pytest.mark.parametrize(
    "odd",
    [
        None,
        "document.deleted",
        ["doc_x"],
        {"event_type": DELETED_EVENT},
        {"payload": None},
        {"payload": "doc_x"},
        {"payload": ["doc_x"]},
        {"payload": {}},
        {"payload": {"document_id": 42, "collection_id": COLLECTION}},
        {"payload": {"document_id": None}},
        {"payload": {"document_ids": ["doc_x"], "collection_id": COLLECTION}},
    ],
)
def test_odd_events_are_skipped_and_the_rest_kept(odd: Any) -> None:
    pages, position = read_all(ScriptedFeed([page([deleted(1, "doc_a"), odd, deleted(3, "doc_b")], "evt_3", False)]))
    assert pages == [["doc_a", "doc_b"]]
    assert position.cursor == "evt_3"


def test_a_page_without_matching_ids_yields_nothing_but_advances() -> None:
    feed = ScriptedFeed(
        [
            page([deleted(1, "doc_x", OTHER), deleted(2, "doc_y", OTHER)], "evt_000002", True),
            page([deleted(3, "doc_a")], "evt_000003", False),
        ]
    )
    pages, position = read_all(feed)
    assert pages == [["doc_a"]]
    assert position.cursor == "evt_000003"


def test_empty_page_stops_and_keeps_the_cursor() -> None:
    feed = ScriptedFeed([page([], None, True)])
    pages, position = read_all(feed, "evt_000042")
    assert pages == []
    assert position.cursor == "evt_000042"
    assert len(feed.calls) == 1


@pytest.mark.parametrize("response", [{}, {"results": None, "has_more": True}, {"next_cursor": "", "has_more": False}])
def test_missing_fields_read_as_an_empty_final_page(response: dict[str, Any]) -> None:
    pages, position = read_all(ScriptedFeed([response]), "evt_000042")
    assert pages == []
    assert position.cursor == "evt_000042"


def test_cursor_is_advanced_before_each_page_is_handed_over() -> None:
    feed = ScriptedFeed([page([deleted(1, "doc_a")], "evt_1", True), page([deleted(2, "doc_b")], "evt_2", False)])
    position = FeedPosition(None)
    seen = [(ids, position.cursor) for ids in deleted_id_pages(feed, COLLECTION, position)]
    assert seen == [(["doc_a"], "evt_1"), (["doc_b"], "evt_2")]


def test_has_more_with_a_repeated_cursor_is_a_loop() -> None:
    feed = ScriptedFeed([page([deleted(5, "doc_a")], "evt_000005", True)] * 3)
    with pytest.raises(PaginationLoopError, match="Loop detected"):
        read_all(feed, "evt_000005")
    assert len(feed.calls) == 1


def test_has_more_without_a_next_cursor_is_a_loop() -> None:
    feed = ScriptedFeed([page([deleted(1, "doc_a")], None, True)] * 3)
    with pytest.raises(PaginationLoopError):
        read_all(feed, "evt_000000")


def test_a_cursor_returned_twice_is_a_loop_even_after_another() -> None:
    cycle = [page([deleted(1, "doc_a")], "evt_A", True), page([deleted(2, "doc_b")], "evt_B", True)]
    feed = ScriptedFeed(cycle * 10, limit=6)
    with pytest.raises(PaginationLoopError):
        read_all(feed)
