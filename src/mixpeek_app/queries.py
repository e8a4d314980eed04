"""Every SQL statement the app runs: bound parameters, names validated by the bundle's identifier rules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mixpeek_app import config
from mixpeek_snowflake.snowflake.identifiers import TableName, quote, validate_part

CONTEXT = "SELECT CURRENT_DATABASE() AS DATABASE_NAME, CURRENT_SCHEMA() AS SCHEMA_NAME"
HEALTH_COLUMNS = (
    "COLLECTION_ID",
    "TARGET_TABLE",
    "ENABLED",
    "PAUSED_REASON",
    "SCHEDULE",
    "LAST_RUN_ID",
    "LAST_STATUS",
    "LAST_RUN_STARTED_AT",
    "LAST_SUCCESS_AT",
    "LAG_SECONDS",
    "CONSECUTIVE_FAILURES",
    "DOCUMENTS",
    "REJECTS",
    "LAST_ERROR",
    "IS_STALE",
)
RUN_COLUMNS = ("KIND", "RUN_ID", "COLLECTION_ID", "TARGET", "STATUS", "STARTED_AT", "FINISHED_AT", "DOCUMENTS", "ERROR")
# Each procedure the app calls, with its argument types (snowflake.yml's signature, and the operate contract).
PROCEDURES: dict[str, tuple[str, ...]] = {
    config.SYNC_PROCEDURE: ("VARCHAR", "VARCHAR", "VARCHAR", "VARIANT"),
    config.PAUSE_PROCEDURE: ("VARCHAR", "VARCHAR", "VARCHAR"),
    config.RESUME_PROCEDURE: ("VARCHAR", "VARCHAR"),
}
SEARCH_COLUMNS = ("RANK", "DOCUMENT_ID", "SCORE", "COLLECTION_ID", "METADATA", "DOCUMENT")


@dataclass(frozen=True)
class Statement:
    """SQL text and the values bound to its ? placeholders."""

    text: str
    params: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Bundle:
    """The schema holding the bundle's tables, views, procedures and functions (the app's own, in Snowflake)."""

    database: str
    schema: str

    @classmethod
    def of(cls, database: object, schema: object) -> Bundle:
        """The bundle schema named by the session, refused unless both parts are plain identifiers."""
        return cls(validate_part(str(database or ""), "database"), validate_part(str(schema or ""), "schema"))

    def table(self, name: str) -> TableName:
        return TableName(validate_part(name, "object"), self.schema, self.database)

    def routine(self, name: str) -> str:
        return self.table(name).sql


def run(session: Any, statement: Statement) -> list[dict[str, Any]]:
    """The statement's rows as dictionaries keyed by upper-case column name."""
    rows = session.sql(statement.text, params=statement.params or None).collect()
    return [{key.upper(): value for key, value in row.as_dict().items()} for row in rows]


def context() -> Statement:
    """The session's current database and schema: in Snowflake, the schema the app was created in."""
    return Statement(CONTEXT)


def bundle_of(rows: list[dict[str, Any]]) -> Bundle:
    """The bundle schema from the rows of context()."""
    return Bundle.of(rows[0]["DATABASE_NAME"], rows[0]["SCHEMA_NAME"])


def objects(bundle: Bundle) -> Statement:
    """The tables and views of the bundle schema this role can see."""
    place = f"{quote(bundle.database)}.INFORMATION_SCHEMA"
    return Statement(
        f"SELECT TABLE_NAME FROM {place}.TABLES WHERE TABLE_SCHEMA = ? "
        f"UNION SELECT TABLE_NAME FROM {place}.VIEWS WHERE TABLE_SCHEMA = ?",
        [bundle.schema, bundle.schema],
    )


def roles_in_session(roles: Sequence[str]) -> Statement:
    """One boolean per role: whether the session's active roles (the app owner's, in Snowflake) include it."""
    checked = [validate_part(role, "role") for role in roles]
    columns = ", ".join(f"IS_ROLE_IN_SESSION(?) AS R{i}" for i in range(len(checked)))
    return Statement(f"SELECT {columns}", checked)


def target_health(bundle: Bundle) -> Statement:
    """One row per target (the operate contract's MIXPEEK_TARGET_HEALTH)."""
    columns = ", ".join(HEALTH_COLUMNS)
    view = bundle.table(config.TARGET_HEALTH).sql
    return Statement(f"SELECT {columns} FROM {view} ORDER BY COLLECTION_ID, TARGET_TABLE LIMIT 1000")


def run_history(bundle: Bundle, collection_id: str, target: str) -> Statement:
    """The newest runs into one target, across every kind of run (MIXPEEK_RUNS)."""
    columns = ", ".join(RUN_COLUMNS)
    view = bundle.table(config.RUNS).sql
    return Statement(
        f"SELECT {columns} FROM {view} WHERE COLLECTION_ID = ? AND TARGET = ? "
        "ORDER BY STARTED_AT DESC, RUN_ID DESC LIMIT 200",
        [collection_id, target],
    )


def runs_of_kind(bundle: Bundle, kind: str) -> Statement:
    """The newest runs of one kind (SYNC, ENRICH, …), matched whatever its case."""
    columns = ", ".join(RUN_COLUMNS)
    view = bundle.table(config.RUNS).sql
    return Statement(
        f"SELECT {columns} FROM {view} WHERE UPPER(KIND) = ? ORDER BY STARTED_AT DESC, RUN_ID DESC LIMIT 50",
        [kind.upper()],
    )


def call(bundle: Bundle, procedure: str, args: Sequence[Any]) -> Statement:
    """CALL one of the bundle's procedures with bound arguments; VARIANT arguments travel as JSON text."""
    types = PROCEDURES.get(procedure)
    if types is None or len(args) != len(types):
        raise ValueError(f"the app calls {', '.join(PROCEDURES)} with their own arguments, not {procedure}")
    marks = ", ".join("PARSE_JSON(?)" if kind == "VARIANT" else "?" for kind in types)
    params = [json.dumps(value) if kind == "VARIANT" else value for kind, value in zip(types, args, strict=True)]
    return Statement(f"CALL {bundle.routine(procedure)}({marks})", params)


def search(bundle: Bundle, retriever: str, query: str, limit: int) -> Statement:
    """SELECT … FROM TABLE(mixpeek_search(retriever, {"query": …}, {"limit": …})) in rank order."""
    columns = ", ".join(SEARCH_COLUMNS)
    function = bundle.routine(config.SEARCH_FUNCTION)
    return Statement(
        f"SELECT {columns} FROM TABLE({function}(?, PARSE_JSON(?), PARSE_JSON(?))) ORDER BY RANK",
        [retriever, json.dumps({"query": query}), json.dumps({"limit": limit})],
    )


def business_rows(table: TableName, key_column: str, keys: Sequence[str]) -> Statement:
    """The rows of a business table the user named whose key column holds one of the keys."""
    column = quote(validate_part(key_column, "key column"))
    return Statement(
        f"SELECT * FROM {table.sql} WHERE {column}::VARCHAR IN "
        "(SELECT f.value::VARCHAR FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f) LIMIT 1000",
        [json.dumps(list(keys))],
    )


def label_taxonomies(bundle: Bundle) -> Statement:
    """Each (target, taxonomy) with labels, its name and how many documents carry one."""
    labels = bundle.table(config.LABELS).sql
    return Statement(
        "SELECT TARGET_TABLE, TAXONOMY_ID, MAX(TAXONOMY_NAME) AS TAXONOMY_NAME, "
        f"COUNT(DISTINCT DOCUMENT_ID) AS DOCUMENTS FROM {labels} "
        "GROUP BY TARGET_TABLE, TAXONOMY_ID ORDER BY TARGET_TABLE, TAXONOMY_ID LIMIT 500"
    )


def label_counts(bundle: Bundle, target: str, taxonomy_id: str) -> Statement:
    """Documents per best-match label of one taxonomy in one target, with the label's mean score."""
    labels = bundle.table(config.LABELS).sql
    return Statement(
        f"SELECT LABEL, COUNT(*) AS DOCUMENTS, AVG(SCORE) AS AVG_SCORE FROM {labels} "
        "WHERE TARGET_TABLE = ? AND TAXONOMY_ID = ? AND RANK = 1 "
        "GROUP BY LABEL ORDER BY DOCUMENTS DESC, LABEL LIMIT 100",
        [target, taxonomy_id],
    )


def score_histogram(bundle: Bundle, target: str, taxonomy_id: str) -> Statement:
    """Label scores of one taxonomy in bins 0.05 wide (SCORE_FROM is each bin's lower edge), per rank."""
    labels = bundle.table(config.LABELS).sql
    return Statement(
        "SELECT ROUND(FLOOR(SCORE * 20) / 20, 2) AS SCORE_FROM, RANK, COUNT(*) AS LABELS "
        f"FROM {labels} WHERE TARGET_TABLE = ? AND TAXONOMY_ID = ? AND SCORE IS NOT NULL "
        "GROUP BY SCORE_FROM, RANK ORDER BY SCORE_FROM, RANK LIMIT 1000",
        [target, taxonomy_id],
    )


def label_documents(bundle: Bundle, target: TableName, taxonomy_id: str, label: str) -> Statement:
    """The live documents of one label, best score first, with their blobs for thumbnails."""
    labels = bundle.table(config.LABELS).sql
    return Statement(
        "SELECT l.DOCUMENT_ID, l.SCORE, l.RANK, d.MODALITY, d.METADATA, d.DOCUMENT:document_blobs AS BLOBS "
        f"FROM {labels} l JOIN {target.sql} d ON d.DOCUMENT_ID = l.DOCUMENT_ID "
        "WHERE l.TARGET_TABLE = ? AND l.TAXONOMY_ID = ? AND l.LABEL = ? AND NOT d.IS_DELETED "
        "ORDER BY l.SCORE DESC, l.DOCUMENT_ID LIMIT 60",
        [target.display, taxonomy_id, label],
    )


def enrich_pushes(bundle: Bundle) -> Statement:
    """Per enrichment run: the collection, the source, how many documents it pushed and when."""
    state = bundle.table(config.ENRICH_STATE).sql
    return Statement(
        "SELECT LAST_RUN_ID AS RUN_ID, COLLECTION_ID, SOURCE, COUNT(*) AS DOCUMENTS, MAX(PUSHED_AT) AS PUSHED_AT "
        f"FROM {state} GROUP BY LAST_RUN_ID, COLLECTION_ID, SOURCE ORDER BY PUSHED_AT DESC, RUN_ID LIMIT 50"
    )


def enrich_failure_reasons(bundle: Bundle) -> Statement:
    """How many rows failed for each reason, and when last."""
    failures = bundle.table(config.ENRICH_FAILURES).sql
    return Statement(
        f"SELECT REASON, COUNT(*) AS ROWS_FAILED, MAX(FAILED_AT) AS LAST_FAILED_AT FROM {failures} "
        "GROUP BY REASON ORDER BY ROWS_FAILED DESC, REASON LIMIT 50"
    )


def enrich_failures(bundle: Bundle) -> Statement:
    """The newest rows an enrichment could not push: the reason and the JSON types of what was refused."""
    failures = bundle.table(config.ENRICH_FAILURES).sql
    return Statement(
        "SELECT RUN_ID, COLLECTION_ID, SOURCE, DOCUMENT_ID, REASON, UPDATE_DATA, FAILED_AT "
        f"FROM {failures} ORDER BY FAILED_AT DESC, RUN_ID, DOCUMENT_ID LIMIT 200"
    )
