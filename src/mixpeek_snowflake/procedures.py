"""Procedure handlers snowflake.yml names: parse arguments, wire collaborators, run an engine, return its summary."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from mixpeek_snowflake.enrich.engine import Enrichment
from mixpeek_snowflake.enrich.options import parse_enrich_request
from mixpeek_snowflake.enrich.source import describe, plan_source
from mixpeek_snowflake.mixpeek.client import DEFAULT_BASE_URL, MixpeekClient
from mixpeek_snowflake.snowflake import runtime
from mixpeek_snowflake.snowflake.database import for_procedure
from mixpeek_snowflake.sync.engine import Sync
from mixpeek_snowflake.sync.label_refresh import LabelRefresh
from mixpeek_snowflake.sync.options import parse_reset_request, parse_sync_request
from mixpeek_snowflake.sync.reset import Reset
from mixpeek_snowflake.views.builder import ViewBuilder
from mixpeek_snowflake.views.options import parse_view_request


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects that exist before the sync out of its garbage collections (they are scanned for nothing)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def mixpeek_client(
    base_url: str | None, namespace: str | None, session: requests.Session | None = None
) -> MixpeekClient:
    """A client for the configured API; reads the secret, so call it on the main thread."""
    return MixpeekClient(
        runtime.api_key(),
        base_url=base_url or runtime.default_base_url() or DEFAULT_BASE_URL,
        namespace=namespace or runtime.default_namespace(),
        session=session,
    )


def sync_mixpeek_collection(
    session: Any,
    collection_id: str,
    target_table: str = "MIXPEEK_DOCUMENTS",
    mode: str = "incremental",
    options: Any = None,
) -> dict[str, Any]:
    """CALL sync_mixpeek_collection(collection_id, target_table, mode, options) → run summary VARIANT."""
    request = parse_sync_request(collection_id, target_table, mode, options)
    sync = Sync(for_procedure(session, "sync_mixpeek_collection"), request)
    namespace = sync.prepare()
    with mixpeek_client(request.options.base_url, namespace) as client, frozen_heap():
        return sync.run(client)


def refresh_mixpeek_labels(
    session: Any,
    collection_id: str,
    target_table: str = "MIXPEEK_DOCUMENTS",
    options: Any = None,
) -> dict[str, Any]:
    """CALL refresh_mixpeek_labels(collection_id, target_table, options): rebuild the collection's labels."""
    request = parse_sync_request(collection_id, target_table, "full", options)
    refresh = LabelRefresh(for_procedure(session, "refresh_mixpeek_labels"), request)
    namespace = refresh.prepare()
    with mixpeek_client(request.options.base_url, namespace) as client:
        return refresh.run(client)


def reset_mixpeek_sync(session: Any, collection_id: str, target_table: str = "MIXPEEK_DOCUMENTS") -> dict[str, Any]:
    """CALL reset_mixpeek_sync(collection_id, target_table): forget the pair's state; the next sync runs full."""
    collection, target = parse_reset_request(collection_id, target_table)
    return Reset(for_procedure(session, "reset_mixpeek_sync"), collection, target).run()


def enrich_mixpeek_documents(
    session: Any, collection_id: str, source: str, key_column: str, options: Any = None
) -> dict[str, Any]:
    """CALL enrich_mixpeek_documents(collection_id, source, key_column, options) → run summary VARIANT."""
    request = parse_enrich_request(collection_id, source, key_column, options)
    db = for_procedure(session, "enrich_mixpeek_documents")
    plan = plan_source(request, describe(session, request.source.sql, request.source.display))
    with mixpeek_client(request.options.base_url, request.options.namespace) as client:
        return Enrichment(db, client, request, plan).run()


def create_mixpeek_views(session: Any, collection_id: str, options: Any = None) -> dict[str, Any]:
    """CALL create_mixpeek_views(collection_id, options) → summary VARIANT: the views and their columns."""
    request = parse_view_request(collection_id, options)
    db = for_procedure(session, "create_mixpeek_views")
    with mixpeek_client(request.options.base_url, request.options.namespace) as client:
        return ViewBuilder(db, client, request).run()
