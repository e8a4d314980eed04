"""Pure parts of a run: why state cannot start an incremental run, the listing body, the taxonomy cap."""

from __future__ import annotations

from mixpeek_snowflake.sync.definition import Definition
from mixpeek_snowflake.sync.requests import fetch_taxonomy_names, listing_body
from mixpeek_snowflake.sync.state import StoredState, TargetNow, identity_problem, state_problem

FILTER = {"field": "metadata.brand", "operator": "eq", "value": "Acme"}
GOOD = StoredState(watermark="2026-01-01T00:00:00.000000Z", target_rows=10, target_created="c1", exists=True)
SAME = TargetNow("DB.S.T", created_by_run=False, rows=10, created="c1")


def test_state_problems():
    assert "no committed run" in state_problem(StoredState())
    assert "no watermark" in state_problem(StoredState(target_rows=0))
    assert "unreadable" in state_problem(StoredState(watermark="soon", target_rows=3))
    assert state_problem(GOOD) is None


def test_identity_problems():
    assert identity_problem(GOOD, SAME) is None
    assert "did not exist" in identity_problem(GOOD, TargetNow("DB.S.T", True, None, None))
    assert "holds 0 rows, not the 10" in identity_problem(GOOD, TargetNow("DB.S.T", False, 0, "c1"))
    assert "recreated (created c2, not c1)" in identity_problem(GOOD, TargetNow("DB.S.T", False, 10, "c2"))
    assert "no row count was recorded" in identity_problem(StoredState(watermark=GOOD.watermark), SAME)
    assert identity_problem(StoredState(watermark=GOOD.watermark, target_rows=10), SAME) is None


def test_listing_body():
    full = listing_body(Definition(filters=FILTER, include_vectors=True), 50, None, 300)
    assert full == {"limit": 50, "filters": FILTER, "return_vectors": True}
    since = {"field": "_internal.updated_at", "operator": "gte", "value": "2025-12-31T23:55:00.000000Z"}
    incremental = listing_body(Definition(filters=FILTER), 50, GOOD.watermark, 300)
    assert incremental == {"limit": 50, "filters": {"AND": [FILTER, since]}}
    ids = listing_body(Definition(filters=FILTER, include_vectors=True), 50, GOOD.watermark, 300, filtered=False)
    assert ids == {"limit": 50, "filters": since}


class Names:
    def __init__(self):
        self.asked = []

    def get_taxonomy(self, taxonomy_id):
        self.asked.append(taxonomy_id)
        return {"taxonomy_name": f"name of {taxonomy_id}", "config": {"taxonomy_type": "flat"}}


def test_taxonomy_names_are_capped():
    source = Names()
    fetched, deferred = fetch_taxonomy_names(source, ["t1", "t2", "t3"], limit=2)
    assert source.asked == ["t1", "t2"] and deferred == 1
    assert fetched[0] == {"taxonomy_id": "t1", "taxonomy_name": "name of t1", "taxonomy_type": "flat"}
