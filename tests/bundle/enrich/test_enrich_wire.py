"""What enrich sends, against the API reference rather than the emulator's update code: dotted metadata keys, and a
NULL column as a key set to null, which the reference says removes it ("a key set to null is removed")."""

from __future__ import annotations

from typing import Any

from bundle.enrich.test_enrich_e2e import BATCH_PATH, COLLECTION, CUSTOMERS

from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.procedures import enrich_mixpeek_documents


def test_a_null_column_goes_out_as_its_dotted_key_set_to_null(session, emulator, store, load, doc_ids, monkeypatch):
    sent: list[tuple[str, Any]] = []
    real = MixpeekClient.request

    def recording(self: MixpeekClient, method: str, path: str, **kwargs: Any) -> Any:
        sent.append((path, kwargs.get("json")))
        return real(self, method, path, **kwargs)

    monkeypatch.setattr(MixpeekClient, "request", recording)
    load("CUSTOMERS", CUSTOMERS, [{"DOC_ID": doc_ids[0], "TIER": "gold"}])
    summary = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"columns": ["TIER", "LTV"]})
    assert summary["sent"] == 1
    [body] = [json for path, json in sent if path.endswith(BATCH_PATH)]
    [update] = [u for u in body["updates"] if u["document_id"] == doc_ids[0]]
    assert update["update_data"] == {"metadata.sf_tier": "gold", "metadata.sf_ltv": None}
