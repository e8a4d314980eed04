"""run_due_mixpeek_syncs on the local engine: due targets run, paused ones do not, a failure stops no other target,
and the hourly incremental and daily full schedules of one target never fail each other."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from bundle.operate.conftest import FIRST, SECOND

from mixpeek_local.emulator import Emulator
from mixpeek_local.engine import strict
from mixpeek_local.engine.strict import Caller
from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.operate.options import parse_target_request
from mixpeek_snowflake.operate.scheduler import Scheduler
from mixpeek_snowflake.operate.targets import Targets
from mixpeek_snowflake.snowflake.database import Database

T0 = datetime(2026, 3, 1, 12, 0, 0)


def _count(session: Any, table: str) -> int:
    return int(session.sql(f"SELECT COUNT(*) FROM {table} WHERE NOT IS_DELETED").collect()[0][0])


def _by_target(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["target_table"].rsplit(".", 1)[1]: entry for entry in summary["targets"]}


def test_due_targets_run_a_paused_one_does_not_and_a_failing_one_stops_no_other(
    session: Any, emulator: Emulator
) -> None:
    procedures.add_mixpeek_target(session, "col_aaa_missing", "DOCS_GONE", None)
    procedures.add_mixpeek_target(session, FIRST, "DOCS_A", {"schedule": "hourly_incremental"})
    procedures.add_mixpeek_target(session, SECOND, "DOCS_B", None)
    procedures.add_mixpeek_target(session, SECOND, "DOCS_C", {"page_size": 50})
    procedures.pause_mixpeek_target(session, SECOND, "DOCS_C", "waiting for the new namespace")

    summary = procedures.run_due_mixpeek_syncs(session)

    entries = _by_target(summary)
    statuses = [entries[name]["status"] for name in ("DOCS_GONE", "DOCS_A", "DOCS_B", "DOCS_C")]
    assert statuses == ["FAILED", "SUCCEEDED", "SUCCEEDED", "PAUSED"]
    assert "col_aaa_missing" in entries["DOCS_GONE"]["error"]
    assert entries["DOCS_C"]["paused_reason"] == "waiting for the new namespace"
    assert (summary["status"], summary["ran"], summary["failed"], summary["paused"]) == ("PARTIAL", 3, 1, 1)
    assert entries["DOCS_A"]["mode"] == "incremental" and entries["DOCS_B"]["mode"] == "full"
    assert (_count(session, "DOCS_A"), _count(session, "DOCS_B")) == (30, 20)
    tables = {r[0] for r in session.sql("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES").collect()}
    assert "DOCS_C" not in tables

    again = procedures.run_due_mixpeek_syncs(session)
    assert [e["status"] for e in again["targets"]] == ["NOT_DUE", "NOT_DUE", "NOT_DUE", "PAUSED"]
    assert again["ran"] == 0
    gone = procedures.remove_mixpeek_target(session, "col_aaa_missing", "DOCS_GONE")
    assert gone["removed"] is True and gone["last_scheduled_status"] == "FAILED"
    assert len(Targets(Database(session)).list()) == 3


class FakeSyncs:
    """Records each scheduled call; answers with the status queued for its mode, SUCCEEDED when none is."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self.answers: dict[str, list[str]] = {"incremental": [], "full": []}

    def __call__(self, collection: str, target: str, mode: str, options: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((collection, target, mode, options))
        status = self.answers[mode].pop(0) if self.answers[mode] else "SUCCEEDED"
        if status == "RAISE":
            raise RuntimeError("the sync failed")
        return {"status": status, "run_id": f"run_{len(self.calls)}", "error": None, "reason": None}


def _add(session: Any, schedule: list[str], at: datetime) -> Targets:
    targets = Targets(Database(session), clock=lambda: at)
    request = parse_target_request(FIRST, "DOCS_A", {"schedule": schedule, "namespace": "ns_x"}, lambda *a: None)
    targets.add(request)
    return targets


def _tick(targets: Targets, syncs: FakeSyncs, at: datetime) -> dict[str, Any]:
    return Scheduler(targets, syncs, clock=lambda: at).run()["targets"][0]


def test_hourly_incremental_and_daily_full_of_one_target_take_turns(session: Any) -> None:
    targets = _add(session, ["daily_full", "hourly_incremental"], T0)
    syncs = FakeSyncs()
    steps = [T0, T0 + timedelta(minutes=15), T0 + timedelta(hours=1), T0 + timedelta(hours=2, minutes=1)]
    steps += [T0 + timedelta(hours=24)]

    outcomes = [(entry["status"], entry.get("mode")) for entry in (_tick(targets, syncs, at) for at in steps)]

    assert outcomes == [
        ("SUCCEEDED", "full"),
        ("NOT_DUE", None),
        ("SUCCEEDED", "incremental"),
        ("SUCCEEDED", "incremental"),
        ("SUCCEEDED", "full"),
    ]
    assert [mode for _, _, mode, _ in syncs.calls] == ["full", "incremental", "incremental", "full"]
    assert all(options == {"namespace": "ns_x"} for *_, options in syncs.calls)
    row = targets.list()[0]
    assert row["next_full_at"] == (T0 + timedelta(hours=48)).isoformat()
    assert row["next_incremental_at"] == (T0 + timedelta(hours=25)).isoformat()


def test_a_skipped_full_run_is_retried_and_a_failed_one_waits_for_its_slot(session: Any) -> None:
    targets = _add(session, ["hourly_incremental", "daily_full"], T0)
    syncs = FakeSyncs()
    syncs.answers["full"] = ["SKIPPED", "RAISE"]

    first = _tick(targets, syncs, T0)
    second = _tick(targets, syncs, T0 + timedelta(minutes=15))
    third = _tick(targets, syncs, T0 + timedelta(minutes=30))

    assert (first["status"], first["mode"]) == ("SKIPPED", "full")
    assert (second["status"], second["mode"], second["error"]) == ("FAILED", "full", "RuntimeError: the sync failed")
    assert third["status"] == "NOT_DUE"
    assert second["next_full_at"] == (T0 + timedelta(minutes=15, hours=24)).isoformat()


@pytest.mark.parametrize(
    "options, argument",
    [
        ({"schedule": "weekly"}, "option schedule"),
        ({"schedule": []}, "option schedule"),
        ({"stale_after_seconds": 5}, "option stale_after_seconds"),
        ({"page_size": 0}, "option page_size"),
        ({"colour": "red"}, "options"),
        ("[1, 2]", "options"),
    ],
)
def test_bad_target_options_are_refused_before_any_statement(options: Any, argument: str) -> None:
    class NoSession:
        def sql(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("no statement may run")

    with pytest.raises(InvalidArgument) as caught:
        procedures.add_mixpeek_target(NoSession(), FIRST, "DOCS_A", options)
    assert caught.value.argument == argument


def test_add_refuses_a_configured_pair_and_change_merges_options(session: Any) -> None:
    procedures.add_mixpeek_target(session, FIRST, "DOCS_A", {"page_size": 100, "schedule": "daily_full"})
    with pytest.raises(InvalidArgument, match="configured already; change it with change_mixpeek_target"):
        procedures.add_mixpeek_target(session, FIRST, "CORE.DOCS_A", None)

    changed = procedures.change_mixpeek_target(
        session, FIRST, "DOCS_A", {"page_size": None, "partitions": 2, "stale_after_seconds": 600}
    )

    assert changed["options"] == {"partitions": 2}
    assert (changed["schedule"], changed["stale_after_seconds"]) == ("daily_full", 600)
    assert changed["target_table"].endswith(".CORE.DOCS_A")
    resumed = procedures.resume_mixpeek_target(session, FIRST, "DOCS_A")
    assert (resumed["enabled"], resumed["paused_reason"]) == (True, None)
    with pytest.raises(InvalidArgument, match="no sync target"):
        procedures.pause_mixpeek_target(session, SECOND, "DOCS_A", "not there")
    with pytest.raises(InvalidArgument) as caught:
        procedures.pause_mixpeek_target(session, FIRST, "DOCS_A", "  ")
    assert caught.value.argument == "reason"


def test_under_the_strict_engine_with_autocommit_off_every_write_is_committed(session: Any, emulator: Emulator) -> None:
    caller = Caller(autocommit=False, rows_per_resultset=100)
    strict.call(procedures.add_mixpeek_target, session, FIRST, "DOCS_A", {"schedule": "daily_full"}, caller=caller)
    strict.call(procedures.add_mixpeek_target, session, SECOND, "DOCS_B", None, caller=caller)
    strict.call(procedures.pause_mixpeek_target, session, SECOND, "DOCS_B", "later", caller=caller)

    summary = strict.call(procedures.run_due_mixpeek_syncs, session, caller=caller)

    assert [t["status"] for t in summary["targets"]] == ["SUCCEEDED", "PAUSED"]
    rows = session.sql("SELECT ENABLED, LAST_SCHEDULED_STATUS FROM MIXPEEK_SYNC_TARGETS ORDER BY 1 DESC").collect()
    assert [tuple(row) for row in rows] == [(True, "SUCCEEDED"), (False, None)]
    assert _count(session, "DOCS_A") == 30
