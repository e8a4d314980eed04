"""VARIANT arguments as a handler may receive them: NUMBERs as Decimal, numeric options as text or 60.0."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mixpeek_snowflake.arguments import integer_option, plain_json
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.sync.options import parse_sync_request

PRICE = {"AND": [{"field": "metadata.price", "operator": "gt", "value": Decimal("9.99")}]}


def test_a_decimal_filter_value_reaches_mixpeek_as_the_number_it_was() -> None:
    request = parse_sync_request("col_variant0001", "MIXPEEK_DOCUMENTS", "full", {"filters": PRICE})
    sent = json.loads(json.dumps(request.given))
    assert sent["filters"]["AND"][0]["value"] == 9.99
    assert type(sent["filters"]["AND"][0]["value"]) is float


def test_plain_json_keeps_whole_numbers_whole_at_any_depth() -> None:
    value = {"a": [Decimal("3"), {"b": Decimal("-2.50")}], "c": "9.99", "d": True}
    assert plain_json(value) == {"a": [3, {"b": -2.5}], "c": "9.99", "d": True}
    assert type(plain_json(Decimal("3"))) is int


@pytest.mark.parametrize("given", [60, 60.0, "60", " 60 ", "60.0", Decimal("60"), Decimal("60.00")])
def test_a_numeric_option_keeps_its_meaning_whatever_form_it_arrives_in(given: object) -> None:
    value = integer_option(1, 100)("page_size", given)
    assert value == 60 and type(value) is int


@pytest.mark.parametrize("given", ["60.5", 60.5, Decimal("60.5"), "sixty", "", "1e2", True, "600"])
def test_a_numeric_option_that_is_not_a_whole_number_in_range_is_refused(given: object) -> None:
    with pytest.raises(InvalidArgument, match=r"option page_size.*expected an integer 1 to 100"):
        integer_option(1, 100)("page_size", given)


def test_the_options_text_form_keeps_json_numbers() -> None:
    text = json.dumps({"page_size": "50", "filters": {"field": "metadata.price", "operator": "gt", "value": 9.99}})
    request = parse_sync_request("col_variant0001", "MIXPEEK_DOCUMENTS", "full", text)
    assert request.options.page_size == 50
    assert request.given["filters"]["value"] == 9.99
