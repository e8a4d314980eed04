"""Handlers snowflake.yml names: parse arguments, wire collaborators, run an engine, return its summary."""

from __future__ import annotations

from typing import Any

from . import runtime
from .client import DEFAULT_BASE_URL, MixpeekClient
from .database import Database
from .label_refresh import LabelRefresh
from .options import SyncOptions, parse_sync_request
from .sync import Sync


def build_client(options: SyncOptions) -> MixpeekClient:
    """A client for the configured API; reads the secret, so call it on the main thread."""
    base_url = options.base_url or runtime.default_base_url() or DEFAULT_BASE_URL
    namespace = options.namespace or runtime.default_namespace()
    return MixpeekClient(runtime.api_key(), base_url=base_url, namespace=namespace)


def sync_mixpeek_collection(
    session: Any,
    collection_id: str,
    target_table: str = "MIXPEEK_DOCUMENTS",
    mode: str = "incremental",
    options: Any = None,
) -> dict[str, Any]:
    """CALL sync_mixpeek_collection(collection_id, target_table, mode, options) → run summary VARIANT."""
    request = parse_sync_request(collection_id, target_table, mode, options)
    with build_client(request.options) as client:
        return Sync(Database(session), client, request).run()


def refresh_mixpeek_labels(
    session: Any,
    collection_id: str,
    target_table: str = "MIXPEEK_DOCUMENTS",
    options: Any = None,
) -> dict[str, Any]:
    """CALL refresh_mixpeek_labels(collection_id, target_table, options): rebuild the collection's labels."""
    request = parse_sync_request(collection_id, target_table, "full", options)
    with build_client(request.options) as client:
        return LabelRefresh(Database(session), client, request).run()
