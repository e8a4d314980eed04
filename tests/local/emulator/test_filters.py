"""LogicalOperator filters: every operator, nesting, shorthand, case sensitivity, 422 on malformed input."""

from __future__ import annotations

import pytest

from mixpeek_local.emulator.errors import ApiError
from mixpeek_local.emulator.filters import compile_filter

DOCS = [
    {
        "document_id": "doc_a",
        "metadata": {
            "brand": "Lumen",
            "price": 10.0,
            "tags": ["sale", "eco"],
            "in_stock": True,
            "note": None,
        },
        "title": "Red Shoe",
        "_internal": {"updated_at": "2026-01-10T00:00:00.000000Z"},
        "detected_objects": [{"label": "shoe"}, {"label": "person"}],
    },
    {
        "document_id": "doc_b",
        "metadata": {"brand": "Vertex", "price": 25.5, "tags": ["new-arrival"], "in_stock": False},
        "title": "Blue Jacket",
        "_internal": {"updated_at": "2026-02-01T12:30:00.500000Z"},
    },
    {
        "document_id": "doc_c",
        "metadata": {"brand": "lumen", "price": 99, "tags": [], "in_stock": True},
        "title": "Green Mug",
        "_internal": {"updated_at": "2026-03-01T00:00:00.000000Z"},
    },
]


def matching(spec):
    predicate = compile_filter(spec)
    return [doc["document_id"] for doc in DOCS if predicate(doc)]


def cond(field, operator, value, **extra):
    return {"AND": [{"field": field, "operator": operator, "value": value, **extra}]}


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [
        ("metadata.brand", "eq", "Lumen", ["doc_a", "doc_c"]),
        ("metadata.brand", "ne", "Lumen", ["doc_b"]),
        ("metadata.price", "gt", 10, ["doc_b", "doc_c"]),
        ("metadata.price", "gte", 10, ["doc_a", "doc_b", "doc_c"]),
        ("metadata.price", "lt", 25.5, ["doc_a"]),
        ("metadata.price", "lte", 25.5, ["doc_a", "doc_b"]),
        ("metadata.brand", "in", ["vertex", "nobody"], ["doc_b"]),
        ("metadata.brand", "nin", ["vertex"], ["doc_a", "doc_c"]),
        ("title", "contains", "shoe", ["doc_a"]),
        ("metadata.tags", "contains", "sale", ["doc_a"]),
        ("metadata.tags", "eq", "new-arrival", ["doc_b"]),
        ("title", "starts_with", "blue", ["doc_b"]),
        ("title", "ends_with", "MUG", ["doc_c"]),
        ("title", "regex", "^(red|green) ", ["doc_a", "doc_c"]),
        ("title", "text", "jacket", ["doc_b"]),
        ("metadata.note", "exists", True, ["doc_a"]),
        ("metadata.note", "exists", False, ["doc_b", "doc_c"]),
        ("metadata.note", "is_null", True, ["doc_a", "doc_b", "doc_c"]),
        ("metadata.brand", "is_null", False, ["doc_a", "doc_b", "doc_c"]),
        ("metadata.in_stock", "eq", True, ["doc_a", "doc_c"]),
        ("metadata.in_stock", "eq", 1, []),
        ("detected_objects.label", "eq", "person", ["doc_a"]),
    ],
)
def test_each_operator(field, operator, value, expected):
    assert matching(cond(field, operator, value)) == expected


def test_timestamps_compare_as_times():
    assert matching(cond("_internal.updated_at", "gte", "2026-02-01T12:30:00.5Z")) == ["doc_b", "doc_c"]
    assert matching(cond("_internal.updated_at", "gt", "2026-02-01T12:30:00Z")) == ["doc_b", "doc_c"]
    assert matching(cond("_internal.updated_at", "lt", "2026-01-31")) == ["doc_a"]


def test_case_sensitive_at_group_and_leaf_level():
    assert matching({"AND": [{"field": "metadata.brand", "operator": "eq", "value": "lumen"}]}) == [
        "doc_a",
        "doc_c",
    ]
    assert matching({**cond("metadata.brand", "eq", "lumen"), "case_sensitive": True}) == ["doc_c"]
    assert matching(cond("metadata.brand", "eq", "lumen", case_sensitive=True)) == ["doc_c"]
    assert matching(cond("metadata.brand", "eq", "lumen", case_sensitive=False)) == ["doc_a", "doc_c"]


def test_nesting_and_or_not():
    spec = {
        "AND": [
            {"field": "metadata.in_stock", "operator": "eq", "value": True},
            {
                "OR": [
                    {"field": "metadata.price", "operator": "gt", "value": 50},
                    {"NOT": [{"field": "metadata.tags", "operator": "contains", "value": "eco"}]},
                ]
            },
        ]
    }
    assert matching(spec) == ["doc_c"]
    assert matching({"NOT": [{"field": "metadata.brand", "operator": "eq", "value": "lumen"}]}) == ["doc_b"]
    assert matching({"OR": [cond("title", "contains", "mug"), cond("title", "contains", "shoe")]}) == [
        "doc_a",
        "doc_c",
    ]


def test_shorthand_equality_and_defaults():
    assert matching({"metadata.brand": "Vertex"}) == ["doc_b"]
    assert matching({"metadata.brand": "lumen", "metadata.price": 99}) == ["doc_c"]
    assert matching({"AND": [{"field": "metadata.brand", "value": "vertex"}]}) == ["doc_b"]
    assert matching(None) == matching({}) == ["doc_a", "doc_b", "doc_c"]


@pytest.mark.parametrize(
    "spec",
    [
        ["not", "an", "object"],
        {"AND": {"field": "x"}},
        {"AND": ["x"]},
        cond("metadata.brand", "like", "x"),
        cond("metadata.brand", "words", "x"),
        {"AND": [{"field": "", "operator": "eq", "value": 1}]},
        {"AND": [{"field": "a", "operator": "eq", "value": 1, "operater": "ne"}]},
        cond("metadata.brand", "in", "not-a-list"),
        cond("metadata.price", "gt", {"x": 1}),
        cond("title", "regex", "("),
        {"AND": [], "case_sensitive": "yes"},
    ],
)
def test_malformed_filters_are_422(spec):
    with pytest.raises(ApiError) as caught:
        compile_filter(spec)
    assert caught.value.status == 422


def test_depth_limit_is_422():
    spec: dict = {"field": "a", "value": 1}
    for _ in range(20):
        spec = {"AND": [spec]}
    with pytest.raises(ApiError):
        compile_filter(spec)


def test_filters_over_http_match_a_local_evaluation(shared_emu, shared_client):
    spec = {
        "AND": [
            {"field": "metadata.price", "operator": "lt", "value": 200, "case_sensitive": False},
            {"OR": [{"field": "metadata.brand", "operator": "in", "value": ["lumen", "Vertex"]}]},
        ]
    }
    predicate = compile_filter(spec)
    expected = [d["document_id"] for d in shared_emu.store.documents("col_demo000001") if predicate(d)]
    assert 0 < len(expected) < 250
    assert shared_client.scan({"filters": spec, "limit": 7}) == expected


def test_malformed_filter_over_http_is_422(shared_client):
    response = shared_client.list_docs({"filters": cond("metadata.brand", "approx", "x")})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_operator"
    get = shared_client.get("/v1/collections/col_demo000001/documents", params={"filters": "{bad json"})
    assert get.status_code == 422
