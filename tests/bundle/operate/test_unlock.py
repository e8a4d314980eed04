"""A held lease makes the scheduled run SKIPPED (not FAILED) and keeps it due; unlock_mixpeek_sync frees the lease only
for the run that holds it, marks that run ABANDONED, and the next scheduled run goes ahead at once."""

from __future__ import annotations

from typing import Any

import pytest
from bundle.operate.conftest import FIRST

from mixpeek_local.emulator import Emulator
from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.operate.targets import Targets
from mixpeek_snowflake.snowflake.database import Database

STUCK = "run_20260101T000000Z_deadbeef"


def _hold(session: Any, run_id: str) -> None:
    session.sql(
        "INSERT INTO MIXPEEK_SYNC_RUNS (RUN_ID, COLLECTION_ID, TARGET_TABLE, MODE, STATUS, DRY_RUN) "
        "SELECT ?, ?, TARGET_TABLE, 'incremental', 'RUNNING', FALSE FROM MIXPEEK_SYNC_STATE",
        params=[run_id, FIRST],
    ).collect()
    session.sql(
        "UPDATE MIXPEEK_SYNC_STATE SET LEASE_RUN_ID = ?, LEASE_EXPIRES_AT = DATEADD('hour', 1, SYSDATE())",
        params=[run_id],
    ).collect()


def test_a_held_lease_is_skipped_then_unlock_frees_it_and_the_target_runs(session: Any, emulator: Emulator) -> None:
    procedures.add_mixpeek_target(session, FIRST, "DOCS_A", None)
    procedures.sync_mixpeek_collection(session, FIRST, "DOCS_A", "full", None)
    _hold(session, STUCK)

    skipped = procedures.run_due_mixpeek_syncs(session)
    entry = skipped["targets"][0]
    assert (entry["status"], entry["mode"], skipped["status"], skipped["failed"]) == ("SKIPPED", "full", "SUCCEEDED", 0)
    assert "another sync" in entry["reason"]
    row = Targets(Database(session)).list()[0]
    assert (row["next_full_at"], row["next_incremental_at"], row["last_scheduled_status"]) == (None, None, "SKIPPED")

    with pytest.raises(InvalidArgument, match=f"does not hold the lease .* run {STUCK} does"):
        procedures.unlock_mixpeek_sync(session, FIRST, "DOCS_A", "run_20260101T000000Z_00000000")
    done = procedures.unlock_mixpeek_sync(session, FIRST, "DOCS_A", STUCK)
    again = procedures.unlock_mixpeek_sync(session, FIRST, "DOCS_A", STUCK)

    assert (done["status"], done["runs_abandoned"], again["status"]) == ("UNLOCKED", 1, "NOT_HELD")
    stuck = session.sql("SELECT STATUS, ERROR FROM MIXPEEK_SYNC_RUNS WHERE RUN_ID = ?", params=[STUCK]).collect()[0]
    assert stuck[0] == "ABANDONED" and "unlock_mixpeek_sync" in stuck[1]
    assert [t["status"] for t in procedures.run_due_mixpeek_syncs(session)["targets"]] == ["SUCCEEDED"]


@pytest.mark.parametrize("run_id", ["", "run_1", "RUN_20260101T000000Z_deadbeef", None])
def test_unlock_refuses_a_malformed_run_id_before_any_statement(run_id: Any) -> None:
    with pytest.raises(InvalidArgument) as caught:
        procedures.unlock_mixpeek_sync(None, FIRST, "DOCS_A", run_id)
    assert caught.value.argument == "run_id"
