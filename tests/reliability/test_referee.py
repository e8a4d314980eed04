"""The referee (mixpeek_local/verify.py) catches a wrong value in every column the bundle writes: each table is
tampered with one way, the check must name it, and the table is put back."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from reliability.world import COLLECTION, NAMESPACE, TARGET, World

from mixpeek_local import verify

BACKUPS = itertools.count(1)


def _restored(world: World, table: str, tamper: str, params: list[Any] | None = None) -> Callable[[], None]:
    """Tamper with one table; return what puts it back exactly."""
    sql = world.session.sql
    backup = f"REFEREE_BACKUP_{next(BACKUPS)}"
    sql(f'CREATE TABLE "{backup}" AS SELECT * FROM "{table}"').collect()
    sql(tamper, params=params).collect()

    def restore() -> None:
        sql(f'DELETE FROM "{table}"').collect()
        sql(f'INSERT INTO "{table}" SELECT * FROM "{backup}"').collect()
        sql(f'DROP TABLE "{backup}"').collect()

    return restore


def _everything(world: World) -> verify.Verdict:
    return verify.compare_committed(world.session, world.truth(), world.store, COLLECTION, NAMESPACE, TARGET)


@pytest.fixture
def settled(ready: World) -> World:
    """A converged target after a deletion (so the feed cursor has somewhere to be) with a labelled document."""
    if not ready.graveyard:
        ready.change_some()
        ready.converge()
        assert _everything(ready).ok
    return ready


def _labelled(world: World, rank: int = 2) -> str:
    labels = verify.label_rows(world.session)
    return next(row[0] for row in labels if row[7] == rank)


CASES = {
    "a typed column": (
        "MIXPEEK_DOCUMENTS",
        "UPDATE MIXPEEK_DOCUMENTS SET MODALITY = 'tampered' WHERE DOCUMENT_ID = ?",
        "MODALITY is 'tampered', expected",
    ),
    "the size": (
        "MIXPEEK_DOCUMENTS",
        "UPDATE MIXPEEK_DOCUMENTS SET SIZE_BYTES = SIZE_BYTES + 1 WHERE DOCUMENT_ID = ?",
        "SIZE_BYTES is",
    ),
    "the content hash": (
        "MIXPEEK_DOCUMENTS",
        "UPDATE MIXPEEK_DOCUMENTS SET CONTENT_HASH = 'abc' WHERE DOCUMENT_ID = ?",
        "CONTENT_HASH is 'abc', expected",
    ),
    "the metadata": (
        "MIXPEEK_DOCUMENTS",
        "UPDATE MIXPEEK_DOCUMENTS SET METADATA = PARSE_JSON('{\"x\": 1}') WHERE DOCUMENT_ID = ?",
        "METADATA is {'x': 1}, expected",
    ),
    "the run that wrote a row": (
        "MIXPEEK_DOCUMENTS",
        "UPDATE MIXPEEK_DOCUMENTS SET LAST_RUN_ID = 'run_rolled_back' WHERE DOCUMENT_ID = ?",
        "LAST_RUN_ID 'run_rolled_back' is no SUCCEEDED run",
    ),
    "label ranks from 0": (
        "MIXPEEK_DOCUMENT_LABELS",
        "UPDATE MIXPEEK_DOCUMENT_LABELS SET RANK = RANK - 1 WHERE DOCUMENT_ID = ?",
        "label missing",
    ),
    "a path on a lower rank": (
        "MIXPEEK_DOCUMENT_LABELS",
        'UPDATE MIXPEEK_DOCUMENT_LABELS SET PATH = PARSE_JSON(\'["A", "B"]\') WHERE DOCUMENT_ID = ? AND RANK = 2',
        "label not in Mixpeek",
    ),
    "a taxonomy name on a label": (
        "MIXPEEK_DOCUMENT_LABELS",
        "UPDATE MIXPEEK_DOCUMENT_LABELS SET TAXONOMY_NAME = 'Other' WHERE DOCUMENT_ID = ?",
        "'Other'",
    ),
    "a score": (
        "MIXPEEK_DOCUMENT_LABELS",
        "UPDATE MIXPEEK_DOCUMENT_LABELS SET SCORE = SCORE / 2 WHERE DOCUMENT_ID = ? AND RANK = 1",
        "label missing",
    ),
}


def test_a_wrong_value_in_any_column_of_a_row_is_named(settled):
    document_id = _labelled(settled)
    unnamed = []
    for case, (table, tamper, named) in sorted(CASES.items()):
        restore = _restored(settled, table, tamper, [document_id])
        try:
            problems = _everything(settled).problems
            if not any(named in p and document_id in p for p in problems):
                unnamed.append((case, problems))
        finally:
            restore()
    assert unnamed == []
    assert _everything(settled).ok


TABLE_CASES = {
    "a taxonomy name": (
        "MIXPEEK_TAXONOMIES",
        "UPDATE MIXPEEK_TAXONOMIES SET TAXONOMY_NAME = 'Renamed'",
        "stored as",
    ),
    "the watermark moved backwards": (
        "MIXPEEK_SYNC_STATE",
        "UPDATE MIXPEEK_SYNC_STATE SET WATERMARK = '2000-01-01T00:00:00.000000Z'",
        "WATERMARK 2000-01-01T00:00:00.000000Z is behind",
    ),
    "the feed cursor never stored": (
        "MIXPEEK_SYNC_STATE",
        "UPDATE MIXPEEK_SYNC_STATE SET EVENTS_CURSOR = NULL",
        "EVENTS_CURSOR None is not at the newest deletion",
    ),
    "a lease left held": (
        "MIXPEEK_SYNC_STATE",
        "UPDATE MIXPEEK_SYNC_STATE SET LEASE_RUN_ID = 'run_ghost'",
        "the lease is still held by run_ghost",
    ),
    "the last run": (
        "MIXPEEK_SYNC_STATE",
        "UPDATE MIXPEEK_SYNC_STATE SET LAST_RUN_ID = 'run_other'",
        "LAST_RUN_ID run_other / DEFINITION are not the newest committed run's",
    ),
    "the row count": (
        "MIXPEEK_SYNC_STATE",
        "UPDATE MIXPEEK_SYNC_STATE SET TARGET_ROWS = TARGET_ROWS + 1",
        "TARGET_ROWS",
    ),
}


def test_a_wrong_value_in_a_bookkeeping_table_is_named(settled):
    unnamed = []
    for case, (table, tamper, named) in sorted(TABLE_CASES.items()):
        restore = _restored(settled, table, tamper)
        try:
            problems = _everything(settled).problems
            if not any(named in p for p in problems):
                unnamed.append((case, problems))
        finally:
            restore()
    assert unnamed == []
    assert _everything(settled).ok


def test_a_reject_row_of_a_run_that_rolled_back_is_named(settled):
    schema = verify.schema_of(settled.session)
    insert = (
        "INSERT INTO MIXPEEK_SYNC_REJECTS (RUN_ID, COLLECTION_ID, TARGET_TABLE, DOCUMENT_ID, REASON, EXCERPT) "
        "SELECT 'run_rolled_back', ?, ?, 'doc_x', 'document is not valid JSON', '{'"
    )
    restore = _restored(settled, "MIXPEEK_SYNC_REJECTS", insert, [COLLECTION, f"{schema}.{TARGET}"])
    try:
        problems = _everything(settled).problems
        assert any("reject row of no committed run" in p and "run_rolled_back" in p for p in problems), problems
    finally:
        restore()


def test_a_size_beyond_number_38_must_leave_a_reject_row(settled):
    [first, *_] = settled.truth()
    settled.store.update_document(COLLECTION, first["document_id"], {"_internal": {"size_bytes": 10**40}})
    settled.converge()
    restore = _restored(
        settled,
        "MIXPEEK_SYNC_REJECTS",
        "DELETE FROM MIXPEEK_SYNC_REJECTS WHERE DOCUMENT_ID = ?",
        [first["document_id"]],
    )
    try:
        problems = _everything(settled).problems
        assert problems == [f"{first['document_id']}: kept with SIZE_BYTES NULL but no reject row says why"]
    finally:
        restore()


def test_the_run_row_counts_are_measured_against_the_target(settled):
    settled.change_some()
    runs, keys = verify.run_log(settled.session), verify.row_keys(settled.session)
    summary = settled.sync(partitions=2, page_size=25)
    assert (summary["inserted"], summary["updated"], summary["deleted"]) == (1, 3, 1)
    assert verify.compare_run(settled.session, runs, keys).ok
    after = verify.row_keys(settled.session)
    updated = next(i for i, key in keys.items() if after[i] != key and not key[0] and not after[i][0])
    problems = verify.compare_run(settled.session, runs, {i: k for i, k in keys.items() if i != updated}).problems
    run = summary["run_id"]
    assert sorted(problems) == [
        f"run {run}: INSERTED 1, but the target shows 2",
        f"run {run}: UPDATED 3, but the target shows 2",
    ]
    settled.assert_matches_truth()
