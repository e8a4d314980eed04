"""Enrich reads its source with the caller's rights: nothing the caller's role could not SELECT reaches Mixpeek.

The local engine has no roles, so mixpeek_local.engine.rights.CallerSession models the caller: it may query only the
tables it is given and INSERT only into the inbox; its owner_session (owner's rights) records what the push runs.
"""

from __future__ import annotations

import types

import pytest

from mixpeek_local.engine import strict
from mixpeek_local.engine.rights import CallerSession
from mixpeek_snowflake import procedures
from mixpeek_snowflake.enrich.engine import EnrichmentFailed
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.procedures import enrich_mixpeek_documents, enrich_mixpeek_push

COLLECTION = "col_loop000001"
BATCH_PATH = "/documents/batch"
STAFF = [("EMPLOYEE", "VARCHAR"), ("SSN", "VARCHAR"), ("DEPT", "VARCHAR")]
PEOPLE = [{"EMPLOYEE": "alice", "SSN": "123-45-6789", "DEPT": "d1"}]
PRICES = [("DOC_ID", "VARCHAR"), ("PRICE", "NUMBER(10,2)")]


def batch_posts(emulator):
    return [r for r in emulator.requests if r.method == "POST" and r.path.endswith(BATCH_PATH)]


@pytest.fixture
def tables(load, doc_ids):
    load("STAFF", STAFF, PEOPLE)
    load("PRICES", PRICES, [{"DOC_ID": d, "PRICE": n + 0.5} for n, d in enumerate(doc_ids[:3])])


@pytest.fixture
def operator(session, tables):
    """The operator's session: it may SELECT PRICES (not STAFF) and INSERT into the inbox."""
    return CallerSession(session, readable={"PRICES"}, insertable={"MIXPEEK_INBOX"})


@pytest.mark.parametrize("options", [{"dry_run": True}, None], ids=["dry_run", "normal"])
@pytest.mark.parametrize(
    "source",
    [
        "STAFF",
        "SELECT EMPLOYEE || ':' || SSN AS K, DEPT FROM STAFF",
        "SELECT p.DOC_ID AS K, s.SSN FROM PRICES p, STAFF s",
    ],
)
def test_a_table_the_caller_cannot_select_is_never_read(operator, emulator, rows_of, source, options):
    with pytest.raises(InvalidArgument, match=r"^invalid source: .* cannot be read .*not authorized") as caught:
        enrich_mixpeek_documents(operator, COLLECTION, source, "K" if "K" in source else "EMPLOYEE", options)
    assert "123-45-6789" not in str(caught.value) and "alice" not in str(caught.value)
    assert batch_posts(emulator) == [] and operator.owner_session.statements == []


def test_a_table_the_caller_can_select_is_read_as_the_caller_and_pushed_by_the_owner(
    operator, emulator, store, doc_ids
):
    summary = enrich_mixpeek_documents(operator, COLLECTION, "PRICES", "DOC_ID")
    assert (summary["rows_read"], summary["sent"], summary["failed"]) == (3, 3, 0)
    prices = [store.get_document(COLLECTION, d)["metadata"].get("sf_price") for d in doc_ids[:4]]
    assert prices == [0.5, 1.5, 2.5, None] and len(batch_posts(emulator)) == 1
    caller_reads = [s for s in operator.statements if "PRICES" in s]
    assert caller_reads and all(s.lstrip().upper().startswith("SELECT") for s in caller_reads)
    assert not any("PRICES" in s for s in operator.owner_session.statements), "the owner's side read the source"


def test_the_inbox_is_empty_after_every_run(operator, emulator, rows_of):
    enrich_mixpeek_documents(operator, COLLECTION, "PRICES", "DOC_ID", {"dry_run": True})
    enrich_mixpeek_documents(operator, COLLECTION, "PRICES", "DOC_ID")
    with pytest.raises(EnrichmentFailed, match=r"could not be read"):
        enrich_mixpeek_documents(operator, COLLECTION, "SELECT DOC_ID, 'x'::NUMBER AS N FROM PRICES", "DOC_ID")
    assert rows_of("SELECT COUNT(*) AS N FROM MIXPEEK_INBOX") == [{"N": 0}]


def test_the_push_needs_the_token_and_finds_nothing_without_a_hand_over(session, emulator):
    for bad in ("", "x" * 32, "0" * 31, None):
        with pytest.raises(InvalidArgument, match=r"^invalid token: expected the 32 hexadecimal characters"):
            enrich_mixpeek_push(session, bad)
    session.sql(
        "CREATE TRANSIENT TABLE IF NOT EXISTS MIXPEEK_INBOX (TOKEN VARCHAR, SEQ NUMBER(38,0), ITEM VARIANT, "
        "CREATED_AT TIMESTAMP_NTZ)"
    ).collect()
    assert enrich_mixpeek_push(session, "0" * 32)["status"] == "NOTHING_WAITING"
    assert batch_posts(emulator) == [] and emulator.requests == []


@pytest.mark.parametrize("autocommit", [True, False])
def test_the_hand_over_holds_under_the_strict_engine(session, emulator, store, tables, doc_ids, rows_of, autocommit):
    summary = strict.call(
        enrich_mixpeek_documents, session, COLLECTION, "PRICES", "DOC_ID", caller=strict.Caller(autocommit=autocommit)
    )
    assert (summary["rows_read"], summary["sent"]) == (3, 3)
    assert store.get_document(COLLECTION, doc_ids[2])["metadata"]["sf_price"] == 2.5
    assert rows_of("SELECT COUNT(*) AS N FROM MIXPEEK_INBOX") == [{"N": 0}]


class Recording:
    """A session inside Snowflake, as the caller's-rights side sees it: records statements, answers the nested CALL."""

    def __init__(self):
        self.calls = []

    def sql(self, query, params=None):
        self.calls.append((query, params))
        return types.SimpleNamespace(collect=lambda: [('{"status": "SUCCEEDED"}',)])


def test_inside_snowflake_the_push_is_a_nested_call_with_the_token_bound(monkeypatch):
    monkeypatch.setattr(procedures.runtime, "inside_snowflake", lambda: True)
    session = Recording()
    home = procedures.bundle_home(session, "mixpeek.core")
    assert home == ("MIXPEEK", "CORE") and session.calls == []
    assert procedures.push(session, home, "ab" * 16) == {"status": "SUCCEEDED"}
    assert session.calls == [('CALL "MIXPEEK"."CORE"."ENRICH_MIXPEEK_PUSH"(?)', ["ab" * 16])]
    for bad in ("core", "a.b.c", "x;DROP TABLE t"):
        with pytest.raises(InvalidArgument, match=r"^invalid bundle_schema: "):
            procedures.bundle_home(session, bad)
