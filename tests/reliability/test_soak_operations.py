"""The soak's target operations (drop, truncate, rows deleted by hand, definition changes) end in exact targets."""

from __future__ import annotations

from mixpeek_local.soak import operations
from mixpeek_local.soak.report import SoakConfig, format_report
from mixpeek_local.soak.run import run_soak


def test_a_soak_with_an_operation_before_every_run_converges(engine, monkeypatch):
    monkeypatch.setattr(operations, "OPERATION_SHARE", 1.0)
    config = SoakConfig(runs=14, seed=4, documents=30, fault_rate=0.3, max_partitions=4)
    report = run_soak(config, say=lambda line: None, engine=engine)
    table = format_report(report)
    assert report.ok, table
    assert report.operations["none"] == 1 and sum(report.operations.values()) == config.runs
    assert {"drop", "truncate", "delete rows", "filter"} <= set(report.operations), report.operations
    assert report.succeeded >= 7 and report.mismatches == 0
    assert "target operations before a run" in table


def test_the_filter_definition_is_what_the_soak_compares_with():
    assert operations.in_definition({"metadata": {"in_stock": False}}, filtered=True)
    assert not operations.in_definition({"metadata": {"in_stock": True}}, filtered=True)
    assert not operations.in_definition({"metadata": {}}, filtered=True)
    assert operations.in_definition({"metadata": {"in_stock": True}}, filtered=False)
