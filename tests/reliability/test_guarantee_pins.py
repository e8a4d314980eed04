"""README guarantees with no other test: rejects commit or roll back with the rest of the run."""

from __future__ import annotations

import math

from mixpeek_local import verify
from mixpeek_local.soak.faults import CrashingSession, InjectedCrash, crash_point
from mixpeek_local.soak.run import product_tables

ONE_PAGE = {"partitions": 1, "page_size": 50}
BAD = [
    {"document_id": "doc_nan", "metadata": {"score": math.nan}},
    {"document_id": "doc_huge", "metadata": {}, "_internal": {"size_bytes": 10**40}},
]


def _rejects(world) -> list[dict]:
    sql = (
        f"SELECT RUN_ID, DOCUMENT_ID, REASON FROM {verify.tables_of(world.target).rejects.sql} WHERE COLLECTION_ID = ?"
    )
    return sorted(verify.rows(world.session, sql, [world.collection]), key=lambda r: r["DOCUMENT_ID"])


def test_rejects_roll_back_with_the_rest_and_land_with_the_run_that_commits(case):
    case.sync("full", **ONE_PAGE)
    case.store.put_documents(case.collection, BAD)
    for point in ("advance_state", "commit"):
        crashing = CrashingSession(case.session, crash_point(point, product_tables(case.target)), point)
        case.fails_cleanly(lambda: case.sync("full", session=crashing, **ONE_PAGE), f"({point})", InjectedCrash)  # noqa: B023
        assert crashing.fired and _rejects(case) == []
    summary = case.sync("full", **ONE_PAGE)
    assert (summary["rejected"], summary["kept_with_notes"]) == (1, 1)
    found = _rejects(case)
    assert [(r["RUN_ID"], r["DOCUMENT_ID"]) for r in found] == [
        (summary["run_id"], "doc_huge"),
        (summary["run_id"], "doc_nan"),
    ]
    assert "SIZE_BYTES" in found[0]["REASON"] and "NaN or Infinity" in found[1]["REASON"]
    truth = [doc for doc in case.truth() if doc["document_id"] != "doc_nan"]
    verdict = verify.compare_with_truth(case.session, truth, case.target, case.collection)
    verdict.add(verify.compare_rejects(case.session, truth, case.collection, case.target))
    assert verdict.ok, verdict.problems
