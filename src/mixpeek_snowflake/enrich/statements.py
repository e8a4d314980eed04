"""The enrichment's tables and every SQL statement it runs, with qmark parameters and quoted identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from mixpeek_snowflake.snowflake.ddl import create_table
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.tables import Column, TableSpec
from mixpeek_snowflake.snowflake.timestamps import BOUND_TIMESTAMP as AT

ENRICH_STATE = TableSpec(
    name="MIXPEEK_ENRICH_STATE",
    comment="What enrich_mixpeek_documents last pushed to each Mixpeek document, so unchanged rows are skipped",
    columns=(
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id (col_…)", not_null=True),
        Column(
            "MAPPING_ID",
            "VARCHAR",
            "Hash of the key field and the metadata keys written; each column mapping keeps its own state",
            not_null=True,
        ),
        Column("DOCUMENT_ID", "VARCHAR", "Mixpeek document the values were pushed to", not_null=True),
        Column(
            "KEY_VALUE", "VARCHAR", "SHA-256 hex of the source key that matched the document: SHA2(key as text, 256)"
        ),
        Column(
            "VALUES_HASH",
            "VARCHAR",
            "SHA-256 of the update_data Mixpeek confirmed; a row is sent again only when it changes",
            not_null=True,
        ),
        Column("SOURCE", "VARCHAR", "Source table, or the start of the source query"),
        Column("LAST_RUN_ID", "VARCHAR", "Enrichment run that last pushed the values", not_null=True),
        Column("PUSHED_AT", "TIMESTAMP_NTZ", "When Mixpeek confirmed the values (UTC)", not_null=True),
    ),
)

ENRICH_FAILURES = TableSpec(
    name="MIXPEEK_ENRICH_FAILURES",
    comment="Rows and documents an enrichment run could not push, with the reason; the rest of the run went on",
    columns=(
        Column("RUN_ID", "VARCHAR", "Enrichment run", not_null=True),
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id"),
        Column("SOURCE", "VARCHAR", "Source table, or the start of the source query"),
        Column(
            "KEY_VALUE", "VARCHAR", "SHA-256 hex of the source key: SHA2(key as text, 256); NULL when the key was NULL"
        ),
        Column("DOCUMENT_ID", "VARCHAR", "Mixpeek document, when the key matched one"),
        Column("REASON", "VARCHAR", "Why nothing was pushed for it", not_null=True),
        Column("UPDATE_DATA", "VARIANT", "The JSON type of each dotted key of the refused update, never its value"),
        Column("FAILED_AT", "TIMESTAMP_NTZ", "When (UTC)", not_null=True),
    ),
)

CURRENT_CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
_ROWS = "(SELECT PARSE_JSON(?) AS J) j, LATERAL FLATTEN(INPUT => j.J) f"
_STATE_COLUMNS = ("KEY_VALUE", "VALUES_HASH", "SOURCE", "LAST_RUN_ID", "PUSHED_AT")


@dataclass(frozen=True)
class EnrichTables:
    """The two bookkeeping tables of enrich_mixpeek_documents, side by side in one schema."""

    state: TableName
    failures: TableName

    @classmethod
    def in_schema(cls, database: str, schema: str) -> EnrichTables:
        """Both tables in DATABASE.SCHEMA."""
        place = TableName(ENRICH_STATE.name, schema, database)
        return cls(state=place, failures=place.sibling(ENRICH_FAILURES.name))

    def creation(self) -> list[str]:
        """CREATE TABLE IF NOT EXISTS for both tables."""
        return [create_table(ENRICH_STATE, self.state), create_table(ENRICH_FAILURES, self.failures)]

    def probe_state(self) -> str:
        """Fails when the state table does not exist yet (a dry run creates nothing)."""
        return f"SELECT 1 FROM {self.state.sql} LIMIT 1"

    def stored_hashes(self) -> str:
        """Params: collection, mapping_id, JSON array of document ids. Rows: DOCUMENT_ID, VALUES_HASH."""
        return (
            f"SELECT DOCUMENT_ID, VALUES_HASH FROM {self.state.sql} WHERE COLLECTION_ID = ? AND MAPPING_ID = ? "
            f"AND DOCUMENT_ID IN (SELECT f.VALUE::VARCHAR FROM {_ROWS})"
        )

    def merge_state(self) -> str:
        """Params: collection, mapping_id, source, run_id, pushed_at, JSON array of {document_id, key, hash}.

        The array must hold each document once (the engine sends a document once per run).
        """
        t = self.state.sql
        source = (
            "SELECT ? AS COLLECTION_ID, ? AS MAPPING_ID, f.VALUE:document_id::VARCHAR AS DOCUMENT_ID, "
            "f.VALUE:key::VARCHAR AS KEY_VALUE, f.VALUE:hash::VARCHAR AS VALUES_HASH, ? AS SOURCE, "
            f"? AS LAST_RUN_ID, {AT} AS PUSHED_AT FROM {_ROWS}"
        )
        on = " AND ".join(f"{t}.{c} = s.{c}" for c in ("COLLECTION_ID", "MAPPING_ID", "DOCUMENT_ID"))
        updates = ", ".join(f"{c} = s.{c}" for c in _STATE_COLUMNS)
        names = ("COLLECTION_ID", "MAPPING_ID", "DOCUMENT_ID", *_STATE_COLUMNS)
        return (
            f"MERGE INTO {t} USING ({source}) s ON {on} WHEN MATCHED THEN UPDATE SET {updates} "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) VALUES ({', '.join('s.' + n for n in names)})"
        )

    def expire_failures(self) -> str:
        """Params: cutoff timestamp. Deletes the failure rows recorded before it."""
        return f"DELETE FROM {self.failures.sql} WHERE FAILED_AT < {AT}"

    def insert_failures(self) -> str:
        """Params: run_id, collection, source, failed_at, JSON array of {key, document_id, reason, update_data}."""
        return (
            f"INSERT INTO {self.failures.sql} (RUN_ID, COLLECTION_ID, SOURCE, FAILED_AT, KEY_VALUE, DOCUMENT_ID, "
            f"REASON, UPDATE_DATA) SELECT ?, ?, ?, {AT}, f.VALUE:key::VARCHAR, "
            f"f.VALUE:document_id::VARCHAR, f.VALUE:reason::VARCHAR, f.VALUE:update_data FROM {_ROWS}"
        )


ENRICH_INBOX = TableSpec(
    name="MIXPEEK_INBOX",
    comment=(
        "Rows a caller's-rights enrich_mixpeek_documents read as its caller, waiting for the owner's-rights push; "
        "callers may INSERT only, and each run deletes its own rows"
    ),
    columns=(
        Column("TOKEN", "VARCHAR", "Random secret of one run; never written anywhere a caller can read", not_null=True),
        Column("SEQ", "NUMBER(38,0)", "0: the request; 1…n: the rows grouped by key, in key order", not_null=True),
        Column("ITEM", "VARIANT", "The request (SEQ 0) or one key's row: key, update_data, row number, problem"),
        Column("CREATED_AT", "TIMESTAMP_NTZ", "When the caller wrote it (UTC)"),
    ),
    transient=True,
)
_INBOX_ROWS = "(SELECT PARSE_JSON(?) AS J) j, LATERAL FLATTEN(INPUT => j.J) f"


@dataclass(frozen=True)
class EnrichInbox:
    """The hand-over table between the caller's-rights read and the owner's-rights push, in the bundle schema."""

    table: TableName

    @classmethod
    def in_schema(cls, database: str, schema: str) -> EnrichInbox:
        """The inbox of the bundle schema DATABASE.SCHEMA."""
        return cls(TableName(ENRICH_INBOX.name, schema, database))

    def creation(self) -> str:
        """CREATE TRANSIENT TABLE IF NOT EXISTS (the deploy creates it; the owner's side creates it locally)."""
        return create_table(ENRICH_INBOX, self.table)

    def probe(self) -> str:
        """Fails when the inbox does not exist yet."""
        return f"SELECT 1 FROM {self.table.sql} LIMIT 1"

    def insert(self) -> str:
        """Params: token, created_at, JSON array of {seq, item}. Needs INSERT only, as a caller has."""
        return (
            f"INSERT INTO {self.table.sql} (TOKEN, SEQ, ITEM, CREATED_AT) SELECT ?, f.VALUE:seq::NUMBER(38,0), "
            f"f.VALUE:item, {AT} FROM {_INBOX_ROWS}"
        )

    def items(self) -> str:
        """Params: token, first seq, last seq. Rows: SEQ, ITEM as JSON text, in order."""
        return f"SELECT SEQ, TO_JSON(ITEM) FROM {self.table.sql} WHERE TOKEN = ? AND SEQ BETWEEN ? AND ? ORDER BY SEQ"

    def clear(self) -> str:
        """Params: token. Deletes the run's rows."""
        return f"DELETE FROM {self.table.sql} WHERE TOKEN = ?"

    def expire(self) -> str:
        """Params: cutoff timestamp. Deletes rows a run that never reached its push left behind."""
        return f"DELETE FROM {self.table.sql} WHERE CREATED_AT < {AT}"
