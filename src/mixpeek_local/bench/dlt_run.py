"""dlt side by side with the sync (row 11): the rest_api source paging the emulator into the snowflake destination
on the same local engine, merge on document_id, max_table_nesting=0; full load, rerun, incremental after changes.

dlt lives only in the benchmark's venv (requirements-bench.txt, `make bench`); without it the row says so. dlt runs
in a process of its own; the bench's engine process applies the fakesnow fixes of engine/dlt_fixes.py. dlt's
pipeline state stays in its local folder (RESTORE_FROM_DESTINATION=false): fakesnow cannot COPY its JSON state file.
"""

from __future__ import annotations

import importlib.util
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

DATABASE = "BENCH_DLT"
DATASET = "DLT_DATA"
RESOURCE = "mixpeek_documents"
PAGE_SIZE = 1000


def available() -> bool:
    """True when dlt is installed (the benchmark's own venv)."""
    return importlib.util.find_spec("dlt") is not None


@dataclass(frozen=True)
class LoadRun:
    """One run of one loader: wall time, statements sent to the engine, rows it wrote, what it left."""

    wall_seconds: float
    statements: int
    rows_written: int
    ids: frozenset[str] = field(default_factory=frozenset)


def _source(api: tuple[str, str, str], collection: str) -> Any:
    from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator
    from dlt.sources.rest_api import rest_api_source

    key, base_url, namespace = api
    paginator = JSONResponseCursorPaginator(cursor_path="pagination.next_cursor", cursor_body_path="cursor")
    config: Any = {
        "client": {
            "base_url": f"{base_url}/v1/",
            "auth": {"type": "bearer", "token": key},
            "headers": {"X-Namespace": namespace},
        },
        "resources": [
            {
                "name": RESOURCE,
                "primary_key": "document_id",
                "write_disposition": "merge",
                "endpoint": {
                    "path": f"collections/{collection}/documents/list",
                    "method": "POST",
                    "json": {"limit": PAGE_SIZE},
                    "data_selector": "results",
                    "paginator": paginator,
                },
            }
        ],
    }
    return rest_api_source(config, max_table_nesting=0)


class _Counted:
    """Counts the statements snowflake.connector sends from this process."""

    def __init__(self) -> None:
        import snowflake.connector.cursor as cursor

        self.count = 0
        self._cursor = cursor
        self._original = cursor.SnowflakeCursor.execute
        counter = self

        def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += 1
            return counter._original(self, *args, **kwargs)

        cursor.SnowflakeCursor.execute = execute  # type: ignore[method-assign]


def _ids(connect_kwargs: dict[str, Any]) -> frozenset[str]:
    import snowflake.connector

    conn = snowflake.connector.connect(**connect_kwargs, database=DATABASE)
    try:
        cursor = conn.cursor()
        cursor.execute(f'SELECT "DOCUMENT_ID" FROM "{DATABASE}"."{DATASET}"."MIXPEEK_DOCUMENTS"')
        return frozenset(str(r[0]) for r in cursor.fetchall())
    finally:
        conn.close()


def run_dlt(api: tuple[str, str, str], connect_kwargs: dict[str, Any], collection: str, folder: str) -> LoadRun:
    """In a process of its own: one merge load of the collection, the pipeline kept in folder between calls."""
    import dlt
    import snowflake.connector

    os.environ["RESTORE_FROM_DESTINATION"] = "false"
    conn = snowflake.connector.connect(**connect_kwargs)
    conn.cursor().execute(f'CREATE DATABASE IF NOT EXISTS "{DATABASE}"')
    conn.close()
    host, port = connect_kwargs["host"], connect_kwargs["port"]
    credentials = f"snowflake://fake:snow@fakesnow/{DATABASE}?host={host}&port={port}&protocol=http&warehouse=WH&role=R"
    destination = dlt.destinations.snowflake(credentials=credentials, supports_multiple_statements=False)
    pipeline = dlt.pipeline(
        pipeline_name="mixpeek_bench", destination=destination, dataset_name=DATASET, pipelines_dir=folder
    )
    counted = _Counted()
    started = time.perf_counter()
    pipeline.run(_source(api, collection), loader_file_format="parquet")
    wall = time.perf_counter() - started
    trace = pipeline.last_trace
    counts = trace.last_normalize_info.row_counts if trace and trace.last_normalize_info else {}
    statements = counted.count
    return LoadRun(wall, statements, int(counts.get(RESOURCE, 0)), _ids(connect_kwargs))


def new_folder() -> str:
    """A folder for dlt's pipeline, kept across the three runs."""
    return tempfile.mkdtemp(prefix="mixpeek-bench-dlt-")


@dataclass(frozen=True)
class SideBySide:
    """dlt and the sync on the same collection, emulator and engine: full, rerun, incremental after changes."""

    documents: int
    updated: int
    deleted: int
    truth: frozenset[str]
    dlt: list[LoadRun]
    ours: list[LoadRun]
    ours_deleted: int

    def exact(self, run: LoadRun) -> bool:
        """The loader's table holds exactly the collection's live documents."""
        return run.ids == self.truth

    def row(self, f: Any) -> Any:
        """Row 11 of the table."""
        from mixpeek_local.bench.report import Row

        kinds = ("full", "rerun", "incremental")
        parts = [
            f"{k} {d.wall_seconds:.1f} s vs {o.wall_seconds:.1f} s"
            for k, d, o in zip(kinds, self.dlt, self.ours, strict=True)
        ]
        faster = all(o.wall_seconds < d.wall_seconds for d, o in zip(self.dlt, self.ours, strict=True))
        last_dlt, last_ours = self.dlt[-1], self.ours[-1]
        missed = len(last_dlt.ids - self.truth)
        written = " / ".join(f"{d.rows_written}:{o.rows_written}" for d, o in zip(self.dlt, self.ours, strict=True))
        statements = " / ".join(f"{d.statements}:{o.statements}" for d, o in zip(self.dlt, self.ours, strict=True))
        ratio = min(d.wall_seconds / o.wall_seconds for d, o in zip(self.dlt, self.ours, strict=True))
        return Row(
            f"dlt vs sync, {self.documents:,} docs ({self.updated} updated, {self.deleted} deleted before the last)",
            "; ".join(parts) + f"; statements dlt:sync {statements}; rows written {written}",
            f"deletes caught: dlt {self.deleted - missed}/{self.deleted}, sync {self.ours_deleted}/{self.deleted}; "
            f"exact: dlt {'yes' if self.exact(last_dlt) else 'no'}, sync {'yes' if self.exact(last_ours) else 'no'}",
            ratio,
            _times(ratio),
            "faster on every run kind, exact where dlt is not",
            faster and self.exact(last_ours),
            "dlt is the loader a data engineer would pick instead; it rewrites every row on each merge and, without a "
            "hard-delete column, keeps documents deleted in Mixpeek.",
        )


def _times(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"
