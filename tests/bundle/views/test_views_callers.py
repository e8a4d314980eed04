"""create_mixpeek_views as Snowflake CALLs it for callers whose session differs from the default (strict engine)."""

from __future__ import annotations

import pytest
from bundle.views.view_helpers import COLLECTION, MAIN_VIEW, query, sync, view_names
from local_world import call

from mixpeek_local.engine.strict import Caller
from mixpeek_snowflake import procedures
from mixpeek_snowflake.snowflake.database import InsideTransaction

CALLERS = {
    "autocommit-off": Caller(autocommit=False),
    "timestamp-format": Caller(timestamp_input_format="DD/MM/YYYY HH24:MI:SS"),
    "rows-per-resultset-100": Caller(rows_per_resultset=100),
}


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
def test_the_views_are_created_and_read_every_synced_row_for_the_caller(session, store, emulator, caller):
    sync(session)
    summary = call(procedures.create_mixpeek_views, session, COLLECTION, None, caller=caller)
    assert MAIN_VIEW in view_names(session) and summary["views"]
    rows = query(session, f"SELECT COUNT(*) AS N FROM {MAIN_VIEW}")[0]["N"]
    assert rows == len(store.documents(COLLECTION))


def test_a_call_inside_the_callers_transaction_is_refused_before_anything(session, store, emulator):
    sync(session)
    before = emulator.request_count()
    with pytest.raises(InsideTransaction, match="CALL it outside a transaction"):
        call(procedures.create_mixpeek_views, session, COLLECTION, None, caller=Caller(in_transaction=True))
    assert emulator.request_count() == before and MAIN_VIEW not in view_names(session)
