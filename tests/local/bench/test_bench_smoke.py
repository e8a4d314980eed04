"""A tiny run of the benchmark: every figure is measured, consistent with the others, and printed in one table.

Nothing here is about speed: the sizes are far too small for that, and the figures are only checked for sense.
"""

from __future__ import annotations

import math

import pytest

from mixpeek_local.bench.report import build_rows, ceilings, ideal_requests, render_context, render_table
from mixpeek_local.bench.run import BenchConfig, bench_main, run_bench

CONFIG = BenchConfig(documents=300, baseline_documents=120, latency=0.0, partitions=3, page_size=50)


@pytest.fixture(scope="module")
def figures():
    return run_bench(CONFIG, say=lambda _message: None)


def test_every_sync_saw_every_document(figures):
    for run in (figures.full_one, figures.full_many, figures.memory_large):
        assert run.summary["status"] == "SUCCEEDED"
        assert run.documents == run.summary["inserted"] == CONFIG.documents
    for run in (figures.small, figures.memory_small):
        assert run.documents == run.summary["inserted"] == CONFIG.baseline_documents


def test_requests_are_counted_by_the_emulator_and_the_client_alike(figures):
    run = figures.full_many
    assert sum(figures.partition_sizes) == CONFIG.documents
    assert len(figures.partition_sizes) == CONFIG.partitions
    assert sum(run.requests.values()) == run.summary["api_requests"]
    assert run.list_requests == run.summary["pages"] == ideal_requests(figures.partition_sizes, CONFIG.page_size)
    assert run.requests["collection"] == 1 and run.requests["events"] >= 1
    assert figures.full_one.list_requests == math.ceil(CONFIG.documents / CONFIG.page_size)


def test_the_parse_floor_reads_the_same_pages(figures):
    assert figures.floor.documents == CONFIG.documents
    assert figures.floor.pages == figures.full_many.summary["pages"]
    assert 0 < figures.floor.cpu_seconds < figures.full_many.cpu_seconds


def test_incremental_fetches_the_changed_documents(figures):
    run = figures.incremental
    assert figures.changed == math.ceil(CONFIG.documents / 100)
    assert run.summary["mode"] == "incremental"
    assert run.summary["updated"] == figures.changed
    assert figures.changed <= run.documents < CONFIG.documents


def test_memory_is_traced_only_where_asked_and_holds_pages_not_the_collection(figures):
    """Bounded memory: 2.5 times the documents (300 against 120) with the same pages (3 partitions of 50) must not
    take anywhere near 2.5 times the memory (measured on this machine: 1.94 MB and 2.56 MB, 1.32x). Each peak holds
    at least one page of documents (each over 1 KB of JSON)."""
    small, large = figures.memory_small.peak_bytes, figures.memory_large.peak_bytes
    assert small > CONFIG.page_size * 1024 and large > CONFIG.page_size * 1024
    assert large / small < 1.6, (small, large)
    assert figures.full_many.peak_bytes is None and figures.small.peak_bytes is None


def test_quick_start_loads_one_row_per_statement(figures):
    quick = figures.quick_start
    assert quick.documents == CONFIG.baseline_documents
    assert quick.statements == CONFIG.baseline_documents + 2
    assert quick.requests == math.ceil(CONFIG.baseline_documents / 100)
    assert quick.list_seconds > 0 and quick.insert_seconds > 0


def test_the_table_prints_every_row_with_its_ratio(figures):
    rows = build_rows(figures)
    text = render_table(rows)
    assert len(rows) == 10
    assert text.splitlines()[0].split() == ["#", "Measure", "Measured", "Against", "Ratio", "Target", "Met"]
    for number, row in enumerate(rows, start=1):
        line = next(line for line in text.splitlines() if line.startswith(f"{number} "))
        assert row.measure in line and row.ratio_text in line and row.target in line
        assert math.isfinite(row.ratio) and row.ratio > 0
        assert f"{number}. {row.meaning}" in text
    requests = rows[0]
    assert requests.ratio == figures.full_many.summary["api_requests"] / ideal_requests(
        figures.partition_sizes, CONFIG.page_size
    )
    assert "Load average" in render_context(figures)


def test_rows_follow_the_measured_figures(figures):
    rows = {row.measure.split(",")[0]: row for row in build_rows(figures)}
    speedup = rows["Full sync wall time"]
    assert speedup.ratio == figures.full_one.wall_seconds / figures.full_many.wall_seconds
    memory = rows["Python memory peak (tracemalloc)"]
    assert memory.ratio == figures.memory_large.peak_bytes / figures.memory_small.peak_bytes
    statements = rows["SQL statements"]
    fixed = figures.small.summary["sql_statements"] - figures.small.summary["stage_statements"]
    assert statements.ratio == figures.full_many.summary["sql_statements"] / (
        fixed + figures.full_many.summary["pages"]
    )
    assert 1 <= figures.full_many.summary["stage_statements"] <= figures.full_many.summary["pages"]


def test_ceilings_follow_the_cpu_figures(figures):
    run = figures.full_many
    cpu = (run.cpu_seconds + run.engine_cpu_seconds + run.emulator_cpu_seconds) / run.summary["pages"]
    row3, row4 = ceilings(figures, 2)
    expected = 2 * (CONFIG.latency + cpu) / cpu
    assert f"= {expected:.2f}×" in row3 if expected < 10 else f"= {expected:.0f}×" in row3
    assert row4.startswith("Row 4 floor") and "µs" in row4


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--documents", "0"], "--documents"),
        (["--partitions", "1"], "--partitions"),
        (["--latency", "fast"], "--latency"),
        (["--page-size", "5000"], "--page-size"),
    ],
)
def test_bad_arguments_name_the_option_and_the_allowed_values(argv, named, capsys):
    with pytest.raises(SystemExit) as stopped:
        bench_main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert named in error and "expected" in error
