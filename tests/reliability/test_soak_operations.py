"""The soak's target operations (drop, truncate, rows deleted by hand, definition changes) end in exact targets."""

from __future__ import annotations

from local_world import refresh_mixpeek_labels
from reliability.world import NAMESPACE, TARGET

from mixpeek_local import verify
from mixpeek_local.soak import operations
from mixpeek_local.soak.report import SoakConfig, format_report
from mixpeek_local.soak.run import run_soak


def test_a_soak_with_an_operation_before_every_run_converges(engine, monkeypatch):
    monkeypatch.setattr(operations, "OPERATION_SHARE", 1.0)
    config = SoakConfig(runs=14, seed=1, documents=30, fault_rate=0.3, max_partitions=4)
    report = run_soak(config, say=lambda line: None, engine=engine)
    table = format_report(report)
    assert report.ok, table
    assert report.operations["none"] == 1 and sum(report.operations.values()) == config.runs
    assert set(operations.OPERATIONS) <= set(report.operations), report.operations
    assert report.succeeded >= 7 and report.mismatches == 0
    assert "target operations before a run" in table


def test_the_filter_definition_is_what_the_soak_compares_with():
    assert operations.in_definition({"metadata": {"in_stock": False}}, filtered=True)
    assert not operations.in_definition({"metadata": {"in_stock": True}}, filtered=True)
    assert not operations.in_definition({"metadata": {}}, filtered=True)
    assert operations.in_definition({"metadata": {"in_stock": True}}, filtered=False)


def test_the_label_check_catches_a_missing_label_and_another_targets_row(ready):
    truth = ready.truth()
    taxonomies = verify.taxonomy_truth(ready.store, NAMESPACE, truth)
    assert set(taxonomies) and verify.compare_labels(ready.session, truth, taxonomies).ok
    labels = verify.tables_of(TARGET).labels.sql
    [first] = verify.label_rows(ready.session)[:1]
    sql = ready.session.sql
    sql(
        f"DELETE FROM {labels} WHERE DOCUMENT_ID = ? AND TAXONOMY_ID = ? AND RANK = ?",
        params=[first[0], first[2], first[7]],
    ).collect()
    copy = (
        f"INSERT INTO {labels} SELECT DOCUMENT_ID, COLLECTION_ID, TAXONOMY_ID, TAXONOMY_NAME, NODE_ID, 'Other', SCORE, "
        f"RANK, PATH, DOCUMENT_UPDATED_AT, LAST_RUN_ID, LAST_SYNCED_AT, TARGET_TABLE FROM {labels} LIMIT 1"
    )
    sql(copy).collect()
    verdict = verify.compare_labels(ready.session, truth, taxonomies)
    assert any(p.startswith("label missing") and first[0] in p for p in verdict.problems)
    assert any(p.startswith("label not in Mixpeek") and "'Other'" in p for p in verdict.problems)
    refresh_mixpeek_labels(ready.session, ready.collection, TARGET)
    assert verify.compare_labels(ready.session, truth, taxonomies).ok
