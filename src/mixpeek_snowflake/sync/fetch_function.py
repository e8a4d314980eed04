"""The fetch table function: one partition of a listing paged, converted and yielded as stage rows, then a summary row.

Snowflake makes one handler instance per partition, calls process() once per input row of the partition and
end_partition() once after its last row (https://docs.snowflake.com/en/developer-guide/udf/python/udf-python-tabular-functions).
The procedure feeds one row per partition index (staging.py); a second row for the same index is refused.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.mixpeek.budget import RequestBudget, for_partition
from mixpeek_snowflake.mixpeek.client import DEFAULT_BASE_URL, MixpeekClient
from mixpeek_snowflake.mixpeek.listing import MAX_PARTITIONS, iter_pages
from mixpeek_snowflake.snowflake import runtime
from mixpeek_snowflake.snowflake.timestamps import format_timestamp
from mixpeek_snowflake.sync.records import StagedPage, convert_page

FUNCTION_NAME = "MIXPEEK_FETCH_DOCUMENTS"
RETURNS = "TABLE(OP VARCHAR, SEQ NUMBER, DOCUMENT_ID VARCHAR, RECORD VARCHAR, REASON VARCHAR, EXCERPT VARCHAR)"
OUTPUT_COLUMNS = ("OP", "SEQ", "DOCUMENT_ID", "RECORD", "REASON", "EXCERPT")
UPSERT, REJECT, SUMMARY = "U", "R", "S"
SEQ_STRIDE = 10**12
RESERVED_BODY_KEYS = ("partition", "cursor")

Row = tuple[str, int, str | None, str | None, str | None, str | None]

_http_lock = threading.Lock()
_http: list[requests.Session] = []


def http_session() -> requests.Session:
    """One HTTP session per process, shared by the partitions the process handles (Snowflake caps a function's
    connections: https://docs.snowflake.com/en/developer-guide/external-network-access/creating-using-external-network-access)."""
    with _http_lock:
        if not _http:
            _http.append(requests.Session())
        return _http[0]


@dataclass(frozen=True)
class FetchArguments:
    """The function's arguments, validated: what one partition lists and where from."""

    collection: str
    body: dict[str, Any]
    partition: int
    partitions: int
    base_url: str
    namespace: str | None
    requests_per_minute: float | None

    def partition_body(self) -> dict[str, Any]:
        """The listing body of this partition (a one-partition listing sends the body as given, as the procedure
        does)."""
        if self.partitions == 1:
            return dict(self.body)
        return {**self.body, "partition": {"index": self.partition, "count": self.partitions}}

    def budget(self) -> RequestBudget | None:
        """This partition's share of the run's requests_per_minute, its first request staggered by its index."""
        if self.requests_per_minute is None:
            return None
        return for_partition(self.requests_per_minute, self.partition, self.partitions)


def _integer(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidArgument(name, f"{value!r} is not allowed; expected an integer {low} to {high}")
    return value


def _body(value: object) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidArgument("body", "is not valid JSON; expected a ListDocumentsRequest object") from None
    if not isinstance(value, dict):
        raise InvalidArgument("body", f"expected a ListDocumentsRequest object, not {type(value).__name__}")
    reserved = [key for key in RESERVED_BODY_KEYS if key in value]
    if reserved:
        raise InvalidArgument("body", f"must not hold {', '.join(reserved)}: the function sets its partition")
    return value


def _text(name: str, value: object, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(name, f"expected a non-empty string, got {type(value).__name__}")
    return value


def _rate(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidArgument("requests_per_minute", f"{value!r} is not allowed; expected a positive number or NULL")
    return float(value)


def parse_fetch_arguments(
    collection: object,
    body: object,
    partition: object,
    partitions: object,
    base_url: object,
    namespace: object,
    requests_per_minute: object,
) -> FetchArguments:
    """Validate the function's arguments, in signature order."""
    count = _integer("partitions", partitions, 1, MAX_PARTITIONS)
    return FetchArguments(
        collection=_text("collection", collection, True) or "",
        body=_body(body),
        partition=_integer("partition", partition, 0, count - 1),
        partitions=count,
        base_url=_text("base_url", base_url, False) or DEFAULT_BASE_URL,
        namespace=_text("namespace", namespace, False),
        requests_per_minute=_rate(requests_per_minute),
    )


def function_client(args: FetchArguments) -> MixpeekClient:
    """The client of one partition: the function's secret, the process's HTTP session, the partition's budget."""
    return MixpeekClient(
        runtime.api_key(),
        base_url=args.base_url,
        namespace=args.namespace,
        session=http_session(),
        budget=args.budget(),
    )


@dataclass
class PartitionSummary:
    """What one partition did, yielded as its last row (EXCERPT holds it as JSON)."""

    partition: int
    partitions: int
    pages: int = 0
    documents: int = 0
    rejected: int = 0
    kept_with_notes: int = 0
    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    newest_updated_at: str | None = None
    taxonomy_ids: list[str] = field(default_factory=list)
    budget_waited_seconds: float = 0.0

    def add(self, staged: StagedPage) -> None:
        """Count one converted page."""
        self.pages += 1
        self.documents += len(staged.rows_json) + len(staged.rejects)
        self.rejected += len(staged.rejects)
        self.kept_with_notes += len(staged.notes)
        self.taxonomy_ids = sorted(set(self.taxonomy_ids) | staged.taxonomy_ids)
        newest = format_timestamp(staged.newest)
        if newest and (self.newest_updated_at is None or newest > self.newest_updated_at):
            self.newest_updated_at = newest

    def as_json(self) -> str:
        """The summary as the procedure reads it back."""
        return json.dumps(asdict(self), sort_keys=True)


def page_rows(staged: StagedPage, first_seq: int) -> list[Row]:
    """The stage rows of one converted page: documents (RECORD is records.stage_row's JSON), then rejects and notes."""
    rows: list[Row] = []
    for row, key in zip(staged.rows_json, staged.keys, strict=True):
        rows.append((UPSERT, first_seq + len(rows), key.document_id, row, None, None))
    for reject in [*staged.rejects, *staged.notes]:
        rows.append((REJECT, first_seq + len(rows), reject.document_id, None, reject.reason, reject.excerpt))
    return rows


def _release(staged: StagedPage, rows: list[Row]) -> None:
    """Drop a yielded page's rows before the next page is fetched (the listing still holds the page object), so a
    partition never holds two pages at once."""
    rows.clear()
    for part in (staged.rows_json, staged.keys, staged.rejects, staged.notes):
        part.clear()


class FetchDocuments:
    """TABLE(mixpeek_fetch_documents(collection, body, partition, partitions, base_url, namespace,
    requests_per_minute) OVER (PARTITION BY partition)): a partition's documents as stage rows, then its summary."""

    def __init__(self, make_client: Callable[[FetchArguments], MixpeekClient] = function_client) -> None:
        self._make_client = make_client
        self._summary: PartitionSummary | None = None
        self._seq = 0

    def process(
        self,
        collection: Any,
        body: Any,
        partition: Any,
        partitions: Any,
        base_url: Any,
        namespace: Any,
        requests_per_minute: Any,
    ) -> Iterator[Row]:
        """Page through the partition the row names and yield its stage rows."""
        args = parse_fetch_arguments(collection, body, partition, partitions, base_url, namespace, requests_per_minute)
        if self._summary is not None:
            raise InvalidArgument(
                "partition", f"partition {args.partition} received a second row; each partition takes exactly one"
            )
        self._summary = PartitionSummary(args.partition, args.partitions)
        self._seq = args.partition * SEQ_STRIDE
        client = self._make_client(args)
        try:
            yield from self._list(client, args)
        finally:
            self._count(client)
            client.close()

    def _list(self, client: MixpeekClient, args: FetchArguments) -> Iterator[Row]:
        summary = self._summary
        assert summary is not None
        prepare = functools.partial(convert_page, collection_id=args.collection)
        for page in iter_pages(client, args.collection, args.partition_body(), prepare=prepare):
            staged: StagedPage = page.prepared
            summary.add(staged)
            rows = page_rows(staged, self._seq)
            self._seq += len(rows)
            yield from rows
            _release(staged, rows)

    def _count(self, client: MixpeekClient) -> None:
        summary = self._summary
        assert summary is not None
        stats = client.stats.snapshot()
        summary.requests, summary.retries = stats["requests"], stats["retries"]
        summary.bytes_received = stats["bytes_received"]
        summary.budget_waited_seconds = round(client.budget.waited, 3) if client.budget else 0.0

    def end_partition(self) -> Iterator[Row]:
        """The partition's summary row, after its last document."""
        if self._summary is None:
            return
        yield (SUMMARY, self._seq, None, None, None, self._summary.as_json())
