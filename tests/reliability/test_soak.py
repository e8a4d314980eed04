"""The soak in a short seeded form, the checks it relies on (they catch what they must), and its command line."""

from __future__ import annotations

import json

import pytest
from reliability.world import TARGET

from mixpeek_local import verify
from mixpeek_local.soak.faults import PLANS, pick_plan
from mixpeek_local.soak.report import SoakConfig, SoakReport, format_report
from mixpeek_local.soak.run import build_parser, run_soak, soak_main

SHORT = SoakConfig(runs=10, seed=2, documents=30, fault_rate=0.85, max_partitions=16)


def test_a_short_seeded_soak_loses_nothing_leaves_nothing_and_converges(engine):
    lines: list[str] = []
    report = run_soak(SHORT, say=lines.append, engine=engine)
    table = format_report(report)
    assert report.ok, table
    assert report.runs == SHORT.runs and report.succeeded + report.failed_cleanly == SHORT.runs
    assert report.faults_injected >= SHORT.runs // 2 and report.failed_cleanly >= 1 and report.succeeded >= 3
    assert report.documents_compared >= report.succeeded * SHORT.documents // 2
    assert (report.mismatches, report.orphan_stage_rows, report.failed_uncleanly, report.unexpected) == (0, 0, 0, 0)
    assert "mismatches" in table and "orphan stage rows" in table and "PROBLEM" not in table


def test_the_same_seed_plans_the_same_faults():
    import random

    first, second = random.Random(9), random.Random(9)
    assert [pick_plan(first, 0.7).label for _ in range(50)] == [pick_plan(second, 0.7).label for _ in range(50)]
    labels = {pick_plan(random.Random(seed), 1.0).label for seed in range(400)}
    assert labels == set(PLANS)


def test_the_checks_catch_a_wrong_target(ready):
    truth = ready.truth()
    tables = verify.tables_of(TARGET)
    ids = [doc["document_id"] for doc in truth]
    sql = ready.session.sql
    sql(f"UPDATE {tables.target.sql} SET IS_DELETED = TRUE WHERE DOCUMENT_ID = ?", params=[ids[0]]).collect()
    changed = json.dumps({**truth[1], "metadata": {"tampered": True}})
    sql(
        f"UPDATE {tables.target.sql} SET DOCUMENT = PARSE_JSON(?) WHERE DOCUMENT_ID = ?", params=[changed, ids[1]]
    ).collect()
    sql(f"DELETE FROM {tables.target.sql} WHERE DOCUMENT_ID = ?", params=[ids[2]]).collect()
    copy = f"INSERT INTO {tables.target.sql} SELECT * FROM {tables.target.sql} WHERE DOCUMENT_ID = ?"
    sql(copy, params=[ids[3]]).collect()
    verdict = verify.compare_with_truth(ready.session, truth[4:] + truth[:4] + [{"document_id": "doc_never_seen"}])
    ready.converged = False
    assert sorted(verdict.problems) == sorted(
        [
            f"{ids[0]}: flagged deleted in the target",
            f"{ids[0]}: deleted with DELETED_AT None",
            f"{ids[1]}: the target holds another version than Mixpeek",
            f"{ids[2]}: missing in the target",
            f"{ids[3]}: 2 rows",
            "doc_never_seen: missing in the target",
        ]
    )
    stage = f"INSERT INTO {tables.stage.sql} (RUN_ID, OP, DOCUMENT_ID) SELECT 'run_left', 'U', 'doc_x'"
    sql(stage).collect()
    assert verify.orphan_stage_rows(ready.session) == 1
    sql(f"DELETE FROM {tables.stage.sql} WHERE RUN_ID = 'run_left'").collect()


def test_a_report_with_anything_lost_or_left_is_not_ok():
    for field in ("mismatches", "orphan_stage_rows", "failed_uncleanly", "unexpected"):
        report = SoakReport(SoakConfig(), runs=1, **{field: 1})
        assert not report.ok, field
    assert SoakReport(SoakConfig(), runs=1, succeeded=1).ok


@pytest.mark.parametrize("argv", [["--runs", "0"], ["--runs", "many"], ["--fault-rate", "1.5"], ["--documents", "-3"]])
def test_the_command_refuses_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        soak_main(argv)
    assert caught.value.code == 2 and "expected" in capsys.readouterr().err


def test_the_command_options_have_the_long_form_defaults():
    args = build_parser().parse_args([])
    assert (args.runs, args.seed, args.documents, args.fault_rate, args.max_partitions) == (200, 7, 120, 0.6, 16)
