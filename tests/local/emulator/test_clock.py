"""The emulator's clock spreads changes over time as a real collection has them, never moves backwards, and stays
in the machine clock's past."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from mixpeek_local.emulator import Store
from mixpeek_local.emulator.clock import LogicalClock, Pace, default_start, parse_timestamp

OVERLAP = timedelta(seconds=300)


def _gaps(clock: LogicalClock, count: int) -> list[timedelta]:
    stamps = [parse_timestamp(clock.now()), *(parse_timestamp(clock.tick()) for _ in range(count))]
    return [later - earlier for earlier, later in itertools.pairwise(stamps)]


def test_changes_fall_seconds_to_hours_apart_most_beyond_the_overlap_window():
    gaps = _gaps(LogicalClock("2026-03-01T00:00:00Z"), 2000)
    beyond = sum(gap > OVERLAP for gap in gaps) / len(gaps)
    assert 0.3 < beyond < 0.5, beyond
    assert min(gaps) >= timedelta(milliseconds=1) and max(gaps) <= timedelta(hours=6)
    assert sum(gap < timedelta(minutes=2) for gap in gaps) / len(gaps) > 0.5
    assert timedelta(minutes=15) < sum(gaps, timedelta()) / len(gaps) < timedelta(minutes=45)
    assert any(gap > timedelta(hours=1) for gap in gaps)


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    assert _gaps(LogicalClock("2026-03-01T00:00:00Z", pace=Pace(3)), 50) == _gaps(
        LogicalClock("2026-03-01T00:00:00Z", pace=Pace(3)), 50
    )
    assert _gaps(LogicalClock("2026-03-01T00:00:00Z", pace=Pace(3)), 50) != _gaps(
        LogicalClock("2026-03-01T00:00:00Z", pace=Pace(4)), 50
    )


def test_a_given_step_and_a_steady_block_override_the_pace_and_time_never_goes_back():
    clock = LogicalClock("2026-03-01T00:00:00Z")
    assert clock.tick(timedelta(hours=2)) == "2026-03-01T02:00:00.000000Z"
    assert clock.tick(timedelta(seconds=-5)) == "2026-03-01T02:00:00.001000Z"
    with clock.steady(timedelta(seconds=1)):
        assert [clock.tick() for _ in range(2)] == ["2026-03-01T02:00:01.001000Z", "2026-03-01T02:00:02.001000Z"]
    assert parse_timestamp(clock.tick()) > parse_timestamp("2026-03-01T02:00:02.001000Z")
    assert clock.now() == clock.now()


def test_the_default_start_is_midnight_180_days_before_the_machine_clock():
    assert default_start(datetime(2031, 7, 1, 15, 30, tzinfo=UTC)) == "2031-01-02T00:00:00.000000Z"
    start = parse_timestamp(Store().clock.now())
    assert timedelta(days=180) <= datetime.now(UTC) - start < timedelta(days=181)


def test_the_store_stamps_each_change_a_pace_gap_after_the_last():
    store = Store(start="2026-03-01T00:00:00Z", pace=Pace(1))
    expected = LogicalClock("2026-03-01T00:00:00Z", pace=Pace(1))
    store.add_collection({"collection_id": "col_clock00001", "collection_name": "clock"})
    created = store.add_document("col_clock00001", {"document_id": "doc_1", "metadata": {}})
    assert created["_internal"]["created_at"] == created["_internal"]["updated_at"] == expected.tick()
    updated = store.update_document("col_clock00001", "doc_1", {"metadata": {"price": 2}})
    assert (updated["_internal"]["created_at"], updated["_internal"]["updated_at"]) == (
        created["_internal"]["created_at"],
        expected.tick(),
    )
    store.delete_document("col_clock00001", "doc_1")
    assert store.events()[-1]["created_at"] == expected.tick()
