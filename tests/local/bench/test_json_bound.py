"""Row 6's bound: costs counted per library, identical texts counted byte for byte, the best mix only of exact ones."""

from __future__ import annotations

import json
import sys
import types

import pytest

from mixpeek_local.bench import json_bound as bound_module
from mixpeek_local.bench.json_bound import Costs, JsonBound, costs, json_bound
from mixpeek_local.bench.report import json_bound_line

DOCS = [{"document_id": "d1", "b": 1.5e-05, "a": "é/"}, {"document_id": "d2", "n": 10**20}]
BODY = json.dumps({"results": DOCS, "pagination": {"next_cursor": None}})


def test_identical_counts_only_texts_equal_to_stdlibs_byte_for_byte() -> None:
    spaced = costs("spaced", "1", json.loads, lambda doc: json.dumps(doc, sort_keys=True), [BODY])
    exact = costs(
        "exact",
        "1",
        json.loads,
        lambda doc: json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        [BODY],
    )
    assert (spaced.documents, spaced.identical) == (2, 0)
    assert (exact.documents, exact.identical) == (2, 2)


def test_the_best_mix_takes_the_fastest_parse_and_the_fastest_exact_canonical_text() -> None:
    stdlib = Costs("json (stdlib)", "", 2, loads_seconds=4.0, canonical_seconds=3.0, identical=2)
    fast_parse = Costs("a", "1", 2, loads_seconds=2.0, canonical_seconds=5.0, identical=2)
    fast_but_wrong = Costs("b", "1", 2, loads_seconds=9.0, canonical_seconds=0.5, identical=1)
    fast_exact = Costs("c", "1", 2, loads_seconds=9.0, canonical_seconds=1.0, identical=2)
    assert JsonBound(stdlib, [fast_parse, fast_but_wrong, fast_exact], []).best_ratio() == pytest.approx(3.0 / 4.0)
    assert JsonBound(stdlib, [], ["x 1"]).best_ratio() == pytest.approx(7.0 / 4.0)


def test_a_missing_library_is_named_and_an_installed_one_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in = types.ModuleType("ujson")
    stand_in.loads = json.loads  # type: ignore[attr-defined]
    stand_in.dumps = lambda doc, **_options: json.dumps(doc)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ujson", stand_in)
    monkeypatch.setitem(sys.modules, "rapidjson", None)
    monkeypatch.setitem(sys.modules, "simplejson", None)
    monkeypatch.setattr(bound_module.metadata, "version", lambda name: {"ujson": "5.4.0"}[name])
    bound = json_bound([BODY.encode("utf-8")])
    assert [(c.library, c.version, c.documents, c.identical) for c in bound.libraries] == [("ujson", "5.4.0", 2, 0)]
    assert bound.missing == ["python-rapidjson 1.5", "simplejson 3.17.6"]
    line = json_bound_line(bound)
    assert "ujson 5.4.0 parse" in line and "(0 of 2 texts identical to stdlib's)" in line
    assert "not installed here: python-rapidjson 1.5, simplejson 3.17.6" in line


def test_the_rest_is_labels_and_stage_row_of_every_document_over_its_canonical_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(bound_module, "document_labels", lambda doc: [{"of": doc["document_id"]}])

    def stage_row(doc: dict[str, object], text: str, labels: list[dict[str, object]]) -> str:
        calls.append((text, labels[0]["of"]))  # type: ignore[arg-type]
        return text

    monkeypatch.setattr(bound_module, "stage_row", stage_row)
    assert bound_module.rest_seconds([BODY]) >= 0
    texts = [json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for doc in DOCS]
    assert calls == [(texts[0], "d1"), (texts[1], "d2")] * 3


def test_the_line_adds_the_rest_to_the_best_mix_and_to_the_fastest_parse_alone() -> None:
    stdlib = Costs("json (stdlib)", "", 2, loads_seconds=4.0, canonical_seconds=3.0, identical=2)
    fast_parse = Costs("a", "1", 2, loads_seconds=2.0, canonical_seconds=5.0, identical=2)
    bound = JsonBound(stdlib, [fast_parse], [], rest_seconds=2.0)
    assert bound.rest_ratio() == pytest.approx(0.5)
    line = json_bound_line(bound)
    assert "The best mix of these: 1.25×" in line
    assert "on its own: 0.50×; so the conversion costs at least 1.75× with these libraries" in line
    assert "and 1.00× even with no canonical text" in line
