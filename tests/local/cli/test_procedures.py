"""Each procedure subcommand against the emulator and the local engine: JSON on stdout, exit codes, the run log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local.cli.cli_world import COLLECTION, DOCUMENTS, RETRIEVER
from local_world import closed_port

from mixpeek_local.commands import exit_code
from mixpeek_local.emulator import Store


def as_json(text: str):
    return json.loads(text)


def test_sync_prints_its_summary_and_runs_and_status_show_it(cli, store: Store, tmp_path: Path) -> None:
    where = ("--local-dir", str(tmp_path))
    result = cli("sync", COLLECTION, "--mode", "full", "--quiet", *where)
    assert result.code == 0 and result.err == ""
    summary = as_json(result.out)
    live = [d for d in store.documents(COLLECTION)]
    assert (summary["status"], summary["inserted"], summary["documents_seen"]) == ("SUCCEEDED", len(live), len(live))
    assert len(live) == DOCUMENTS
    second = cli("sync", COLLECTION, *where)
    assert second.code == 0, second.err
    again = as_json(second.out)
    assert (again["mode"], again["inserted"], again["unchanged"]) == ("incremental", 0, again["documents_seen"])

    runs = as_json(cli("runs", "--json", *where).out)
    assert [r["RUN_ID"] for r in runs] == [again["run_id"], summary["run_id"]]
    assert runs[1]["STATUS"] == "SUCCEEDED" and runs[1]["INSERTED"] == DOCUMENTS
    assert as_json(cli("runs", "--json", "--limit", "1", *where).out)[0]["RUN_ID"] == again["run_id"]
    assert as_json(cli("runs", "--json", "--collection", "col_other", *where).out) == []
    assert len(as_json(cli("runs", "--json", "--target", "PUBLIC.MIXPEEK_DOCUMENTS", *where).out)) == 2
    assert as_json(cli("runs", "--json", "--target", "OTHER_TABLE", *where).out) == []
    table = cli("runs", *where).out
    assert table.splitlines()[0].split()[:5] == ["RUN_ID", "COLLECTION_ID", "TARGET_TABLE", "MODE", "STATUS"]

    (status,) = as_json(cli("status", "--json", *where).out)
    assert (status["COLLECTION_ID"], status["TARGET_TABLE"]) == (COLLECTION, "MIXPEEK.PUBLIC.MIXPEEK_DOCUMENTS")
    assert (status["LATEST_RUN_ID"], status["LATEST_STATUS"]) == (again["run_id"], "SUCCEEDED")
    assert status["LEASE_RUN_ID"] is None and status["LATEST_ERROR"] is None
    schema = as_json(cli("status", "--json", "--schema", "MIXPEEK.PUBLIC", *where).out)
    assert schema == [status]


def test_a_failed_sync_exits_1_with_one_line_and_is_in_the_run_log(cli, tmp_path: Path) -> None:
    where = ("--local-dir", str(tmp_path))
    url = f"http://127.0.0.1:{closed_port()}"
    result = cli("sync", COLLECTION, "--mixpeek-url", url, *where)
    assert result.code == 1 and result.out == ""
    assert result.err.splitlines() == [result.err.strip()]
    assert (
        result.err.startswith("error: could not complete GET") and f"is the Mixpeek API running at {url}?" in result.err
    )
    (run,) = as_json(cli("runs", "--json", *where).out)
    assert run["STATUS"] == "FAILED" and "connection refused" in run["ERROR"]
    (status,) = as_json(cli("status", "--json", *where).out)
    assert (status["COLLECTION_ID"], status["LATEST_RUN_ID"], status["LATEST_STATUS"]) == (
        COLLECTION,
        run["RUN_ID"],
        "FAILED",
    )
    assert "connection refused" in status["LATEST_ERROR"] and status["LAST_SUCCESS_AT"] is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("sync",), "the following arguments are required: collection"),
        (("sync", COLLECTION, "--mode", "sometimes"), "invalid choice: 'sometimes'"),
        (("sync", COLLECTION, "--option", "page_size"), "expected KEY=VALUE"),
        (("sync", COLLECTION, "--option", "bogus=1"), "invalid options: unknown option(s) bogus"),
        (("sync", COLLECTION, "--target", "a.b.c.d"), "invalid target_table"),
        (("search", RETRIEVER, "red", "--limit", "0"), "expected a whole number of 1 or more"),
        (("search", RETRIEVER, "red", "--filters", "[1]"), "expected a JSON object"),
        (("search", "../x", "red"), "invalid retriever_id"),
        (("runs", "--schema", "ONLY_ONE_PART"), "expected DATABASE.SCHEMA"),
        (("enrich", COLLECTION, "DROP TABLE X", "K"), "invalid source"),
        (("nonsense",), "invalid choice: 'nonsense'"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(cli, tmp_path: Path, argv: tuple[str, ...], message: str) -> None:
    local = ("--local-dir", str(tmp_path)) if argv[0] in ("sync", "runs", "enrich") else ()
    result = cli(*argv, *local)
    assert result.code == 2 and result.out == ""
    assert message in result.err


def test_runs_and_status_on_a_fresh_folder_say_there_is_nothing_yet(cli, tmp_path: Path) -> None:
    where = ("--local-dir", str(tmp_path))
    assert cli("runs", *where).out.startswith("(no runs yet")
    assert as_json(cli("runs", "--json", *where).out) == []
    assert cli("status", *where).out.startswith("(no targets yet")
    assert as_json(cli("status", "--json", *where).out) == []


def test_enrich_views_and_refresh_labels(cli, store: Store, tmp_path: Path) -> None:
    where = ("--local-dir", str(tmp_path))
    assert cli("sync", COLLECTION, "--mode", "full", "--quiet", *where).code == 0
    ids = [d["document_id"] for d in store.documents(COLLECTION)][:3]
    rows = " UNION ALL ".join(f"SELECT '{i}' AS DOC, 'tier{n}' AS TIER" for n, i in enumerate(ids))
    assert cli("sql", f"CREATE TABLE CRM AS {rows}", *where).code == 0

    enriched = cli("enrich", COLLECTION, "CRM", "DOC", "--option", "prefix=crm_", *where)
    assert enriched.code == 0
    summary = as_json(enriched.out)
    assert (summary["status"], summary["sent"], summary["failed"]) == ("SUCCEEDED", 3, 0)
    tiers = [(store.get_document(COLLECTION, i) or {}).get("metadata", {}).get("crm_tier") for i in ids]
    assert tiers == ["tier0", "tier1", "tier2"]

    views = as_json(cli("views", COLLECTION, *where).out)
    documents_view = views["views"][0]["name"]
    counted = as_json(cli("sql", f"SELECT COUNT(*) AS N FROM {documents_view}", "--json", *where).out)
    assert counted == [{"N": DOCUMENTS}]

    labels = as_json(cli("refresh-labels", COLLECTION, *where).out)
    counted = as_json(cli("sql", "SELECT COUNT(*) AS N FROM MIXPEEK_DOCUMENT_LABELS", "--json", *where).out)
    assert labels["status"] == "SUCCEEDED" and labels["labels_written"] == counted[0]["N"] > 0


def test_search_prints_ranked_rows_of_the_collection(cli, store: Store) -> None:
    result = cli("search", RETRIEVER, "red hiking boot", "--limit", "5")
    assert result.code == 0
    rows = as_json(result.out)
    stored = {d["document_id"]: d for d in store.documents(COLLECTION)}
    assert [r["RANK"] for r in rows] == [1, 2, 3, 4, 5]
    assert all(r["DOCUMENT_ID"] in stored and r["METADATA"] == stored[r["DOCUMENT_ID"]]["metadata"] for r in rows)
    in_stock = '{"AND": [{"field": "metadata.in_stock", "operator": "eq", "value": true}]}'
    filtered = as_json(cli("search", "cli-search", "red", "--limit", "50", "--filters", in_stock).out)
    assert filtered and all(stored[r["DOCUMENT_ID"]]["metadata"]["in_stock"] is True for r in filtered)


def test_sql_prints_a_table_or_json(cli, tmp_path: Path) -> None:
    where = ("--local-dir", str(tmp_path))
    assert as_json(cli("sql", "SELECT 1 AS ONE, 'a' AS TWO", "--json", *where).out) == [{"ONE": 1, "TWO": "a"}]
    assert cli("sql", "SELECT 1 AS ONE", *where).out.split() == ["ONE", "---", "1"]


@pytest.mark.parametrize(
    ("status", "code"),
    [("SUCCEEDED", 0), (None, 0), ("SKIPPED", 0), ("FAILED", 1), ("PARTIAL", 1), ("CANCELLED", 1)],
)
def test_exit_code_follows_the_summary_status(status: str | None, code: int) -> None:
    assert exit_code({"status": status} if status else {}) == code
