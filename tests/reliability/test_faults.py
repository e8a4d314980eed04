"""Fault matrix: each fault ends in a target equal to the truth, or in a clean failure the next run recovers from."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from reliability.world import COLLECTION, TARGET

from mixpeek_local import verify
from mixpeek_local.emulator import Fault
from mixpeek_local.soak.faults import (
    LISTING_STEP,
    Collection,
    CrashingSession,
    InjectedCrash,
    ListingChange,
    crash_point,
)
from mixpeek_local.soak.run import product_tables
from mixpeek_snowflake.errors import MixpeekAPIError, MixpeekTransportError, PaginationLoopError
from mixpeek_snowflake.mixpeek.retry import RetryPolicy

POLICY = RetryPolicy()
FULL = {"partitions": 1, "page_size": 10}
READ_TIMEOUT = 1.5
SLOW = 4.0

TRANSIENT = [
    pytest.param(
        [
            Fault("status", status=429, retry_after=2, times=2, after=1),
            Fault("status", status=429, retry_after_body=7, after=1),
            Fault("status", status=429, retry_after=600, retry_after_body=1, after=1),
        ],
        [2, 2, 7, POLICY.max_delay],
        id="429-retry-after-header-body-capped",
    ),
    pytest.param(
        [
            Fault("status", status=500, after=1),
            Fault("status", status=502, after=1),
            Fault("status", status=504, times=2, after=1),
            Fault("status", status=503, retryable=True),
        ],
        [1, 1, 1, 2, 4],
        id="500-502-504-503-retryable",
    ),
    pytest.param(
        [Fault("drop", after=1), Fault("truncate", times=2, after=1), Fault("invalid_json", after=1)],
        [1, 1, 2, 1],
        id="dropped-truncated-invalid-json",
    ),
    pytest.param(
        [Fault("drop", path_contains="/v1/collections/"), Fault("status", path_contains="/v1/events", times=2)],
        [1, 1, 2],
        id="collection-lookup-and-change-feed",
    ),
]


@pytest.mark.parametrize(("faults", "expected_waits"), TRANSIENT)
def test_transient_faults_are_retried_and_the_target_matches_the_truth(ready, waits, faults, expected_waits):
    ready.change_some()
    since = len(ready.emulator.requests)
    for fault in faults:
        ready.emulator.inject(fault)
    summary = ready.sync("full", **FULL)
    assert summary["status"] == "SUCCEEDED"
    assert waits == expected_waits
    assert summary["retries"] == len(expected_waits)
    assert ready.emulator._faults.pending() == []
    assert [r.fault for r in ready.emulator.requests[since:] if r.fault] == [
        f.kind for f in faults for _ in range(f.times)
    ]
    ready.assert_matches_truth()


def test_read_timeout_is_retried(ready, waits, configure_client):
    configure_client(timeout=(2.0, READ_TIMEOUT))
    ready.change_some()
    ready.emulator.inject(Fault("delay", delay=SLOW, times=2, after=1))
    summary = ready.sync("full", **FULL)
    assert waits == [1, 2] and summary["retries"] == 2
    ready.assert_matches_truth()


BACKOFF = [1, 2, 4, 8, 16, 30, 30]
EXHAUSTING = [
    (Fault("status", status=429, retry_after=30, times=50), 7, [30] * 6, "429"),
    (Fault("status", status=503, retry_after=1, times=50, after=2), 8, [1] * 7, "503"),
    (Fault("status", status=500, times=50, after=1), 8, BACKOFF, "500"),
    (Fault("drop", times=50, after=1), 8, BACKOFF, "could not complete"),
    (Fault("invalid_json", times=50), 8, BACKOFF, "not valid JSON"),
]


def test_faults_outlasting_the_retries_fail_cleanly_within_the_budget_then_the_next_run_converges(ready, waits):
    ready.change_some()
    for fault, attempts, expected_waits, cause in EXHAUSTING:
        since = len(ready.emulator.requests)
        waits.clear()
        ready.emulator.inject(fault)
        ready.fails_cleanly(lambda: ready.sync("full", **FULL), cause, (MixpeekAPIError, MixpeekTransportError))
        ready.emulator.clear_faults()
        assert len([r for r in ready.emulator.requests[since:] if r.fault]) == attempts <= POLICY.max_attempts, fault
        assert waits == expected_waits and sum(waits) <= POLICY.budget, fault
    ready.converge()


def test_read_timeouts_past_the_attempt_limit_fail_cleanly(ready, waits, configure_client):
    configure_client(timeout=(2.0, READ_TIMEOUT), policy=RetryPolicy(max_attempts=3))
    ready.change_some()
    ready.emulator.inject(Fault("delay", delay=SLOW, times=3, after=1))
    ready.fails_cleanly(lambda: ready.sync("full", **FULL), "Read timed out", MixpeekTransportError)
    assert waits == [1, 2]
    configure_client()
    ready.converge()


FATAL = [(400, None), (403, None), (404, None), (422, None), (503, False)]


def test_fatal_answers_are_never_retried_and_fail_cleanly(ready, waits):
    ready.change_some()
    for status, retryable in FATAL:
        since = len(ready.emulator.requests)
        ready.emulator.inject(Fault("status", status=status, retryable=retryable, after=2, times=5))
        cause = f"Mixpeek API error {status}"
        error = ready.fails_cleanly(lambda: ready.sync("full", **FULL), cause, MixpeekAPIError)
        ready.emulator.clear_faults()
        assert error.status == status and not error.retryable
        assert len([r for r in ready.emulator.requests[since:] if r.fault]) == 1, status
    assert waits == []
    ready.converge()


def test_repeated_cursor_fails_cleanly_then_converges(ready):
    ready.change_some()
    ready.emulator.inject(Fault("repeat_cursor", after=1))
    ready.fails_cleanly(
        lambda: ready.sync("full", partitions=3, page_size=5), "Loop detected in pagination", PaginationLoopError
    )
    ready.converge()


class ChangeBetweenPages:
    """After the first listing page: add, update and delete documents both behind and ahead of the cursor, a second
    apart (changes during one listing fall within seconds, as the sync's overlap window assumes)."""

    def __init__(self, world):
        self.world = world
        self.fired = False
        self.behind: list[str] = []
        self.ahead: list[str] = []

    def __call__(self, number, page):
        if self.fired:
            return
        self.fired = True
        store, listed = self.world.store, {doc["document_id"] for doc in page["results"]}
        ids = [doc["document_id"] for doc in self.world.truth()]
        self.behind = [i for i in ids if i in listed][:2]
        self.ahead = [i for i in ids if i > max(listed)][-2:]
        with store.clock.steady(LISTING_STEP):
            for document_id in (self.behind[0], self.ahead[0]):
                store.update_document(COLLECTION, document_id, {"metadata": {"changed_mid_read": True}})
            for document_id in (self.behind[1], self.ahead[1]):
                store.delete_document(COLLECTION, document_id)
            for document_id in ("doc_000000000000", "doc_zzzzzzzzzzzz"):
                store.add_document(COLLECTION, {"document_id": document_id, "metadata": {"added_mid_read": True}})


def test_listing_that_changes_between_pages_is_consistent_and_the_next_run_converges(ready):
    before = ready.truth()
    change = ChangeBetweenPages(ready)
    ready.slot.hook = change
    assert ready.sync("full", **FULL)["status"] == "SUCCEEDED"
    ready.slot.hook = None
    assert change.fired
    after = {doc["document_id"]: doc for doc in ready.truth()}
    rows = {r["DOCUMENT_ID"]: r for r in verify.target_rows(ready.session)}
    old = {doc["document_id"]: doc for doc in before}
    assert rows[change.behind[0]]["DOCUMENT"] == old[change.behind[0]]
    assert rows[change.ahead[0]]["DOCUMENT"] == after[change.ahead[0]]
    assert not rows[change.behind[1]]["IS_DELETED"] and rows[change.ahead[1]]["IS_DELETED"]
    assert "doc_000000000000" not in rows and rows["doc_zzzzzzzzzzzz"]["DOCUMENT"] == after["doc_zzzzzzzzzzzz"]
    assert verify.compare_during_change(ready.session, before, after.values(), {}).ok
    ready.converge()


def test_listing_changing_while_partitions_are_read_converges_incrementally(ready):
    ready.change_some()
    before = ready.truth()
    change = ListingChange(Collection(ready.store, COLLECTION), random.Random(5), at=2, changes=8)
    ready.slot.hook = change
    assert ready.sync("incremental", partitions=4, page_size=2)["status"] == "SUCCEEDED"
    ready.slot.hook = None
    assert change.fired
    verdict = verify.compare_during_change(ready.session, before, ready.truth(), change.versions)
    assert verdict.ok, verdict.problems
    ready.converge()


CRASHES = [
    ("staging", "incremental"),
    ("before_merge", "full"),
    ("merge", "incremental"),
    ("mark_deleted", "incremental"),
    ("advance_state", "full"),
    ("commit", "incremental"),
]


def test_a_statement_failing_at_each_step_rolls_back_then_the_next_run_converges(ready):
    ready.change_some()
    for point, mode in CRASHES:
        crashing = CrashingSession(ready.session, crash_point(point, product_tables(TARGET)), point)
        sync = lambda: ready.sync(mode, session=crashing, partitions=2, page_size=10)  # noqa: B023, E731
        ready.fails_cleanly(sync, f"injected crash ({point})", InjectedCrash)
        assert crashing.fired, point
    ready.converge()


def test_connection_lost_mid_run_leaves_a_lease_the_next_run_takes_over_once_it_lapses(ready):
    ready.change_some()
    tables = verify.tables_of(TARGET)
    target_before = verify.target_rows(ready.session)
    lost = CrashingSession(
        ready.session, crash_point("before_merge", product_tables(TARGET)), "connection lost", lost=True
    )
    with pytest.raises(InjectedCrash):
        ready.sync("incremental", session=lost, partitions=2, page_size=10)
    assert verify.target_rows(ready.session) == target_before
    assert verify.orphan_stage_rows(ready.session) > 0
    [ghost] = [run_id for run_id, r in verify.run_log(ready.session).items() if r["STATUS"] == "RUNNING"]
    before = verify.snapshot(ready.session)
    skipped = ready.sync("incremental")
    assert skipped["status"] == "SKIPPED" and "another sync" in skipped["reason"]
    assert verify.snapshot(ready.session) == before
    lapsed = (datetime.utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    lapse = f"UPDATE {tables.state.sql} SET LEASE_EXPIRES_AT = TO_TIMESTAMP_NTZ(?)"
    ready.session.sql(lapse, params=[lapsed]).collect()
    closer = ready.converge()
    assert verify.orphan_stage_rows(ready.session) == 0
    assert closer["abandoned_runs_closed"] == 1
    closed = verify.run_log(ready.session)[ghost]
    assert closed["STATUS"] == "ABANDONED" and closer["run_id"] in closed["ERROR"]
    assert "RUNNING" not in [r["STATUS"] for r in verify.run_log(ready.session).values()]
