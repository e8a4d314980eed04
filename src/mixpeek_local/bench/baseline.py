"""The integration guide's Quick Start, made to page through a whole collection: the baseline the bench beats.

The guide lists documents with the official `mixpeek` SDK, then runs one INSERT ... PARSE_JSON(...) per document
through `snowflake.connector`. Its `client.collections.documents.list` no longer exists in SDK 1.3; the same
request is `client.documents.list(collection_id, page_size=..., cursor=...)`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

GUIDE_PAGE_SIZE = 100
CREATE_TABLE = """
    CREATE TABLE IF NOT EXISTS mixpeek_documents (
        document_id VARCHAR,
        source_url VARCHAR,
        content_type VARCHAR,
        metadata VARIANT,
        created_at TIMESTAMP_NTZ
    )
"""
INSERT_DOCUMENT = """
    INSERT INTO mixpeek_documents
        (document_id, source_url, content_type, metadata, created_at)
    VALUES (%s, %s, %s, PARSE_JSON(%s), %s)
"""


@dataclass(frozen=True)
class QuickStartRun:
    """What the Quick Start pattern cost for one collection."""

    documents: int
    requests: int
    statements: int
    list_seconds: float
    insert_seconds: float

    @property
    def wall_seconds(self) -> float:
        """End to end: listing plus loading."""
        return self.list_seconds + self.insert_seconds


def list_all_documents(sdk: Any, collection_id: str, page_size: int = GUIDE_PAGE_SIZE) -> tuple[list[Any], int]:
    """Every document of a collection via the SDK's documents.list, following next_cursor; and the request count."""
    documents: list[Any] = []
    cursor: str | None = None
    requests = 0
    while True:
        page = sdk.documents.list(collection_id, page_size=page_size, cursor=cursor)
        requests += 1
        documents.extend(page["results"])
        cursor = (page.get("pagination") or {}).get("next_cursor")
        if not cursor:
            return documents, requests


def guide_row(doc: dict[str, Any]) -> tuple[Any, ...]:
    """The guide's parameters for one document, read exactly as the guide reads them."""
    return (
        doc.get("document_id"),
        doc.get("source", {}).get("url"),
        doc.get("content_type"),
        json.dumps(doc.get("metadata", {})),
        doc.get("created_at"),
    )


def insert_each(conn: Any, documents: list[Any]) -> int:
    """The guide's load: CREATE TABLE IF NOT EXISTS, one INSERT per document, COMMIT; returns the statement count."""
    cursor = conn.cursor()
    try:
        cursor.execute(CREATE_TABLE)
        for doc in documents:
            cursor.execute(INSERT_DOCUMENT, guide_row(doc))
        conn.commit()
    finally:
        cursor.close()
    return len(documents) + 2


def run_quick_start(sdk: Any, conn: Any, collection_id: str, page_size: int = GUIDE_PAGE_SIZE) -> QuickStartRun:
    """Run the Quick Start end to end with an SDK client and an open connection (connecting is not timed)."""
    started = time.perf_counter()
    documents, requests = list_all_documents(sdk, collection_id, page_size)
    listed = time.perf_counter()
    statements = insert_each(conn, documents)
    return QuickStartRun(
        documents=len(documents),
        requests=requests,
        statements=statements,
        list_seconds=listed - started,
        insert_seconds=time.perf_counter() - listed,
    )


def connect(connect_kwargs: dict[str, Any], database: str, schema: str = "PUBLIC") -> Any:
    """A snowflake.connector connection as the guide opens it, with the database and schema in place."""
    import snowflake.connector

    conn = snowflake.connector.connect(**connect_kwargs, database=database, schema=schema)
    cursor = conn.cursor()
    for statement in (
        f'CREATE DATABASE IF NOT EXISTS "{database}"',
        f'CREATE SCHEMA IF NOT EXISTS "{database}"."{schema}"',
        f'USE SCHEMA "{database}"."{schema}"',
    ):
        cursor.execute(statement)
    cursor.close()
    return conn


def quick_start(
    api: tuple[str, str, str], connect_kwargs: dict[str, Any], database: str, collection_id: str
) -> QuickStartRun:
    """Connect as the guide does and run the Quick Start; api is (api_key, base_url without /v1, namespace).

    The benchmark runs this in a process of its own: the SDK's many models would otherwise swell the sync's
    heap and every garbage collection the sync triggers.
    """
    conn = connect(connect_kwargs, database)
    try:
        return run_quick_start(sdk_client(*api), conn, collection_id)
    finally:
        conn.close()


def sdk_client(api_key: str, base_url: str, namespace: str) -> Any:
    """The official SDK's client for an API root (base_url without /v1)."""
    from mixpeek import Mixpeek

    return Mixpeek(api_key=api_key, base_url=f"{base_url.rstrip('/')}/v1", namespace=namespace, timeout=60)
