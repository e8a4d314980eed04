"""A tiny run of the benchmark: every figure is measured, consistent with the others, and printed in one table.

Nothing here is about speed: the sizes are far too small for that, and the figures are only checked for sense.
"""

from __future__ import annotations

import math

import pytest

from mixpeek_local.bench.fetch import CONVERSION_ROUNDS
from mixpeek_local.bench.report import build_rows, ceilings, ideal_requests, render_context, render_table
from mixpeek_local.bench.run import CONVERSION_REPEATS, FETCH_ROUNDS, BenchConfig, bench_main, run_bench

CONFIG = BenchConfig(
    documents=160,
    baseline_documents=60,
    latency=0.0,
    partitions=2,
    page_size=30,
    fetch_latency=0.0,
    rate_limit=6000,
    rate_partitions=2,
    rate_page_size=30,
)


@pytest.fixture(scope="module")
def figures():
    return run_bench(CONFIG, say=lambda _message: None)


def test_every_sync_saw_every_document(figures):
    s = figures.syncs
    for run in (s.full,):
        assert run.summary["status"] == "SUCCEEDED"
        assert run.documents == run.summary["inserted"] == CONFIG.documents
    for run in (s.small, s.small_by_procedure, figures.rate.sync):
        assert run.summary["status"] == "SUCCEEDED"
        assert run.documents == run.summary["inserted"] == CONFIG.baseline_documents


def test_table_function_staging_counts(figures):
    full, small, by_procedure = figures.syncs.full, figures.syncs.small, figures.syncs.small_by_procedure
    assert full.summary["stage_statements"] == small.summary["stage_statements"] == 1
    assert full.summary["sql_statements"] == small.summary["sql_statements"]
    assert full.summary["pages"] > small.summary["pages"]
    assert by_procedure.summary["stage_statements"] >= 1
    assert full.binds.document_bytes == 0 and by_procedure.binds.document_bytes > 0
    assert by_procedure.binds.max_compressed_bytes > 0


def test_requests_are_counted_by_the_emulator_and_the_client_alike(figures):
    run = figures.syncs.full
    assert sum(figures.syncs.partition_sizes) == CONFIG.documents
    assert sum(run.requests.values()) == run.summary["api_requests"]
    assert run.list_requests == run.summary["pages"] == ideal_requests(figures.syncs.partition_sizes, CONFIG.page_size)
    assert run.requests["collection"] == 1 and run.requests["other"] == 1


def test_the_fetch_stage_lists_every_document_in_each_shape(figures):
    f = figures.fetches
    assert f.one.documents == f.many.documents == f.memory_large.documents == CONFIG.documents
    assert f.memory_small.documents == CONFIG.baseline_documents
    assert f.one.pages == math.ceil(CONFIG.documents / CONFIG.page_size)
    assert len(f.many.runs) == CONFIG.partitions and f.many.requests == f.many.pages
    small, large = f.memory_small.peak_bytes, f.memory_large.peak_bytes
    assert small > CONFIG.page_size * 1024 and large > CONFIG.page_size * 1024 and large / small < 1.6, (small, large)
    assert f.one.runs[0].peak_bytes is None
    assert f.conversion.documents == f.loads[0] == f.converted[0] == CONVERSION_REPEATS * CONFIG.baseline_documents


def test_rows_4_and_5_keep_the_fastest_of_their_rounds(figures):
    f = figures.fetches
    assert len(f.rounds.one) == len(f.rounds.many) == FETCH_ROUNDS
    assert (f.one.wall_seconds, f.many.wall_seconds) == (min(f.rounds.one), min(f.rounds.many))
    c = f.conversion
    assert len(c.one_rounds) == len(c.two_rounds) == CONVERSION_ROUNDS
    assert (c.one_seconds, c.two_seconds) == (min(c.one_rounds), min(c.two_rounds))


def test_incremental_fetches_the_changed_documents(figures):
    run = figures.syncs.incremental
    assert figures.syncs.changed == math.ceil(CONFIG.documents / 100)
    assert run.summary["mode"] == "incremental" and run.summary["updated"] == figures.syncs.changed


def test_the_rate_limited_runs_are_counted_by_the_emulator(figures):
    rate = figures.rate
    admitted, refused = rate.stage_counts
    assert admitted >= rate.stage.requests - refused and rate.stage.documents == CONFIG.baseline_documents
    assert len(rate.stage.runs) == CONFIG.rate_partitions


def test_the_table_prints_every_row_with_its_ratio(figures):
    rows = build_rows(figures)
    text = render_table(rows)
    assert len(rows) == 11
    assert text.splitlines()[0].split() == ["#", "Measure", "Measured", "Against", "Ratio", "Target", "Met"]
    for number, row in enumerate(rows, start=1):
        line = next(line for line in text.splitlines() if line.startswith(f"{number} "))
        assert row.measure in line and row.ratio_text in line and row.target in line
        assert f"{number}. {row.meaning}" in text
    assert rows[0].ratio == figures.syncs.full.summary["api_requests"] / ideal_requests(
        figures.syncs.partition_sizes, CONFIG.page_size
    )
    assert rows[3].ratio == figures.fetches.one.wall_seconds / figures.fetches.many.wall_seconds
    assert "Load average" in render_context(figures)
    assert ceilings(figures, 2)[0].startswith("Row 4 ceiling")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--documents", "0"], "--documents"),
        (["--partitions", "1"], "--partitions"),
        (["--latency", "fast"], "--latency"),
        (["--page-size", "5000"], "--page-size"),
        (["--rate-limit", "10"], "--rate-limit"),
    ],
)
def test_bad_arguments_name_the_option_and_the_allowed_values(argv, named, capsys):
    with pytest.raises(SystemExit) as stopped:
        bench_main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert named in error and "expected" in error
