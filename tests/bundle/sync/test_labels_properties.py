"""Properties of labels.document_labels: ranks 1..n in rank order, PATH only where the taxonomy gives one."""

from __future__ import annotations

import math
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from properties import PROPERTY

from mixpeek_snowflake.sync.labels import document_labels

taxonomy_ids = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
node_ids = st.from_regex(r"node_[a-z0-9]{1,6}", fullmatch=True)
names = st.text(min_size=1, max_size=8)
paths = st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=3)
scores = st.floats(0, 1) | st.integers(0, 1)


@st.composite
def assignment_taxonomy(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """_taxonomy_<t>_assignments in shuffled order with a top-level path, and the rows expected, best first."""
    count = draw(st.integers(1, 5))
    ranks = draw(st.lists(st.integers(0, 100), min_size=count, max_size=count, unique=True))
    top_path = draw(st.none() | paths)
    expected: list[dict[str, Any]] = []
    items = []
    for position, rank_value in enumerate(sorted(ranks), start=1):
        item: dict[str, Any] = {"node_id": draw(node_ids), "label": draw(names), "rank": rank_value}
        score = draw(st.none() | scores)
        if score is not None:
            item["score"] = score
        own_path = draw(st.none() | paths)
        if own_path is not None:
            item["path"] = own_path
        items.append(item)
        path = own_path if own_path is not None else (top_path if position == 1 else None)
        expected.append(
            {
                "node_id": item["node_id"],
                "label": item["label"],
                "score": None if score is None else float(score),
                "rank": position,
                "path": path,
            }
        )
    shuffled = list(items)
    random.Random(draw(st.integers(0, 1000))).shuffle(shuffled)
    fields = {"assignments": shuffled}
    if top_path is not None:
        fields["path"] = top_path
    return fields, expected


@st.composite
def flat_taxonomy(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The single-best form (_id, _label, _score, _path): one row of rank 1."""
    node, label = draw(node_ids), draw(names)
    score = draw(scores)
    path = draw(st.none() | paths)
    fields: dict[str, Any] = {"id": node, "label": label, "score": score}
    if path is not None:
        fields["path"] = path
    return fields, [{"node_id": node, "label": label, "score": float(score), "rank": 1, "path": path}]


@st.composite
def labelled_documents(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    chosen = draw(st.lists(taxonomy_ids, max_size=3, unique=True))
    internal: dict[str, Any] = {"updated_at": "2026-01-01T00:00:00Z", "_taxonomy": "not a field"}
    expected: list[dict[str, Any]] = []
    for taxonomy in sorted(chosen):
        fields, rows = draw(assignment_taxonomy() | flat_taxonomy())
        for part, value in fields.items():
            internal[f"_taxonomy_{taxonomy}_{part}"] = value
        expected += [{"taxonomy_id": taxonomy, **row} for row in rows]
    return {"document_id": "doc_1", "_internal": internal}, expected


@PROPERTY
@given(labelled_documents())
def test_labels_are_ranked_from_one_with_paths_only_where_given(case: tuple[dict[str, Any], list[Any]]) -> None:
    doc, expected = case
    assert document_labels(doc) == expected


@PROPERTY
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=6, unique=True), paths, st.integers(0, 1000))
def test_the_taxonomy_path_goes_on_rank_one_only(rank_values: list[int], path: list[str], seed: int) -> None:
    items = [{"node_id": f"node_{value + 100}", "rank": value} for value in rank_values]
    random.Random(seed).shuffle(items)
    internal = {"_taxonomy_t_assignments": items, "_taxonomy_t_path": path}
    labels = document_labels({"document_id": "d", "_internal": internal})
    assert [label["rank"] for label in labels] == list(range(1, len(rank_values) + 1))
    assert [label["node_id"] for label in labels] == [f"node_{value + 100}" for value in sorted(rank_values)]
    assert [label["path"] for label in labels] == [path] + [None] * (len(rank_values) - 1)


@PROPERTY
@given(
    st.sampled_from(["", None, 3, ["x"]]),
    st.sampled_from(["", None, 7, {"a": 1}]),
    st.sampled_from([math.nan, math.inf, True, "0.5", None]),
    st.sampled_from([[], [1, 2], "a/b", None, {"p": 1}]),
)
def test_unusable_values_become_none_and_empty_labels_are_dropped(
    node: object, label: object, score: object, path: object
) -> None:
    internal = {
        "_taxonomy_t_assignments": [
            {"node_id": node, "label": label, "rank": 1},
            {"node_id": "node_b", "label": "B", "score": score, "path": path, "rank": 2},
        ],
    }
    labels = document_labels({"document_id": "d", "_internal": internal})
    assert labels == [{"taxonomy_id": "t", "node_id": "node_b", "label": "B", "score": None, "rank": 2, "path": None}]


@PROPERTY
@given(st.none() | st.text(max_size=3) | st.lists(st.integers(), max_size=2) | st.integers())
def test_documents_without_an_internal_object_have_no_labels(internal: object) -> None:
    assert document_labels({"document_id": "d", "_internal": internal}) == []


def test_assignments_without_a_numeric_rank_come_last_in_their_order() -> None:
    items = [
        {"node_id": "none"},
        {"node_id": "bool", "rank": True},
        {"node_id": "two", "rank": 2},
        {"node_id": "text", "rank": "0"},
        {"node_id": "half", "rank": 1.5},
        {"node_id": "null", "rank": None},
    ]
    labels = document_labels({"document_id": "d", "_internal": {"_taxonomy_t_assignments": items}})
    assert [(label["node_id"], label["rank"]) for label in labels] == [
        ("half", 1),
        ("two", 2),
        ("none", 3),
        ("bool", 4),
        ("text", 5),
        ("null", 6),
    ]


def test_the_single_best_form_needs_only_an_id_or_a_label() -> None:
    only_id = {"_taxonomy_a_id": "node_a", "_taxonomy_b_label": "Bee", "_taxonomy_c_score": 0.5, 7: "x"}
    labels = document_labels({"document_id": "d", "_internal": only_id})
    assert labels == [
        {"taxonomy_id": "a", "node_id": "node_a", "label": None, "score": None, "rank": 1, "path": None},
        {"taxonomy_id": "b", "node_id": None, "label": "Bee", "score": None, "rank": 1, "path": None},
    ]
