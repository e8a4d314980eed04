"""enrich_mixpeek_documents as Snowflake CALLs it for callers whose session differs from the default.

Through the strict engine (local_world.call): AUTOCOMMIT off, a DD/MM/YYYY TIMESTAMP_INPUT_FORMAT and a
ROWS_PER_RESULTSET of 100 each push every row and keep the state; a CALL inside the caller's transaction, or a
source the caller's ROWS_PER_RESULTSET cuts, is refused before any request or write.
"""

from __future__ import annotations

import pytest
from local_world import call

from mixpeek_local.engine.strict import Caller
from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import MixpeekSnowflakeError
from mixpeek_snowflake.snowflake.database import InsideTransaction

COLLECTION = "col_loop000001"
CALLERS = {
    "autocommit-off": Caller(autocommit=False),
    "timestamp-format": Caller(timestamp_input_format="DD/MM/YYYY HH24:MI:SS"),
    "rows-per-resultset-100": Caller(rows_per_resultset=100),
}
COLUMNS = [("DOC_ID", "VARCHAR"), ("TIER", "VARCHAR"), ("SEEN", "TIMESTAMP_NTZ")]


def _enrich(session, caller, **options):
    return call(procedures.enrich_mixpeek_documents, session, COLLECTION, "T", "DOC_ID", options or None, caller=caller)


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
def test_every_row_is_pushed_and_kept_for_the_caller(session, emulator, store, load, rows_of, doc_ids, caller):
    rows = [{"DOC_ID": d, "TIER": f"t{i % 3}", "SEEN": "2026-01-02 03:04:05"} for i, d in enumerate(doc_ids)]
    load("T", COLUMNS, rows)
    first = _enrich(session, caller, batch_size=7)
    assert (first["rows_read"], first["sent"], first["failed"]) == (len(doc_ids), len(doc_ids), 0)
    assert store.get_document(COLLECTION, doc_ids[4])["metadata"]["sf_tier"] == "t1"
    assert rows_of("SELECT COUNT(*) AS N FROM MIXPEEK_ENRICH_STATE")[0]["N"] == len(doc_ids)
    again = _enrich(session, caller, batch_size=7)
    assert (again["sent"], again["unchanged"]) == (0, len(doc_ids))


def test_a_call_inside_the_callers_transaction_is_refused_before_anything(session, emulator, load, rows_of, doc_ids):
    load("T", COLUMNS, [{"DOC_ID": doc_ids[0], "TIER": "gold", "SEEN": "2026-01-02 03:04:05"}])
    before = emulator.request_count()
    with pytest.raises(InsideTransaction, match="CALL it outside a transaction"):
        _enrich(session, Caller(in_transaction=True))
    assert emulator.request_count() == before
    assert not [t for t in rows_of("SHOW TABLES") if t["name"].startswith("MIXPEEK_ENRICH")]


def test_a_source_cut_by_the_callers_rows_per_resultset_is_refused_before_any_push(
    session, emulator, store, load, rows_of, doc_ids
):
    rows = [{"DOC_ID": d, "TIER": "gold", "SEEN": "2026-01-02 03:04:05"} for d in doc_ids[:5]]
    load("T", COLUMNS, rows)
    before = emulator.request_count()
    with pytest.raises(MixpeekSnowflakeError, match="ROWS_PER_RESULTSET returned 3 of its 5 rows"):
        _enrich(session, Caller(rows_per_resultset=3))
    assert emulator.request_count() == before
    assert "sf_tier" not in store.get_document(COLLECTION, doc_ids[0])["metadata"]
    assert not [t for t in rows_of("SHOW TABLES") if t["name"] == "MIXPEEK_ENRICH_STATE"]
