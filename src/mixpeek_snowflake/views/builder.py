"""Create or replace a collection's typed views: read the collection, sample the synced table, run the DDL."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol

from mixpeek_snowflake.arguments import check_governed, parse_collection
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.snowflake.operation_log import OperationLog
from mixpeek_snowflake.snowflake.tables import OPERATION_RUNS
from mixpeek_snowflake.snowflake.timestamps import new_run_id, utc_now
from mixpeek_snowflake.views.options import ViewRequest
from mixpeek_snowflake.views.specs import ViewPlan, ViewSpec, excluded_root_keys, plan_views, vector_names
from mixpeek_snowflake.views.statements import (
    CURRENT_CONTEXT,
    VECTOR_PROBE,
    create_view,
    sample_fields,
    table_exists,
    views_named_like,
)

log = logging.getLogger("mixpeek_snowflake.views")


class CollectionReader(Protocol):
    def get_collection(self, collection: str) -> dict: ...


class ViewBuilder:
    """One run of create_mixpeek_views against a Snowpark session and a Mixpeek client."""

    def __init__(self, db: Database, client: CollectionReader, request: ViewRequest) -> None:
        self.db = db
        self.client = client
        self.request = request
        self.options = request.options

    def run(self) -> dict[str, Any]:
        """Plan the views from the collection and the synced rows, create them (unless dry_run), summarise; a run
        that is not a dry run is logged in MIXPEEK_OPERATION_RUNS beside the source table."""
        started = time.monotonic()
        collection = self._collection()
        source = self._source()
        if self.options.dry_run:
            return self._build(collection, source, started)
        run_id = new_run_id("views", utc_now())
        runs = OperationLog(self.db, source.sibling(OPERATION_RUNS.name), "views", run_id)
        runs.start(collection["collection_id"], source.display, False)
        try:
            summary = {"run_id": run_id, **self._build(collection, source, started)}
        except BaseException as exc:
            runs.fail(collection["collection_id"], exc)
            raise
        runs.finish("SUCCEEDED", collection["collection_id"], summary, summary["sampled_documents"], 0)
        return summary

    def _build(self, collection: dict[str, Any], source: TableName, started: float) -> dict[str, Any]:
        samples = self._samples(source, collection)
        vector_type = self._vector_type(collection)
        plan = plan_views(collection, self.options.view_prefix, samples, vector_type)
        targets = [source.sibling(view.name) for view in plan.views]
        statements = [create_view(v, t, source, plan.collection_id) for v, t in zip(plan.views, targets, strict=True)]
        if not self.options.dry_run:
            self._create(targets, statements)
        summary = self._summary(collection, source, plan, targets, len(samples), vector_type)
        summary["stale_views"] = self._stale(source, plan.views[0].name, {t.name for t in targets})
        summary["duration_seconds"] = round(time.monotonic() - started, 3)
        if self.options.dry_run:
            summary["statements"] = statements
        return summary

    def _collection(self) -> dict[str, Any]:
        collection = self.client.get_collection(self.request.collection)
        if not isinstance(collection, Mapping):
            raise MixpeekSnowflakeError(f"Mixpeek returned no collection object for {self.request.collection!r}")
        resolved = collection.get("collection_id") or self.request.collection
        return {**collection, "collection_id": parse_collection(resolved)}

    def _source(self) -> TableName:
        """The synced table; an unqualified name is in the procedure's own database and schema (owner's rights)."""
        database, schema = self.db.first(CURRENT_CONTEXT) or (None, None)
        table = self.options.source_table
        if not (table.database or database) or not (table.schema or schema):
            raise InvalidArgument(
                "option source_table", "the procedure has no current database or schema: qualify it as DB.SCHEMA.TABLE"
            )
        source = table.qualified(database, schema)
        params = [source.schema, source.name] * 2
        if not self.db.count(table_exists(source.database or ""), params):
            problem = f"{source.display} does not exist; run sync_mixpeek_collection first or name the synced table"
            raise InvalidArgument("option source_table", problem)
        database = quote(source.database or "")
        schema = f"{database}.{quote(source.schema or '')}"
        check_governed(self.db.rows, database, schema, source.sql, source.display, "option source_table")
        return source

    def _samples(self, source: TableName, collection: Mapping[str, Any]) -> list[dict[str, Any]]:
        if not self.options.sample_rows:
            return []
        excluded = excluded_root_keys(collection)
        query = sample_fields(source, self.options.sample_rows, len(excluded))
        documents: dict[str, dict[str, Any]] = {}
        for document_id, key, value in self.db.rows(query, [collection["collection_id"], *excluded]):
            documents.setdefault(document_id, {})[key] = json.loads(value) if isinstance(value, str) else value
        return list(documents.values())

    def _vector_type(self, collection: Mapping[str, Any]) -> bool:
        wanted = self.options.vector_type
        if wanted is False or not vector_names(collection):
            return False
        try:
            self.db.rows(VECTOR_PROBE)
        except Exception as exc:
            if wanted:
                raise MixpeekSnowflakeError(
                    "option vector_type is true, but this engine has no VECTOR type (the local engine has none); "
                    "leave vector_type unset or set it to false"
                ) from exc
            log.info("no VECTOR type on this engine; embeddings stay JSON arrays")
            return False
        return True

    def _create(self, targets: list[TableName], statements: list[str]) -> None:
        for position, (target, statement) in enumerate(zip(targets, statements, strict=True)):
            try:
                self.db.rows(statement)
            except Exception as exc:
                done = ", ".join(t.display for t in targets[:position]) or "none"
                raise MixpeekSnowflakeError(
                    f"creating view {target.display} failed ({exc}); views created: {done}"
                ) from exc

    def _stale(self, source: TableName, main: str, created: set[str]) -> list[str]:
        rows = self.db.rows(views_named_like(source.database or ""), [source.schema, f"{main}_"])
        return [source.sibling(name).display for (name,) in rows if name not in created]

    def _summary(
        self,
        collection: Mapping[str, Any],
        source: TableName,
        plan: ViewPlan,
        targets: list[TableName],
        sampled: int,
        vector_type: bool,
    ) -> dict[str, Any]:
        return {
            "collection_id": plan.collection_id,
            "collection_name": collection.get("collection_name"),
            "source_table": source.display,
            "dry_run": self.options.dry_run,
            "vector_type": vector_type,
            "sampled_documents": sampled,
            "views": [_described(view, target) for view, target in zip(plan.views, targets, strict=True)],
            "warnings": list(plan.warnings),
        }


def _described(view: ViewSpec, target: TableName) -> dict[str, Any]:
    rows = "documents" if view.array_path is None else ".".join(view.array_path) + "[]"
    columns = [{"name": c.name, "type": c.type} for c in view.columns]
    return {"name": target.display, "rows": rows, "columns": columns}
