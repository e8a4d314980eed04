"""A target's definition: omitted options keep the stored value, a different one needs redefine."""

from __future__ import annotations

import json

import pytest

from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.sync.definition import Definition, resolve

FILTER = {"field": "metadata.brand", "operator": "eq", "value": "Acme"}
STORED = Definition(namespace="ns_1", filters=FILTER, include_vectors=True)


def test_the_first_run_takes_its_options_and_defaults():
    assert resolve(None, {"include_vectors": True, "partitions": 4}, "T") == (Definition(include_vectors=True), None)
    assert resolve(None, {}, "T") == (Definition(), None)


def test_omitted_or_equal_options_keep_the_stored_definition():
    assert resolve(STORED, {}, "T") == (STORED, None)
    assert resolve(STORED, {"namespace": "ns_1", "filters": dict(reversed(FILTER.items()))}, "T") == (STORED, None)


@pytest.mark.parametrize(
    ("given", "named"),
    [({"include_vectors": False}, "include_vectors"), ({"namespace": "ns_2"}, "namespace"),
     ({"filters": {**FILTER, "value": "Other"}}, "filters")],
)  # fmt: skip
def test_a_different_option_is_refused_naming_it_and_redefine(given, named):
    with pytest.raises(InvalidArgument) as caught:
        resolve(STORED, given, "DB.S.T")
    assert caught.value.argument == "options"
    assert f"{named} (stored" in str(caught.value) and '"redefine": true' in str(caught.value)


def test_redefine_takes_exactly_the_options_given_and_says_what_changed():
    definition, reason = resolve(STORED, {"redefine": True, "namespace": "ns_1"}, "T")
    assert definition == Definition(namespace="ns_1")
    assert reason == "redefined: filters, include_vectors changed"
    assert resolve(
        STORED, {"redefine": True, "namespace": "ns_1", "filters": FILTER, "include_vectors": True}, "T"
    ) == (
        STORED,
        None,
    )


def test_stored_text_round_trips_and_junk_is_no_definition():
    assert Definition.from_stored(STORED.as_json()) == STORED
    assert json.loads(STORED.as_json()) == {"filters": FILTER, "include_vectors": True, "namespace": "ns_1"}
    assert Definition.from_stored(None) is None and Definition.from_stored("[1]") is None
