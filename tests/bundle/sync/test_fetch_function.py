"""The fetch table function's handler class, called as Snowflake calls it: a new instance per partition, process()
for the partition's one input row, then end_partition()."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError
from mixpeek_snowflake.mixpeek.budget import RequestBudget
from mixpeek_snowflake.mixpeek.client import ClientStats
from mixpeek_snowflake.sync.fetch_function import SEQ_STRIDE, FetchArguments, FetchDocuments

COLLECTION = "col_unit0001"


def doc(n: int, updated: str = "2026-01-02T03:04:05Z", **extra: Any) -> dict[str, Any]:
    return {"document_id": f"doc_{n}", "_internal": {"updated_at": updated, "modality": "text"}, **extra}


class FakeClient:
    """Pages handed out in order; each list request counted; a page may be an exception to raise."""

    def __init__(self, pages: list[Any]) -> None:
        self.pages = list(pages)
        self.bodies: list[dict[str, Any]] = []
        self.stats = ClientStats()
        self.budget: RequestBudget | None = None
        self.closed = False

    def list_documents(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        assert collection == COLLECTION
        self.bodies.append(body)
        self.stats.add(requests=1, bytes_received=100)
        page = self.pages.pop(0)
        if isinstance(page, Exception):
            raise page
        return page

    def close(self) -> None:
        self.closed = True


def page(docs: list[Any], cursor: str | None) -> dict[str, Any]:
    return {"results": docs, "pagination": {"next_cursor": cursor}}


def call_partition(
    client: FakeClient, partition: int, partitions: int, body: Any = None, rate: float | None = None
) -> tuple[list[tuple], list[tuple]]:
    """Snowflake's calling convention for one partition: new instance, process(row), then end_partition()."""
    made: list[FetchArguments] = []

    def make(args: FetchArguments) -> Any:
        made.append(args)
        return client

    instance = FetchDocuments(make)
    body = {"limit": 2} if body is None else body
    rows = list(instance.process(COLLECTION, body, partition, partitions, "http://127.0.0.1:9", "ns_unit", rate))
    return rows, list(instance.end_partition())


def test_process_yields_one_stage_row_per_document_and_end_partition_one_summary() -> None:
    docs = [doc(1), doc(2, "2026-03-01T00:00:00Z", metadata={"k": 1}), doc(3)]
    client = FakeClient([page(docs[:2], "c1"), page([docs[2], "not an object"], None)])
    rows, ends = call_partition(client, partition=2, partitions=3)
    assert [r[0] for r in rows] == ["U", "U", "U", "R"]
    assert [r[1] for r in rows] == [2 * SEQ_STRIDE + i for i in range(4)]
    assert [r[2] for r in rows[:3]] == ["doc_1", "doc_2", "doc_3"]
    for row, expected in zip(rows[:3], docs, strict=True):
        record = json.loads(row[3])
        assert record["document"] == expected and record["document_id"] == expected["document_id"]
        assert record["collection_id"] == COLLECTION and row[4] is None and row[5] is None
    assert rows[3][2] is None and rows[3][3] is None and "not an object" in rows[3][4]
    assert len(ends) == 1
    kind, seq, document_id, record, reason, summary_text = ends[0]
    assert (kind, seq, document_id, record, reason) == ("S", 2 * SEQ_STRIDE + 4, None, None, None)
    summary = json.loads(summary_text)
    assert summary["partition"] == 2 and summary["partitions"] == 3
    assert (summary["pages"], summary["documents"], summary["rejected"]) == (2, 4, 1)
    assert (summary["requests"], summary["bytes_received"]) == (2, 200)
    assert summary["newest_updated_at"] == "2026-03-01 00:00:00.000000"
    assert client.closed


def test_each_partition_lists_its_own_slice_and_one_partition_sends_the_body_as_given() -> None:
    client = FakeClient([page([], None)])
    call_partition(client, partition=1, partitions=4, body={"limit": 5, "filters": {"field": "x"}})
    assert client.bodies == [{"limit": 5, "filters": {"field": "x"}, "partition": {"index": 1, "count": 4}}]
    alone = FakeClient([page([], None)])
    call_partition(alone, partition=0, partitions=1, body={"limit": 5})
    assert alone.bodies == [{"limit": 5}]


def test_a_second_input_row_for_the_same_partition_is_refused() -> None:
    instance = FetchDocuments(lambda args: FakeClient([page([doc(1)], None)]))
    list(instance.process(COLLECTION, {"limit": 2}, 0, 2, None, None, None))
    with pytest.raises(InvalidArgument, match="second row"):
        list(instance.process(COLLECTION, {"limit": 2}, 0, 2, None, None, None))


def test_an_error_mid_partition_raises_out_of_process_after_the_rows_before_it() -> None:
    failure = MixpeekAPIError(400, "refused", method="POST", path="/v1/collections/x/documents/list")
    client = FakeClient([page([doc(1)], "c1"), failure])
    instance = FetchDocuments(lambda args: client)
    seen: list[tuple] = []
    with pytest.raises(MixpeekAPIError, match="refused"):
        for row in instance.process(COLLECTION, {"limit": 1}, 0, 1, None, None, None):
            seen.append(row)
    assert [r[2] for r in seen] == ["doc_1"]
    assert client.closed


def test_a_repeated_cursor_stops_the_partition() -> None:
    client = FakeClient([page([doc(1)], "same"), page([doc(2)], "same")])
    with pytest.raises(Exception, match="Loop detected"):
        call_partition(client, partition=0, partitions=1)


def test_end_partition_without_a_row_yields_nothing() -> None:
    assert list(FetchDocuments(lambda args: FakeClient([])).end_partition()) == []


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ((COLLECTION, {"limit": 2}, 3, 3, None, None, None), "partition"),
        ((COLLECTION, {"limit": 2}, 0, 0, None, None, None), "partitions"),
        ((COLLECTION, {"limit": 2}, 0, 257, None, None, None), "partitions"),
        ((COLLECTION, {"limit": 2, "cursor": "c"}, 0, 1, None, None, None), "body"),
        ((COLLECTION, {"partition": {"index": 0}}, 0, 1, None, None, None), "body"),
        ((COLLECTION, "[1]", 0, 1, None, None, None), "body"),
        ((COLLECTION, "{", 0, 1, None, None, None), "body"),
        (("", {"limit": 2}, 0, 1, None, None, None), "collection"),
        ((COLLECTION, {"limit": 2}, 0, 1, None, None, -5), "requests_per_minute"),
        ((COLLECTION, {"limit": 2}, True, 1, None, None, None), "partition"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(arguments: tuple, named: str) -> None:
    instance = FetchDocuments(lambda args: pytest.fail("no client is made for bad arguments"))
    with pytest.raises(InvalidArgument) as caught:
        list(instance.process(*arguments))
    assert caught.value.argument == named


def test_the_partition_gets_its_share_of_the_budget_staggered_by_its_index() -> None:
    captured: list[FetchArguments] = []

    def make(args: FetchArguments) -> Any:
        captured.append(args)
        return FakeClient([page([], None)])

    list(FetchDocuments(make).process(COLLECTION, {"limit": 2}, 3, 4, None, None, 600.0))
    budget = captured[0].budget()
    assert budget is not None
    assert budget.per_minute == 150.0 and budget.interval == pytest.approx(0.4)


def test_a_budget_spaces_requests_and_starts_at_its_offset() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    budget = RequestBudget(120, offset=0.25, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        budget.take()
    assert slept == pytest.approx([0.25, 0.5, 0.5])
    now[0] += 10
    assert budget.take() == 0


@pytest.mark.parametrize("value", ["table function", "udtf", 1, True, ""])
def test_a_staging_option_other_than_the_two_modes_is_refused_naming_them(value: object) -> None:
    from mixpeek_snowflake.sync.options import parse_options

    with pytest.raises(InvalidArgument) as caught:
        parse_options({"staging": value})
    assert caught.value.argument == "option staging" and "procedure, table_function" in str(caught.value)


def test_the_staging_option_takes_either_mode_in_any_case() -> None:
    from mixpeek_snowflake.sync.options import parse_options

    assert parse_options(None).staging == "procedure"
    assert parse_options({"staging": " Table_Function "}).staging == "table_function"
    assert parse_options({"requests_per_minute": 600}).requests_per_minute == 600


@pytest.mark.parametrize("reported", [[0], [0, 0], [0, 2], []])
def test_the_procedure_fails_the_run_unless_every_partition_reported_once(reported: list[int]) -> None:
    from mixpeek_snowflake.errors import MixpeekSnowflakeError
    from mixpeek_snowflake.sync.staging import check_summaries

    with pytest.raises(MixpeekSnowflakeError, match="expected 0 to 1 once each"):
        check_summaries([{"partition": p} for p in reported], 2)


def test_partition_summaries_add_up_into_the_run_and_its_request_counters() -> None:
    from mixpeek_snowflake.sync.engine import Progress
    from mixpeek_snowflake.sync.staging import add_summary

    progress, client = Progress(), FakeClient([])
    for partition, newest in ((0, "2026-01-01 00:00:00.000000"), (1, "2026-02-01 00:00:00.000000")):
        summary = {"partition": partition, "pages": 2, "documents": 5, "rejected": 1, "kept_with_notes": 0}
        summary |= {"taxonomy_ids": [f"tax_{partition}"], "newest_updated_at": newest}
        add_summary(progress, client, summary | {"requests": 3, "retries": 1, "bytes_received": 10})  # type: ignore[arg-type]
    assert (progress.pages, progress.documents_seen, progress.rejected) == (4, 10, 2)
    assert progress.taxonomy_ids == {"tax_0", "tax_1"} and str(progress.newest) == "2026-02-01 00:00:00"
    assert client.stats.snapshot() == {"requests": 6, "retries": 2, "bytes_received": 20}
