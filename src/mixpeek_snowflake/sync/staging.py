"""Staging a run's listing with one statement, through the fetch table function, and the run's request budget."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mixpeek_snowflake.errors import MixpeekAPIError, MixpeekSnowflakeError
from mixpeek_snowflake.mixpeek.budget import RequestBudget, rate_from_me
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.timestamps import parse_timestamp
from mixpeek_snowflake.sync.fetch_function import SEQ_STRIDE
from mixpeek_snowflake.sync.options import SyncOptions
from mixpeek_snowflake.sync.statements import SyncTables

if TYPE_CHECKING:
    from mixpeek_snowflake.sync.engine import Progress

TABLE_FUNCTION = "table_function"
ME_PATH = "/v1/me"


@dataclass(frozen=True)
class FetchRun:
    """What the one staging statement needs from the run."""

    db: Database
    tables: SyncTables
    run_id: str
    collection_id: str
    client: MixpeekClient


def account_rate(client: MixpeekClient) -> int | None:
    """The key's per-minute limit for document reads (GET /v1/me → rate_limits.data); None when the key may not
    read it or Mixpeek states none."""
    try:
        return rate_from_me(client.request("GET", ME_PATH))
    except MixpeekAPIError:
        return None


def run_rate(options: SyncOptions, client: MixpeekClient) -> int | None:
    """The run's requests_per_minute: the option, else (table-function staging) the key's limit from /v1/me."""
    if options.requests_per_minute is not None:
        return options.requests_per_minute
    if options.staging == TABLE_FUNCTION:
        return account_rate(client)
    return None


def budget_procedure_listing(options: SyncOptions, client: MixpeekClient) -> None:
    """Procedure staging: the listing threads share one budget of requests_per_minute, when the option sets one."""
    if options.requests_per_minute is not None and client.budget is None:
        client.budget = RequestBudget(options.requests_per_minute)


def stage_through_function(run: FetchRun, progress: Progress, body: dict[str, Any], options: SyncOptions) -> None:
    """Stage every partition's documents, rejects and summary with one INSERT … SELECT over the table function, then
    read the summaries back into the run's progress and request counters."""
    rate = run_rate(options, run.client)
    first_seq = progress.seq
    params = [run.run_id, first_seq, run.collection_id, json.dumps(body), run.client.base_url, run.client.namespace]
    run.db.rows(run.tables.stage_fetched(options.partitions), [*params, rate])
    progress.stage_statements += 1
    progress.seq = first_seq + options.partitions * SEQ_STRIDE
    rows = run.db.rows(run.tables.fetch_summaries(), [run.run_id])
    summaries = [json.loads(row[0]) for row in rows]
    check_summaries(summaries, options.partitions)
    for summary in summaries:
        add_summary(progress, run.client, summary)


def check_summaries(summaries: list[dict[str, Any]], partitions: int) -> None:
    """Every partition index reported exactly once, or the run stops before changing anything."""
    seen = sorted(int(s.get("partition", -1)) for s in summaries)
    if seen != list(range(partitions)):
        raise MixpeekSnowflakeError(
            f"the fetch table function reported partitions {seen}, expected 0 to {partitions - 1} once each; "
            "the run stopped before changing anything"
        )


def add_summary(progress: Progress, client: MixpeekClient, summary: dict[str, Any]) -> None:
    """Add one partition's figures to the run's."""
    progress.pages += int(summary["pages"])
    progress.documents_seen += int(summary["documents"])
    progress.rejected += int(summary["rejected"])
    progress.kept_with_notes += int(summary["kept_with_notes"])
    progress.taxonomy_ids |= {str(t) for t in summary["taxonomy_ids"]}
    newest = parse_timestamp(summary.get("newest_updated_at"))
    if newest and (progress.newest is None or newest > progress.newest):
        progress.newest = newest
    client.stats.add(
        requests=int(summary["requests"]),
        retries=int(summary["retries"]),
        bytes_received=int(summary["bytes_received"]),
    )
