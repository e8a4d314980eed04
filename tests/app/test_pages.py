"""Each page under Streamlit's own harness (AppTest) against the local engine: widgets, contents, roles, actions."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from app.app_world import API_KEY, MAIN, PAGES, AppWorld
from streamlit.testing.v1 import AppTest

from mixpeek_app import backend
from mixpeek_app.navigation import visible
from mixpeek_local.demo.run import NAMESPACE

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
    assert failed["LAST_STATUS"] == "FAILED" and failed["CONSECUTIVE_FAILURES"] == 1
    assert failed["FRESHNESS"] == "never"
    assert [metric.value for metric in test.metric] == ["2", "1", "0"]


def test_a_failed_target_shows_its_error_in_full(app_world: AppWorld) -> None:
    app_world.hold("reader")
    (error,) = [
        row[0]
        for row in app_world.sql("SELECT ERROR FROM MIXPEEK_SYNC_RUNS WHERE STATUS = 'FAILED' AND ERROR IS NOT NULL")
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


def test_an_operator_sees_run_and_pause_and_they_call_the_procedures(app_world: AppWorld) -> None:
    app_world.hold("operator")
    test = page("targets")
    assert {"run_sync", "pause", "sync_mode", "pause_reason"} <= keys(test)
    documents = next(option for table, option in target_options(test).items() if table.endswith(".MIXPEEK_DOCUMENTS"))
    test.selectbox(key="target").select(documents).run()
    test.text_input(key="pause_reason").input("reindexing the collection").run()
    test.button(key="pause").click().run()
    assert not test.exception
    table = documents.split(" → ")[1]
    assert app_world.calls[-1] == (
        "pause_mixpeek_target",
        (app_world.world.collection_id, table, "reindexing the collection"),
    )
    assert any(s.value == "Pause: PAUSED" for s in test.success)

    before = app_world.sql("SELECT COUNT(*) FROM MIXPEEK_SYNC_RUNS WHERE TARGET_TABLE = ?", [table])[0][0]
    test.button(key="run_sync").click().run()
    assert not test.exception
    assert any(s.value == "Sync: SUCCEEDED" for s in test.success)
    runs = app_world.sql(
        "SELECT STATUS, MODE FROM MIXPEEK_SYNC_RUNS WHERE TARGET_TABLE = ? ORDER BY STARTED_AT", [table]
    )
    assert len(runs) == before + 1 and (runs[-1][0], runs[-1][1]) == ("SUCCEEDED", "incremental")


def paused_target() -> None:
    from mixpeek_app import targets, ui

    target = {"COLLECTION_ID": "col_paused0001", "TARGET_TABLE": "DB.S.T", "ENABLED": False, "PAUSED_REASON": "hold"}
    targets.operations(ui.start("Targets"), target)


def test_a_paused_target_offers_resume_not_pause(app_world: AppWorld) -> None:
    app_world.hold("operator")
    test = AppTest.from_function(paused_target, default_timeout=TIMEOUT).run()
    assert "resume" in keys(test) and "pause" not in keys(test)
    test.button(key="resume").click().run()
    assert app_world.calls[-1] == ("resume_mixpeek_target", ("col_paused0001", "DB.S.T"))


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
