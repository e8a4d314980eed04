"""The API key stays secret: in no table, run row, summary, error, log record or access log, and never sent
anywhere but the configured base URL; every request carries the bearer token and the namespace."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from local_world import closed_port, create_mixpeek_views, fresh_session, serving, sync_mixpeek_collection
from reliability.world import API_KEY, NAMESPACE, TARGET

from mixpeek_local import verify
from mixpeek_local.emulator import Fault, Store, seed_collection
from mixpeek_local.soak.faults import CrashingSession, InjectedCrash, crash_point
from mixpeek_local.soak.run import product_tables
from mixpeek_snowflake import arguments
from mixpeek_snowflake.arguments import base_url_option
from mixpeek_snowflake.errors import (
    InvalidArgument,
    MixpeekAPIError,
    MixpeekTransportError,
    PaginationLoopError,
    redact_fragments,
)
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.views.builder import ViewBuilder
from mixpeek_snowflake.views.options import parse_view_request

FULL = {"partitions": 1, "page_size": 10}
LOGGERS = ("", "mixpeek_snowflake", "urllib3", "requests", "snowflake.connector", "snowflake.snowpark", "fakesnow")


class Elsewhere(ThreadingHTTPServer):
    """Another host (127.0.0.2): records every request it gets, and whether it carried an Authorization header."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.2", 0), _Recorder)
        self.seen: list[tuple[str, str, bool]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.2:{self.server_address[1]}"


class _Recorder(BaseHTTPRequestHandler):
    server: Elsewhere

    def do_GET(self) -> None:
        self.server.seen.append((self.command, self.path, "Authorization" in self.headers))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def elsewhere() -> Iterator[Elsewhere]:
    server = Elsewhere()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def error_texts(error: BaseException) -> list[str]:
    """What an error can show: its text, repr and traceback, through its whole chain of causes."""
    texts = ["".join(traceback.format_exception(error))]
    while error is not None:
        texts += [str(error), repr(error), repr(error.args)]
        error = error.__cause__ or error.__context__
    return texts


def everything_written(world, caplog) -> list[str]:
    """Every row of every table in the schema (run log included), every log record, every access-log line."""
    texts = [json.dumps(verify.snapshot(world.session, TARGET))]
    runs = verify.tables_of(TARGET).runs.sql
    texts += [str(row) for row in world.session.sql(f"SELECT * FROM {runs}").collect()]
    texts += [caplog.text, *(repr(record.__dict__) for record in caplog.records)]
    texts += [repr(record) for record in world.emulator.requests]
    return texts


def leak(text: str) -> str:
    """The text around the key, to show where it leaked."""
    at = text.lower().find(API_KEY.lower())
    return text[max(0, at - 100) : at + 100]


def failure_paths(world, elsewhere: Elsewhere) -> Iterator[tuple[str, Any, type[BaseException], str]]:
    """Each failure path, armed in turn; yields its name, how to run it, and the error type and message it must
    fail with."""
    echo = f"invalid API key {API_KEY}; also tried Bearer {API_KEY.upper()}"
    listing = "POST /v1/collections/col_reliable001/documents/list"
    faults = {
        "5xx until the retries run out": (
            Fault("status", status=500, times=50, after=1),
            MixpeekAPIError,
            rf"^Mixpeek API error 500 \w+ on {listing}: ",
        ),
        "connection dropped until the retries run out": (
            Fault("drop", times=50),
            MixpeekTransportError,
            rf"^could not complete {listing} at 127\.0\.0\.1: ConnectionError: .*Remote end closed connection",
        ),
        "invalid JSON until the retries run out": (
            Fault("invalid_json", times=50, after=1),
            MixpeekTransportError,
            rf"^Mixpeek answered 200 to {listing} with a body that is not valid JSON \(\d+ bytes, possibly truncated\)",
        ),
        "401 echoing the key": (
            Fault("status", path_contains="/v1/collections/", status=401, message=echo),
            MixpeekAPIError,
            r"^Mixpeek API error 401 .*invalid API key \[redacted\]; also tried Bearer \[redacted\].*check the",
        ),
        "422 echoing the key": (
            Fault("status", status=422, message=echo, after=1),
            MixpeekAPIError,
            rf"^Mixpeek API error 422 \w+ on {listing}: invalid API key \[redacted\]",
        ),
        "redirect elsewhere": (
            Fault("redirect", status=307, location=f"{elsewhere.url}/v1/steal?key={API_KEY}"),
            MixpeekAPIError,
            rf"^Mixpeek API error 307 Redirect on {listing}: refused to follow a redirect to 127\.0\.0\.2, so the API",
        ),
        "repeated cursor": (Fault("repeat_cursor", after=1), PaginationLoopError, r"^Loop detected .*cursor"),
    }
    for name, (fault, error, message) in faults.items():
        world.emulator.inject(fault)
        yield name, lambda: world.sync("full", **FULL), error, message
        world.emulator.clear_faults()
    crashing = CrashingSession(world.session, crash_point("merge", product_tables(TARGET)), "merge")
    yield "statement failure", lambda: world.sync("full", session=crashing, **FULL), InjectedCrash, "merge"
    unreachable = f"http://127.0.0.1:{closed_port()}"
    yield (
        "API unreachable",
        lambda: world.sync("full", base_url=unreachable, **FULL),
        MixpeekTransportError,
        r"^could not complete GET /v1/collections/col_reliable001 at 127\.0\.0\.1: connection refused; is the Mixpeek",
    )


def test_the_key_appears_nowhere_on_success_or_any_failure(ready, every_log, elsewhere):
    texts = [json.dumps(ready.sync("full", partitions=3, page_size=10))]
    ready.change_some()
    errors = {}
    for name, run, error, message in failure_paths(ready, elsewhere):
        with pytest.raises(error, match=message) as caught:
            run()
        assert type(caught.value) is error, name
        errors[name] = caught.value
        texts += error_texts(caught.value)
    assert [errors[name].status for name in ("5xx until the retries run out", "401 echoing the key")] == [500, 401]
    texts.append(json.dumps(ready.sync("incremental", partitions=2, page_size=10)))
    texts += everything_written(ready, every_log)
    leaks = [
        text[max(0, text.lower().find(API_KEY.lower()) - 80) :][:200]
        for text in texts
        if API_KEY.lower() in text.lower()
    ]
    assert leaks == []
    assert "[redacted]" in str(errors["401 echoing the key"]) and "[redacted]" in str(errors["422 echoing the key"])
    assert elsewhere.seen == []
    assert "mixpeek_snowflake" in every_log.text and "urllib3" in {r.name.split(".")[0] for r in every_log.records}
    ready.assert_matches_truth()


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_to_another_host_is_refused_and_the_key_never_leaves(env, elsewhere, status):
    env.emulator.inject(Fault("redirect", status=status, location=f"{elsewhere.url}/v1/collections/x", after=1))
    error = env.fails_cleanly(lambda: env.sync("full", **FULL), "refused to follow a redirect", MixpeekAPIError)
    assert "127.0.0.2" in str(error) and error.status == status
    assert elsewhere.seen == []


def test_a_same_host_redirect_is_refused_too(env):
    env.emulator.inject(Fault("redirect", status=302, path_contains="/v1/collections/", location="/v1/health"))
    env.fails_cleanly(lambda: env.sync("full", **FULL), "refused to follow a redirect", MixpeekAPIError)
    assert env.requests_to("/v1/health") == []


@pytest.mark.parametrize("cursor", ["{elsewhere}/v1/steal", "//127.0.0.2/steal", "../../../v1/me"])
def test_a_next_cursor_cannot_send_the_key_elsewhere(env, elsewhere, cursor):
    def poison(number: int, page: dict[str, Any]) -> dict[str, Any]:
        pagination = {**page["pagination"], "next_cursor": cursor.format(elsewhere=elsewhere.url)}
        return {**page, "pagination": pagination}

    since = len(env.emulator.requests)
    env.slot.hook = poison
    env.fails_cleanly(lambda: env.sync("full", **FULL), "422", MixpeekAPIError)
    env.slot.hook = None
    assert elsewhere.seen == []
    listed = env.requests_to("/documents/list", since)
    assert len(listed) == 2 and {r.path for r in listed} == {f"/v1/collections/{env.collection}/documents/list"}


def test_every_request_carries_the_namespace_and_an_accepted_bearer_token(ready):
    since = len(ready.emulator.requests)
    ready.change_some()
    ready.sync("incremental", partitions=4, page_size=5)
    ready.sync("full", partitions=3, page_size=7)
    sent = ready.emulator.requests[since:]
    assert len(sent) > 10
    assert all(r.namespace == NAMESPACE for r in sent)
    assert all(r.status == 200 for r in sent)
    assert not [r for r in sent if API_KEY in r.path or API_KEY in r.query]
    ready.assert_matches_truth()


def test_the_emulator_refuses_a_wrong_bearer_token_and_says_so(env, monkeypatch):
    monkeypatch.setenv("MIXPEEK_API_KEY", "mxp_wrong_key_31c7")
    error = env.fails_cleanly(lambda: env.sync("full"), "401", MixpeekAPIError)
    assert error.status == 401 and "API key was rejected" in str(error) and "mxp_wrong_key_31c7" not in str(error)


def hostile(target: Path) -> str:
    """A comment that, formatted unescaped into fakesnow's INSERT, drops the documents table and writes a file."""
    return f"x'); DROP TABLE MIXPEEK_DOCUMENTS; COPY (SELECT 'pwned') TO '{target}'; --"


def test_a_hostile_table_comment_or_column_name_is_data_on_the_local_engine(engine, tmp_path):
    written = tmp_path / "table.csv"
    with fresh_session(engine, "SECC") as session:
        session.sql("CREATE TABLE MIXPEEK_DOCUMENTS (A INT)").collect()
        comment = hostile(written)
        session.sql(f"CREATE TABLE NOTES (A INT) COMMENT = '{comment.replace(chr(39), chr(39) * 2)}'").collect()
        session.sql(f'CREATE TABLE SIZED ("{hostile(written)}" VARCHAR(10))').collect()
        stored = session.sql("SELECT COMMENT FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'NOTES'").collect()
        assert [r[0] for r in stored] == [comment]
        assert session.sql("SELECT COUNT(*) FROM MIXPEEK_DOCUMENTS").collect()[0][0] == 0
    assert not written.exists()


def test_a_hostile_collection_and_field_name_reach_view_comments_as_data(engine, monkeypatch, tmp_path):
    store = Store()
    collection = seed_collection(store, documents=12, seed=3, namespace=NAMESPACE, collection_id="col_hostile001")
    shape = store.get_collection(collection)
    name, field = hostile(tmp_path / "name.csv"), hostile(tmp_path / "field.csv")
    schema = {"properties": {"title": {"type": "string", "description": field}}}
    store.add_collection({**shape, "collection_name": name, "output_schema": schema}, namespace=NAMESPACE)
    with serving(store, monkeypatch, API_KEY, NAMESPACE), fresh_session(engine, "SECV") as session:
        synced = sync_mixpeek_collection(session, collection, "MIXPEEK_DOCUMENTS", "full", None)
        made = create_mixpeek_views(session, collection, None)
        comments = session.sql("SELECT COMMENT FROM _FS_GLOBAL._FS_INFORMATION_SCHEMA._FS_TABLES_EXT").collect()
        assert any(name in (r[0] or "") for r in comments)
        count = session.sql("SELECT COUNT(*) FROM MIXPEEK_DOCUMENTS").collect()[0][0]
    assert made["collection_name"] == name and count == synced["inserted"] == 12
    assert not (tmp_path / "name.csv").exists() and not (tmp_path / "field.csv").exists()


@pytest.fixture
def in_snowflake(monkeypatch):
    """Make the bundle believe it runs in a Snowflake procedure (the _snowflake module exists)."""
    monkeypatch.setitem(sys.modules, "_snowflake", types.ModuleType("_snowflake"))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://api.mixpeek.com:443", "clear text"),
        ("http://api.mixpeek.com", "clear text"),
        ("https://evil.example.com", "host evil.example.com is not the configured Mixpeek API host"),
        ("https://api.mixpeek.com.evil.example.com", "not the configured Mixpeek API host"),
        ("https://api.mixpeek.com:8443", "port 8443"),
        ("https://api.mixpeek.com:99999", "port is not a number"),
    ],
)
def test_a_base_url_that_could_leak_the_key_is_refused(url, problem, monkeypatch):
    monkeypatch.delenv("MIXPEEK_BASE_URL", raising=False)
    with pytest.raises(InvalidArgument) as caught:
        base_url_option("base_url", url)
    assert caught.value.argument == "option base_url" and problem in caught.value.problem


def test_inside_snowflake_only_https_to_the_api_host(in_snowflake):
    assert base_url_option("base_url", "https://api.mixpeek.com/v1") == "https://api.mixpeek.com/v1"
    for url in ("http://127.0.0.1:8080", "http://localhost", "https://127.0.0.1"):
        with pytest.raises(InvalidArgument, match="not allowed"):
            base_url_option("base_url", url)


def test_outside_snowflake_loopback_http_and_the_local_host_pass(monkeypatch):
    monkeypatch.setenv("MIXPEEK_BASE_URL", "https://staging.example.com")
    for url in (
        "http://127.0.0.1:8765/",
        "http://localhost:1",
        "https://staging.example.com",
        "https://api.mixpeek.com",
    ):
        assert base_url_option("base_url", url) == url


def test_a_cleartext_base_url_is_refused_before_any_request(env):
    since = len(env.emulator.requests)
    with pytest.raises(InvalidArgument, match="clear text"):
        env.sync("full", base_url="http://api.mixpeek.com:443")
    assert env.emulator.requests[since:] == []


def fragments(text: str, secret: str = API_KEY, size: int = 8) -> list[str]:
    """Every run of `size` characters of the secret found in the text, ignoring case."""
    folded = text.lower()
    return sorted(
        {secret[i : i + size] for i in range(len(secret) - size + 1) if secret[i : i + size].lower() in folded}
    )


@pytest.mark.parametrize(
    "echo",
    [API_KEY[:-2], API_KEY[3:14].upper(), f"{API_KEY[:9]}…{API_KEY[-9:]}", f"key={API_KEY[1:]}&x={API_KEY[:-1]}"],
)
def test_a_server_echoing_part_of_the_key_leaves_no_8_character_fragment(env, every_log, echo):
    env.emulator.inject(Fault("status", path_contains="/v1/collections/", status=401, message=f"bad key {echo}"))
    error = env.fails_cleanly(lambda: env.sync("full", **FULL), "401", MixpeekAPIError)
    runs = verify.tables_of(TARGET).runs.sql
    stored = [str(row) for row in env.session.sql(f"SELECT * FROM {runs}").collect()]
    texts = [*error_texts(error), *stored, every_log.text, *(r.getMessage() for r in every_log.records)]
    assert "[redacted]" in str(error)
    assert [f for t in texts for f in fragments(re.sub(r'File "[^"]*"', "File", t))] == []


def test_redaction_keeps_what_is_not_the_key():
    assert redact_fragments("id mxp_rel ok; MXP_RELIABILITY_X", API_KEY) == "id mxp_rel ok; [redacted]X"
    assert redact_fragments("abcdefgh", "k3y") == "abcdefgh" and redact_fragments("a K3Y b", "k3y") == "a [redacted] b"


class Collections:
    """A CollectionReader answering from the emulator's store, so no request leaves the test."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_collection(self, collection: str) -> dict:
        return self.store.get_collection(collection)


class GovernedSchema(Database):
    """The real database, except that the schema shows the bundle's masking policies, as after sql/50_governance.sql."""

    def rows(self, query: str, params: Any = ()) -> list[tuple[Any, ...]]:
        if query.startswith("SHOW MASKING POLICIES IN SCHEMA "):
            return [("MIXPEEK_MASK_VARCHAR",), ("MIXPEEK_MASK_VARIANT",)]
        return super().rows(query, params)


def test_views_over_an_ungoverned_shadow_table_are_refused_in_snowflake(env, monkeypatch):
    shadow = sync_mixpeek_collection(env.session, env.collection, "SHADOW_DOCS", "full", FULL)
    assert shadow["status"] == "SUCCEEDED"
    monkeypatch.setattr(arguments, "inside_snowflake", lambda: True)
    request = parse_view_request(env.collection, {"source_table": "SHADOW_DOCS", "view_prefix": "SHADOW_VIEW"})
    with pytest.raises(InvalidArgument) as caught:
        ViewBuilder(GovernedSchema(env.session), Collections(env.store), request).run()
    assert caught.value.argument == "option source_table"
    assert "SHADOW_DOCS is not governed: no masking policy on SOURCE_URL, METADATA, DOCUMENT" in caught.value.problem
    assert not [r for r in env.session.sql("SHOW VIEWS").collect() if r["name"].startswith("SHADOW_VIEW")]


class Policies:
    """A runner answering POLICY_REFERENCES with fixed rows (and SHOW MASKING POLICIES with `deployed`)."""

    def __init__(self, rows: list[tuple[str, str]] | Exception, deployed: list[tuple[str]] | Exception) -> None:
        self.answer, self.deployed, self.asked = rows, deployed, []

    def __call__(self, sql: str, params: list) -> list[tuple[str, ...]]:
        self.asked.append((sql, params))
        answer = self.deployed if sql.startswith("SHOW MASKING POLICIES") else self.answer
        if isinstance(answer, Exception):
            raise answer
        return answer


MASKED = [("MASKING_POLICY", "SOURCE_URL"), ("MASKING_POLICY", "METADATA"), ("MASKING_POLICY", "DOCUMENT")]


@pytest.mark.parametrize(
    ("rows", "missing"),
    [
        (MASKED, None),
        ([*MASKED, ("ROW_ACCESS_POLICY", None)], None),
        (MASKED[:2], "DOCUMENT"),
        ([("ROW_ACCESS_POLICY", None)], "SOURCE_URL, METADATA, DOCUMENT"),
        (RuntimeError("Unknown function POLICY_REFERENCES"), "SOURCE_URL, METADATA, DOCUMENT"),
    ],
)
def test_a_documents_table_is_governed_only_when_its_sensitive_columns_are_masked(in_snowflake, rows, missing):
    runner = Policies(rows, [("MIXPEEK_MASK_VARCHAR",)])
    call = lambda: arguments.check_governed(runner, '"DB"', '"DB"."S"', '"DB"."S"."T"', "DB.S.T", "t")  # noqa: E731
    if missing is None:
        call()
    else:
        with pytest.raises(InvalidArgument, match=f"DB.S.T is not governed: no masking policy on {missing};"):
            call()
    sql, params = runner.asked[0]
    assert params == ['"DB"."S"."T"'] and sql == (
        'SELECT POLICY_KIND, REF_COLUMN_NAME FROM TABLE("DB".INFORMATION_SCHEMA.POLICY_REFERENCES('
        "REF_ENTITY_NAME => ?, REF_ENTITY_DOMAIN => 'table'))"
    )


def test_outside_snowflake_the_governance_check_does_not_run():
    runner = Policies([], [])
    arguments.check_governed(runner, '"DB"', '"DB"."S"', '"DB"."S"."T"', "DB.S.T", "target_table")
    assert runner.asked == []


@pytest.mark.parametrize("deployed", [[], RuntimeError("masking policies need Enterprise Edition")])
def test_a_schema_without_masking_policies_has_nothing_to_bypass(in_snowflake, deployed):
    runner = Policies([], deployed)
    arguments.check_governed(runner, '"DB"', '"DB"."S"', '"DB"."S"."T"', "DB.S.T", "target_table")
    assert [sql for sql, _ in runner.asked][1] == 'SHOW MASKING POLICIES IN SCHEMA "DB"."S"'
