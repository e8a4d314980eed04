"""The incremental window against the emulator's paced clock: a change that becomes visible late, with an
updated_at before the watermark, is read again within overlap_seconds and not beyond (a full run catches it)."""

from __future__ import annotations

from datetime import timedelta

from bundle.sync.e2e.helpers import COLLECTION, query, sync

from mixpeek_local.emulator.clock import format_timestamp, parse_timestamp


def _late(document_id: str, updated_at: str) -> dict:
    return {
        "document_id": document_id,
        "metadata": {"late": True},
        "_internal": {"created_at": updated_at, "updated_at": updated_at},
    }


def _ids(session) -> set[str]:
    return {r["DOCUMENT_ID"] for r in query(session, "SELECT DOCUMENT_ID FROM MIXPEEK_DOCUMENTS WHERE NOT IS_DELETED")}


def test_a_late_change_is_read_again_within_the_overlap_window_and_not_beyond(session, store, emulator):
    sync(session, "full")
    [state] = query(session, "SELECT WATERMARK FROM MIXPEEK_SYNC_STATE")
    watermark = parse_timestamp(state["WATERMARK"])
    inside = format_timestamp(watermark - timedelta(seconds=200))
    outside = format_timestamp(watermark - timedelta(seconds=400))
    store.put_documents(COLLECTION, [_late("doc_late_inside", inside), _late("doc_late_outside", outside)])
    summary = sync(session, overlap_seconds=300)
    assert summary["mode"] == "incremental" and summary["inserted"] == 1
    assert "doc_late_inside" in _ids(session) and "doc_late_outside" not in _ids(session)
    [after] = query(session, "SELECT WATERMARK FROM MIXPEEK_SYNC_STATE")
    assert after["WATERMARK"] == state["WATERMARK"]
    assert sync(session, overlap_seconds=500)["inserted"] == 1
    assert {"doc_late_inside", "doc_late_outside"} <= _ids(session)
