"""Procedure handlers snowflake.yml names: parse arguments, wire collaborators, run an engine, return its summary."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from mixpeek_snowflake.enrich.engine import Enrichment, EnrichmentFailed
from mixpeek_snowflake.enrich.handoff import Arguments, check_token, clear, hand_over, new_token, receive, rows_source
from mixpeek_snowflake.enrich.source import describe, plan_source
from mixpeek_snowflake.enrich.statements import CURRENT_CONTEXT, EnrichInbox
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.ingest.engine import Ingestion
from mixpeek_snowflake.ingest.options import parse_ingest_request
from mixpeek_snowflake.mixpeek.client import DEFAULT_BASE_URL, MixpeekClient
from mixpeek_snowflake.operate.options import parse_pair, parse_reason, parse_run_id, parse_target_request
from mixpeek_snowflake.operate.scheduler import Scheduler
from mixpeek_snowflake.operate.targets import Targets
from mixpeek_snowflake.operate.unlock import Unlock
from mixpeek_snowflake.snowflake import runtime
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName, validate_part
from mixpeek_snowflake.snowflake.timestamps import utc_now
from mixpeek_snowflake.sync.engine import Sync
from mixpeek_snowflake.sync.label_refresh import LabelRefresh
from mixpeek_snowflake.sync.options import parse_reset_request, parse_sync_request
from mixpeek_snowflake.sync.reset import Reset
from mixpeek_snowflake.views.builder import ViewBuilder
from mixpeek_snowflake.views.options import parse_view_request

BUNDLE_SCHEMA = "MIXPEEK.CORE"
NOTHING_SENT = "The 0 update(s) Mixpeek confirmed before the stop are kept; nothing was sent"


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
    sync = Sync(Database(session), request)
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
    refresh = LabelRefresh(Database(session), request)
    namespace = refresh.prepare()
    with mixpeek_client(request.options.base_url, namespace) as client:
        return refresh.run(client)


def reset_mixpeek_sync(session: Any, collection_id: str, target_table: str = "MIXPEEK_DOCUMENTS") -> dict[str, Any]:
    """CALL reset_mixpeek_sync(collection_id, target_table): forget the pair's state; the next sync runs full."""
    collection, target = parse_reset_request(collection_id, target_table)
    return Reset(Database(session), collection, target).run()


def enrich_mixpeek_documents(
    session: Any,
    collection_id: str,
    source: str,
    key_column: str,
    options: Any = None,
    bundle_schema: str = BUNDLE_SCHEMA,
) -> dict[str, Any]:
    """CALL enrich_mixpeek_documents(collection_id, source, key_column, options) → run summary VARIANT.

    Caller's rights: the source is described and read as the caller, through its masking and row access policies,
    and its rows handed to enrich_mixpeek_push (owner's rights), which pushes them. bundle_schema is set at deploy.
    """
    arguments = Arguments(collection_id, source, key_column, options)
    request = arguments.parsed()
    columns = describe(session, request.source.sql, request.source.display)
    plan = plan_source(request, columns)
    home = bundle_home(session, bundle_schema)
    inbox = EnrichInbox.in_schema(*home)
    prepare_inbox(session, inbox)
    token = new_token()
    failure: EnrichmentFailed | None = None
    try:
        hand_over(Database(session), inbox, token, arguments, columns, plan, request.source.display, utc_now())
    except MixpeekSnowflakeError as exc:
        failure = EnrichmentFailed(f"enrichment stopped after 0 complete batch(es): {exc}. {NOTHING_SENT}")
    except BaseException:
        push(session, home, token)
        raise
    if failure is not None:
        push(session, home, token)
        raise failure
    return push(session, home, token)


def enrich_mixpeek_push(session: Any, token: str) -> dict[str, Any]:
    """CALL enrich_mixpeek_push(token): owner's rights; push what enrich_mixpeek_documents handed over, then clear it.

    Reads the inbox only, never the source; a token with nothing waiting clears its rows and pushes nothing.
    """
    db = Database(session)
    inbox = EnrichInbox.in_schema(*own_schema(db))
    token = check_token(token)
    try:
        received = receive(db, inbox, token)
        if received is None:
            return {"status": "NOTHING_WAITING", "token": "[redacted]"}
        request, plan = received.request, received.plan
        with mixpeek_client(request.options.base_url, request.options.namespace) as client:
            rows = rows_source(db, inbox, token, received.keys)
            enrichment = Enrichment(Database(session), client, request, plan, source_rows=rows)
            enrichment.counts.rows_read = received.rows_read
            return enrichment.run()
    finally:
        clear(db, inbox, token, utc_now())


def bundle_home(session: Any, bundle_schema: str) -> tuple[str, str]:
    """The bundle's DATABASE.SCHEMA: deploy's argument inside Snowflake; outside, the owner session's schema."""
    if runtime.inside_snowflake():
        parts = bundle_schema.split(".") if isinstance(bundle_schema, str) else []
        if len(parts) != 2:
            raise InvalidArgument("bundle_schema", f"{bundle_schema!r} is not allowed; expected DATABASE.SCHEMA")
        return validate_part(parts[0], "bundle_schema"), validate_part(parts[1], "bundle_schema")
    return own_schema(Database(owner_session(session)))


def own_schema(db: Database) -> tuple[str, str]:
    """The current database and schema: an owner's-rights procedure's own."""
    database, schema = db.first(CURRENT_CONTEXT) or (None, None)
    if not database or not schema:
        raise MixpeekSnowflakeError("the procedure has no current database and schema for its inbox")
    return str(database), str(schema)


def owner_session(session: Any) -> Any:
    """Outside Snowflake one session plays both rights; a local rights model hands out its owner side."""
    return getattr(session, "owner_session", session)


def prepare_inbox(session: Any, inbox: EnrichInbox) -> None:
    """Outside Snowflake create the inbox as the owner (inside, the deploy did: callers may only INSERT)."""
    if runtime.inside_snowflake():
        return
    owner = Database(owner_session(session))
    try:
        owner.rows(inbox.probe())
    except Exception:
        owner.rows(inbox.creation())


def push(session: Any, home: tuple[str, str], token: str) -> dict[str, Any]:
    """Run enrich_mixpeek_push: a nested CALL inside Snowflake, the handler on the owner's session outside."""
    if not runtime.inside_snowflake():
        return enrich_mixpeek_push(owner_session(session), token)
    procedure = TableName("ENRICH_MIXPEEK_PUSH", home[1], home[0]).sql
    result = session.sql(f"CALL {procedure}(?)", params=[token]).collect()[0][0]
    return json.loads(result) if isinstance(result, str) else dict(result)


def create_mixpeek_views(session: Any, collection_id: str, options: Any = None) -> dict[str, Any]:
    """CALL create_mixpeek_views(collection_id, options) → summary VARIANT: the views and their columns."""
    request = parse_view_request(collection_id, options)
    with mixpeek_client(request.options.base_url, request.options.namespace) as client:
        return ViewBuilder(Database(session), client, request).run()


def ingest_stage_files(session: Any, stage: str, bucket_id: str, options: Any = None) -> dict[str, Any]:
    """CALL ingest_stage_files(stage, bucket_id, options): send the stage's new and changed files to the bucket."""
    request = parse_ingest_request(stage, bucket_id, options)
    ingestion = Ingestion(Database(session), request)
    ingestion.prepare()
    with mixpeek_client(request.options.base_url, request.options.namespace) as client:
        return ingestion.run(client)


def _check_sync_options(collection_id: str, target_table: str, options: dict[str, Any]) -> None:
    parse_sync_request(collection_id, target_table, "incremental", options or None)


def add_mixpeek_target(session: Any, collection_id: str, target_table: str, options: Any = None) -> dict[str, Any]:
    """CALL add_mixpeek_target(collection_id, target_table, options): a new target for run_due_mixpeek_syncs."""
    request = parse_target_request(collection_id, target_table, options, _check_sync_options)
    return Targets(Database(session)).add(request)


def change_mixpeek_target(session: Any, collection_id: str, target_table: str, options: Any = None) -> dict[str, Any]:
    """CALL change_mixpeek_target(collection_id, target_table, options): change its schedule or sync options."""
    request = parse_target_request(collection_id, target_table, options, _check_sync_options)
    return Targets(Database(session)).change(request)


def pause_mixpeek_target(session: Any, collection_id: str, target_table: str, reason: str) -> dict[str, Any]:
    """CALL pause_mixpeek_target(collection_id, target_table, reason): the scheduler skips it until resumed."""
    collection, target = parse_pair(collection_id, target_table)
    return Targets(Database(session)).pause(collection, target, parse_reason(reason))


def resume_mixpeek_target(session: Any, collection_id: str, target_table: str) -> dict[str, Any]:
    """CALL resume_mixpeek_target(collection_id, target_table): enable a paused target again."""
    collection, target = parse_pair(collection_id, target_table)
    return Targets(Database(session)).resume(collection, target)


def remove_mixpeek_target(session: Any, collection_id: str, target_table: str) -> dict[str, Any]:
    """CALL remove_mixpeek_target(collection_id, target_table): forget it (its table, state and runs stay)."""
    collection, target = parse_pair(collection_id, target_table)
    return Targets(Database(session)).remove(collection, target)


def run_due_mixpeek_syncs(session: Any) -> dict[str, Any]:
    """CALL run_due_mixpeek_syncs(): sync every due, enabled target; one entry per target in the summary."""

    def run_sync(collection_id: str, target_table: str, mode: str, options: dict[str, Any]) -> dict[str, Any]:
        return sync_mixpeek_collection(session, collection_id, target_table, mode, options or None)

    return Scheduler(Targets(Database(session)), run_sync).run()


def unlock_mixpeek_sync(session: Any, collection_id: str, target_table: str, run_id: str) -> dict[str, Any]:
    """CALL unlock_mixpeek_sync(collection_id, target_table, run_id): free the lease a stopped run still holds."""
    collection, target = parse_pair(collection_id, target_table)
    return Unlock(Database(session), collection, target, parse_run_id(run_id)).run()
