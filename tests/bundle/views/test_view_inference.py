"""Field schemas inferred from sampled documents, and merged under the declared output schema."""

from __future__ import annotations

import pytest

from mixpeek_snowflake.views import inference as view_inference
from mixpeek_snowflake.views.inference import SAMPLED, infer_field, infer_properties, merge_properties, value_kind


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, "boolean"),
        (3, "integer"),
        (2.5, "number"),
        ("2026-01-02T03:04:05Z", "datetime"),
        ("2026-01-02T03:04:05.123456789+02:00", "datetime"),
        ("2026-01-02", "datetime"),
        ("2026-02-30", "string"),
        ("12", "string"),
        ("hello", "string"),
        ({"a": 1}, "object"),
        ([1], "array"),
    ],
)
def test_value_kind(value, kind):
    assert value_kind(value) == kind


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True, False], "boolean"),
        ([1, 2], "integer"),
        ([1, 2.5], "number"),
        (["2026-01-02T03:04:05Z", "2026-01-03"], "datetime"),
        (["2026-01-02T03:04:05Z", "soon"], "string"),
        (["a", 1], None),
        ([True, 1], None),
    ],
)
def test_infer_field_scalars(values, expected):
    field = infer_field(values, [], "x")
    assert field.get("type") == expected
    assert field[SAMPLED] == len(values)


def test_infer_properties_nests_objects_and_arrays_of_records():
    warnings: list[str] = []
    samples = [
        {"metadata": {"price": 3, "tags": ["a"]}, "objects": [{"label": "cat", "confidence": 0.9}]},
        {"metadata": {"price": 4.5, "season": None}, "objects": [{"label": "dog"}], "empty": []},
    ]
    props = infer_properties(samples, warnings)
    assert list(props) == ["empty", "metadata", "objects"]
    assert props["metadata"]["properties"]["price"]["type"] == "number"
    assert props["metadata"]["properties"]["tags"] == {
        SAMPLED: 1,
        "type": "array",
        "items": {SAMPLED: 1, "type": "string"},
    }
    assert "season" not in props["metadata"]["properties"]
    items = props["objects"]["items"]["properties"]
    assert items["label"] == {SAMPLED: 2, "type": "string"} and items["confidence"]["type"] == "number"
    assert props["empty"] == {SAMPLED: 1, "type": "array", "items": {}}
    assert warnings == []


def test_too_many_keys_keeps_the_most_frequent_and_says_so(monkeypatch):
    monkeypatch.setattr(view_inference, "MAX_INFERRED_KEYS", 2)
    warnings: list[str] = []
    props = infer_properties([{"a": 1, "b": 1, "c": 1}, {"b": 2, "c": 2}, {"c": 3}], warnings, "metadata")
    assert list(props) == ["b", "c"]
    assert warnings == ["1 sampled keys under metadata got no column (limit 2)"]


def test_merge_keeps_declared_types_and_order_and_adds_sampled_fields():
    declared = {
        "title": {"type": "string"},
        "metadata": {"type": "object"},
        "objects": {"type": "array", "items": {"type": "object", "properties": {"label": {"type": "string"}}}},
        "tags": {"type": "array"},
    }
    inferred = {
        "title": {"type": "integer", SAMPLED: 2},
        "metadata": {"type": "object", "properties": {"sku": {"type": "string", SAMPLED: 2}}},
        "objects": {"type": "array", "items": {"type": "object", "properties": {"score": {"type": "number"}}}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "added": {"type": "boolean", SAMPLED: 1},
    }
    merged = merge_properties(declared, inferred)
    assert list(merged) == ["title", "metadata", "objects", "tags", "added"]
    assert merged["title"] == {"type": "string"}
    assert merged["metadata"]["properties"] == {"sku": {"type": "string", SAMPLED: 2}}
    assert list(merged["objects"]["items"]["properties"]) == ["label", "score"]
    assert merged["tags"]["items"] == {"type": "string"}
    assert merged["added"] == {"type": "boolean", SAMPLED: 1}
