"""A reliability test's world: one database, one emulator collection, and a target kept converged between tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from mixpeek_local import verify
from mixpeek_local.emulator import Emulator, Store
from mixpeek_local.soak.faults import HookSlot
from mixpeek_snowflake import procedures

COLLECTION = "col_reliable001"
NAMESPACE = "ns_reliable"
API_KEY = "mxp_reliability_canary_9d4b1f"
TARGET = "MIXPEEK_DOCUMENTS"


@dataclass
class World:
    """The session, store and emulator a test module shares; `converged` says the target equals the truth."""

    session: Any
    store: Store
    emulator: Emulator
    slot: HookSlot
    collection: str = COLLECTION
    target: str = TARGET
    converged: bool = False
    graveyard: list[dict[str, Any]] = field(default_factory=list)

    def sync(self, mode: str = "incremental", *, session: Any = None, **options: Any) -> dict[str, Any]:
        """CALL sync_mixpeek_collection through the handler Snowflake runs."""
        self.converged = False
        call = procedures.sync_mixpeek_collection
        return call(session or self.session, self.collection, self.target, mode, options or None)

    def truth(self) -> list[dict[str, Any]]:
        """The emulator's documents now."""
        return self.store.documents(self.collection)

    def assert_matches_truth(self, served: list[dict[str, Any]] = ()) -> None:
        """The target holds exactly the emulator's documents (and any `served` beside them), every column, and
        flags every other row deleted; labels, taxonomy names, rejects and state agree with the emulator."""
        truth = [*self.truth(), *served]
        verdict = verify.compare_committed(self.session, truth, self.store, self.collection, NAMESPACE, self.target)
        assert verdict.ok, verdict.problems
        assert verdict.compared >= len(truth)
        self.converged = True

    def rows(self) -> dict[str, dict[str, Any]]:
        """Target rows by document id, DOCUMENT parsed."""
        return {r["DOCUMENT_ID"]: r for r in verify.target_rows(self.session, self.target)}

    def converge(self, mode: str = "incremental") -> dict[str, Any]:
        """A fault-free run, after which the target must equal the truth."""
        self.emulator.clear_faults()
        self.slot.hook = None
        summary = self.sync(mode, partitions=2, page_size=25)
        assert summary["status"] == "SUCCEEDED"
        self.assert_matches_truth()
        return summary

    def change_some(self) -> None:
        """Two updates, a deletion, an addition, and (from the second call on) a deleted document coming back."""
        store, collection = self.store, self.collection
        ids = [doc["document_id"] for doc in self.truth()]
        store.update_document(collection, ids[0], {"metadata": {"price": 1.25, "revision": uuid.uuid4().hex}})
        store.update_document(collection, ids[-1], {"metadata": {"in_stock": False}})
        if self.graveyard:
            store.add_document(collection, self.graveyard.pop())
        self.graveyard.append(store.get_document(collection, ids[len(ids) // 2]))
        store.delete_document(collection, ids[len(ids) // 2])
        store.add_document(collection)

    def fails_cleanly(
        self, call: Callable[[], Any], cause: str, error: Any = Exception, stage_empty: bool = True
    ) -> Any:
        """Run `call`, which must raise `error`; every table but the run log must be as before, the new run row
        FAILED naming `cause`, the stage empty (unless an earlier crash left rows there). Returns the exception."""
        before, runs_before = verify.snapshot(self.session, self.target), verify.run_log(self.session, self.target)
        with pytest.raises(error) as caught:
            call()
        verdict = verify.failed_cleanly(self.session, before, runs_before, cause, self.target, stage_empty)
        assert verdict.ok, verdict.problems
        return caught.value

    def requests_to(self, path_contains: str, since: int = 0) -> list[Any]:
        """Access-log entries after the first `since` whose path contains `path_contains`."""
        return [r for r in self.emulator.requests[since:] if path_contains in r.path]
