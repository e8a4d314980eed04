"""Each page under Streamlit's own harness (AppTest) against the local engine: widgets, contents, roles, actions."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from app.app_world import API_KEY, MAIN, PAGES, AppWorld
from streamlit.testing.v1 import AppTest

from mixpeek_app import backend
from mixpeek_app.local import world as worlds
from mixpeek_app.navigation import visible
from mixpeek_local.demo.run import NAMESPACE
from mixpeek_local.emulator.faults import Fault

TIMEOUT = 60


def page(name: str) -> AppTest:
    test = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT).run()
    assert not test.exception, [e.value for e in test.exception]
    return test


def keys(test: AppTest) -> set[str]:
    return {widget.key for widget in (*test.button, *test.selectbox, *test.text_input) if widget.key}


def texts(test: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*test.markdown, *test.caption, *test.info, *test.error, *test.success))


def target_options(test: AppTest) -> dict[str, str]:
    """TARGET_TABLE → the option naming it in the Target select box."""
    return {option.split(" → ")[1]: option for option in test.selectbox(key="target").options}


def test_targets_lists_every_target_with_its_health(app_world: AppWorld) -> None:
    app_world.hold("reader")
    expected = {row[0] for row in app_world.sql("SELECT DISTINCT TARGET_TABLE FROM MIXPEEK_SYNC_RUNS")}
    test = page("targets")
    (health,) = [frame.value for frame in test.dataframe if "FRESHNESS" in frame.value.columns]
    assert set(health["TARGET_TABLE"]) == expected and len(expected) == 2
    failed = health[health["TARGET_TABLE"].str.endswith(app_world.world.failed_target)].iloc[0]
    # One failure as the world is built, one more once an operator's test has run a failing sync.
    failures = app_world.sql(
        "SELECT COUNT(*) FROM MIXPEEK_SYNC_RUNS WHERE TARGET_TABLE = ? AND STATUS = 'FAILED'", [failed["TARGET_TABLE"]]
    )[0][0]
    assert failed["LAST_STATUS"] == "FAILED" and failed["CONSECUTIVE_FAILURES"] == failures >= 1
    assert failed["FRESHNESS"] == "never"
    assert [metric.value for metric in test.metric] == ["2", "1", "0"]


def test_a_failed_target_shows_its_error_in_full(app_world: AppWorld) -> None:
    app_world.hold("reader")
    (error,) = [
        row[0]
        for row in app_world.sql(
            "SELECT ERROR FROM MIXPEEK_SYNC_RUNS WHERE STATUS = 'FAILED' AND ERROR IS NOT NULL "
            "ORDER BY STARTED_AT DESC, RUN_ID DESC LIMIT 1"
        )
    ]
    test = page("targets")
    options = target_options(test)
    chosen = next(option for table, option in options.items() if table.endswith(app_world.world.failed_target))
    test.selectbox(key="target").select(chosen).run()
    assert not test.exception
    assert [code.value for code in test.code] == [error]
    assert "metadata.colour does not exist" in error
    assert any("Last error" in e.value for e in test.error)


def test_a_reader_sees_no_operator_buttons(app_world: AppWorld) -> None:
    app_world.hold("reader")
    test = page("targets")
    assert keys(test) == {"target"}
    assert not test.button


def configured(app_world: AppWorld, table: str) -> tuple[Any, Any]:
    """(ENABLED, PAUSED_REASON) of the target as MIXPEEK_SYNC_TARGETS holds it."""
    (row,) = app_world.sql(
        "SELECT ENABLED, PAUSED_REASON FROM MIXPEEK_SYNC_TARGETS WHERE COLLECTION_ID = ? AND TARGET_TABLE = ?",
        [app_world.world.collection_id, table],
    )
    return row[0], row[1]


def health_of(test: AppTest, table: str) -> Any:
    (health,) = [frame.value for frame in test.dataframe if "FRESHNESS" in frame.value.columns]
    return health[health["TARGET_TABLE"] == table].iloc[0]


def test_an_operator_pauses_and_resumes_a_target_through_the_procedures(app_world: AppWorld) -> None:
    app_world.hold("operator")
    test = page("targets")
    assert {"run_sync", "pause", "sync_mode", "pause_reason"} <= keys(test)
    documents = next(option for table, option in target_options(test).items() if table.endswith(".MIXPEEK_DOCUMENTS"))
    table = documents.split(" → ")[1]
    assert configured(app_world, table) == (True, None)
    test.selectbox(key="target").select(documents).run()
    test.text_input(key="pause_reason").input("reindexing the collection").run()
    test.button(key="pause").click().run()
    assert not test.exception, [e.value for e in test.exception]
    assert configured(app_world, table) == (False, "reindexing the collection")
    assert [s.value for s in test.success] == ["Pause: paused (reindexing the collection)"]
    shown = health_of(test, table)
    assert not shown["ENABLED"] and shown["PAUSED_REASON"] == "reindexing the collection"
    assert "resume" in keys(test) and "pause" not in keys(test)

    test.button(key="resume").click().run()
    assert not test.exception, [e.value for e in test.exception]
    assert configured(app_world, table) == (True, None)
    assert [s.value for s in test.success] == ["Resume: enabled"]
    shown = health_of(test, table)
    assert shown["ENABLED"] and shown["PAUSED_REASON"] is None
    assert "pause" in keys(test) and "resume" not in keys(test)


def test_an_operator_runs_a_sync_now_through_the_procedure(app_world: AppWorld) -> None:
    app_world.hold("operator")
    test = page("targets")
    documents = next(option for table, option in target_options(test).items() if table.endswith(".MIXPEEK_DOCUMENTS"))
    table = documents.split(" → ")[1]
    test.selectbox(key="target").select(documents).run()
    runs = "SELECT RUN_ID, STATUS, MODE FROM MIXPEEK_SYNC_RUNS WHERE TARGET_TABLE = ? ORDER BY STARTED_AT, RUN_ID"
    before = app_world.sql(runs, [table])
    test.button(key="run_sync").click().run()
    assert not test.exception, [e.value for e in test.exception]
    after = app_world.sql(runs, [table])
    (new,) = [row for row in after if row[0] not in {old[0] for old in before}]
    assert (new[1], new[2]) == ("SUCCEEDED", "incremental") and len(after) == len(before) + 1
    assert [s.value for s in test.success] == ["Sync: SUCCEEDED"]
    (health,) = app_world.sql(
        "SELECT LAST_RUN_ID, LAST_STATUS, CONSECUTIVE_FAILURES FROM MIXPEEK_TARGET_HEALTH WHERE TARGET_TABLE = ?",
        [table],
    )
    assert (health[0], health[1], health[2]) == (new[0], "SUCCEEDED", 0)
    assert health_of(test, table)["LAST_STATUS"] == "SUCCEEDED"
    (history,) = [f.value for f in test.dataframe if "RUN_ID" in f.value.columns]
    assert history["RUN_ID"].iloc[0] == new[0], "the run history, newest first, starts with the new run"


def test_a_failing_sync_shows_the_procedures_error_and_is_recorded_as_failed(app_world: AppWorld) -> None:
    app_world.hold("operator")
    test = page("targets")
    failed = next(
        option for table, option in target_options(test).items() if table.endswith(app_world.world.failed_target)
    )
    table = failed.split(" → ")[1]
    test.selectbox(key="target").select(failed).run()
    test.selectbox(key="sync_mode").select("full").run()
    count = "SELECT COUNT(*) FROM MIXPEEK_SYNC_RUNS WHERE TARGET_TABLE = ? AND STATUS = 'FAILED'"
    before = app_world.sql(count, [table])[0][0]
    app_world.emulator.inject(Fault("status", status=400, message=worlds.FAILURE_MESSAGE))
    try:
        test.button(key="run_sync").click().run()
    finally:
        app_world.emulator.clear_faults()
    assert not test.exception, [e.value for e in test.exception]
    assert not test.success
    (shown,) = [e.value for e in test.error if e.value.startswith("Sync failed: ")]
    assert worlds.FAILURE_MESSAGE in shown
    assert app_world.sql(count, [table])[0][0] == before + 1


def test_labels_per_taxonomy_and_the_documents_of_a_label(app_world: AppWorld) -> None:
    app_world.hold("reader")
    test = page("labels")
    assert {"labels_target", "taxonomy", "label"} <= keys(test)
    taxonomy = test.selectbox(key="taxonomy").value.rsplit("(", 1)[1].rstrip(")")
    target = test.selectbox(key="labels_target").value
    counted = app_world.sql(
        "SELECT LABEL, COUNT(*) AS N FROM MIXPEEK_DOCUMENT_LABELS WHERE TAXONOMY_ID = ? AND TARGET_TABLE = ? "
        "AND RANK = 1 GROUP BY LABEL",
        [taxonomy, target],
    )
    by_count = sorted(counted, key=lambda row: (-row[1], row[0]))
    assert test.selectbox(key="label").options == [row[0] for row in by_count]
    label = by_count[-1][0]
    test.selectbox(key="label").select(label).run()
    assert not test.exception
    labelled = {
        row[0]
        for row in app_world.sql(
            "SELECT l.DOCUMENT_ID FROM MIXPEEK_DOCUMENT_LABELS l JOIN MIXPEEK_DOCUMENTS d "
            "ON d.DOCUMENT_ID = l.DOCUMENT_ID WHERE l.TAXONOMY_ID = ? AND l.LABEL = ? AND NOT d.IS_DELETED",
            [taxonomy, label],
        )
    }
    shown = {m.value.rsplit("`", 2)[1] for m in test.markdown if m.value.startswith("**")}
    assert shown == labelled and labelled
    assert sum(1 for c in test.caption if c.value.startswith("thumbnail: s3://")) == len(labelled)


def emulator_search(app_world: AppWorld, query: str, limit: int) -> list[dict[str, Any]]:
    """The emulator's own answer to the retriever, over HTTP: what the page must show, in order."""
    response = requests.post(
        f"{app_world.emulator.base_url}/v1/retrievers/{app_world.world.retriever}/execute",
        json={"inputs": {"query": query}, "pagination": {"method": "cursor", "limit": limit}},
        headers={"Authorization": f"Bearer {API_KEY}", "X-Namespace": NAMESPACE},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["documents"]


def test_a_search_shows_the_retrievers_documents_joined_to_the_business_table(app_world: AppWorld) -> None:
    app_world.hold("searcher")
    test = page("search")
    assert {"retriever", "query", "table", "key_column", "join_on"} <= keys(test)
    test.text_input(key="query").input("red boot")
    test.number_input(key="limit").set_value(8)
    test.button[0].click().run()
    assert not test.exception
    expected = emulator_search(app_world, "red boot", 8)
    shown = [m.value.rsplit("`", 2)[1] for m in test.markdown if m.value.startswith("**")]
    assert shown == [doc["document_id"] for doc in expected] and expected
    assert sum(1 for c in test.caption if c.value.startswith("thumbnail: s3://")) == len(expected)
    tiers = dict(app_world.sql(f"SELECT DOCUMENT_ID, TIER FROM {app_world.world.source}"))
    (joined,) = [frame.value for frame in test.dataframe]
    assert list(joined["DOCUMENT_ID"]) == shown
    for document_id, tier in zip(joined["DOCUMENT_ID"], joined.get("TIER", [None] * len(joined)), strict=True):
        assert (tier if isinstance(tier, str) else None) == tiers.get(document_id)


def test_a_join_to_a_table_name_that_is_not_an_identifier_is_refused(app_world: AppWorld) -> None:
    app_world.hold("searcher")
    test = page("search")
    test.text_input(key="table").input("DEMO_CUSTOMER_TIERS; DROP TABLE MIXPEEK_DOCUMENTS")
    test.button[0].click().run()
    assert not test.exception
    assert any("The join failed: invalid business table" in e.value for e in test.error), [e.value for e in test.error]
    assert app_world.sql("SELECT COUNT(*) FROM MIXPEEK_DOCUMENTS")[0][0] > 0


@pytest.mark.parametrize("audience", ["reader", "operator"])
def test_search_is_only_for_the_role_that_may_search(app_world: AppWorld, audience: str) -> None:
    app_world.hold(audience)
    test = page("search")
    may_search = audience == "operator"
    assert bool(test.button) == may_search
    assert ("Searching needs the MIXPEEK_SENSITIVE_READER role" in texts(test)) == (not may_search)


def test_enrich_shows_the_last_push_and_what_failed(app_world: AppWorld) -> None:
    app_world.hold("operator")
    test = page("enrich")
    pushed = app_world.sql(f"SELECT COUNT(*) FROM {app_world.world.source} WHERE DOCUMENT_ID <> 'doc_000000000000'")
    (pushes,) = [f.value for f in test.dataframe if "PUSHED_AT" in f.value.columns]
    assert list(pushes["DOCUMENTS"]) == [pushed[0][0]]
    recorded = app_world.sql("SELECT DOCUMENT_ID, REASON FROM MIXPEEK_ENRICH_FAILURES")
    (failures,) = [f.value for f in test.dataframe if "UPDATE_DATA" in f.value.columns]
    assert list(zip(failures["DOCUMENT_ID"], failures["REASON"], strict=True)) == [tuple(r) for r in recorded]
    assert len(recorded) == 1 and "not found" in recorded[0][1]


@pytest.mark.parametrize("audience, search", [("reader", False), ("searcher", True), ("operator", True)])
def test_the_navigation_lists_search_only_for_the_search_role(app_world: AppWorld, audience: str, search: bool) -> None:
    app_world.hold(audience)
    test = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT).run()
    assert not test.exception
    assert test.title[0].value == "Targets"
    pages = ["targets", "labels", "enrich"] if not search else ["targets", "labels", "search", "enrich"]
    assert visible(backend.access(app_world.local)) == pages
