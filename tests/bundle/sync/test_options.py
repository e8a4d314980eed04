"""The sync procedure's arguments and options: defaults, accepted values and the refusal of everything else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.sync.options import OPTION_CHECKS, SyncOptions, parse_options, parse_sync_request

WEEK = 7 * 86400
FILTERS = {"AND": [{"field": "metadata.status", "operator": "eq", "value": "active"}]}


def refused(options: Any) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as caught:
        parse_options(options)
    return caught.value


# the whole request


def test_defaults_a_task_would_want() -> None:
    request = parse_sync_request("col_abc123xyz0", None, None, None)
    assert request.collection == "col_abc123xyz0"
    assert request.target == TableName.parse("MIXPEEK_DOCUMENTS")
    assert request.mode == "incremental"
    assert request.options == SyncOptions()
    assert (request.options.partitions, request.options.page_size, request.options.dry_run) == (4, 1000, False)
    assert (request.options.overlap_seconds, request.options.lease_seconds) == (300, 3600)
    assert request.options.namespace is request.options.base_url is request.options.filters is None


def test_every_argument_is_used() -> None:
    request = parse_sync_request("product-media", "analytics.mixpeek.docs", "FULL", {"partitions": 16, "dry_run": True})
    assert request.collection == "product-media"
    assert request.target.display == "ANALYTICS.MIXPEEK.DOCS"
    assert request.mode == "full"
    assert request.options == SyncOptions(partitions=16, dry_run=True)


def test_arguments_are_checked_in_signature_order() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_sync_request("../x", "bad table", "sometimes", {"nope": 1})
    assert caught.value.argument == "collection_id"
    with pytest.raises(InvalidArgument) as caught:
        parse_sync_request("col_1", "bad table", "sometimes", {"nope": 1})
    assert caught.value.argument == "target_table"
    with pytest.raises(InvalidArgument) as caught:
        parse_sync_request("col_1", "docs", "sometimes", {"nope": 1})
    assert caught.value.argument == "mode"


@pytest.mark.parametrize(("mode", "expected"), [("full", "full"), ("FULL", "full"), (" Incremental ", "incremental")])
def test_mode_is_case_insensitive(mode: str, expected: str) -> None:
    assert parse_sync_request("col_1", None, mode, None).mode == expected


@pytest.mark.parametrize("mode", ["", "fast", "incr", "full ish", 1, True, ["full"]])
def test_unknown_mode_lists_the_allowed_ones(mode: object) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_sync_request("col_1", None, mode, None)
    assert caught.value.argument == "mode"
    assert "incremental, full" in caught.value.problem


@pytest.mark.parametrize(
    "collection",
    ["col_abc123xyz0", "product-media", "Product_Media_2", "7", "a" * 128, "col-" + "x" * 124],
)
def test_collection_ids_and_names_accepted(collection: str) -> None:
    assert parse_sync_request(collection, None, None, None).collection == collection


@pytest.mark.parametrize(
    "collection",
    ["", "../secrets", "..", "col_1/../../v1/me", "col_1%2F..", "col 1", "col/1", "col_1?x=1", "col_1#f", "_col",
     "-col", "a" * 129, "col_1\n", "cöl_1", None, 123, ["col_1"]],
)  # fmt: skip
def test_collection_that_could_change_the_path_is_refused(collection: object) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_sync_request(collection, None, None, None)
    assert caught.value.argument == "collection_id"
    assert "1 to 128 letters, digits, '_' or '-'" in caught.value.problem


def test_target_table_is_validated() -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_sync_request("col_1", "docs; drop table x", None, None)
    assert caught.value.argument == "target_table"


# options


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"partitions": 1}, SyncOptions(partitions=1)),
        ({"partitions": 256}, SyncOptions(partitions=256)),
        ({"partitions": 8.0}, SyncOptions(partitions=8)),
        ({"page_size": 1}, SyncOptions(page_size=1)),
        ({"page_size": 250}, SyncOptions(page_size=250)),
        ({"filters": FILTERS}, SyncOptions(filters=FILTERS)),
        ({"dry_run": True, "include_vectors": True}, SyncOptions(dry_run=True, include_vectors=True)),
        ({"namespace": "ns_demo"}, SyncOptions(namespace="ns_demo")),
        ({"namespace": "my-shop.prod_1"}, SyncOptions(namespace="my-shop.prod_1")),
        ({"base_url": "https://api.mixpeek.com"}, SyncOptions(base_url="https://api.mixpeek.com")),
        ({"base_url": "http://127.0.0.1:8765/"}, SyncOptions(base_url="http://127.0.0.1:8765/")),
        ({"overlap_seconds": 0, "lease_seconds": 60}, SyncOptions(overlap_seconds=0, lease_seconds=60)),
        ({"overlap_seconds": WEEK, "lease_seconds": WEEK}, SyncOptions(overlap_seconds=WEEK, lease_seconds=WEEK)),
        ({}, SyncOptions()),
        ({"partitions": None, "namespace": None}, SyncOptions()),
    ],
)
def test_valid_options(options: dict[str, Any], expected: SyncOptions) -> None:
    parsed = parse_options(options)
    assert parsed == expected
    assert type(parsed.partitions) is int


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("partitions", 0, "integer 1 to 256"),
        ("partitions", 257, "integer 1 to 256"),
        ("partitions", 10000, "integer 1 to 256"),
        ("partitions", -4, "integer 1 to 256"),
        ("partitions", True, "integer 1 to 256"),
        ("partitions", "8.5", "integer 1 to 256"),
        ("partitions", 8.5, "integer 1 to 256"),
        ("partitions", float("nan"), "integer 1 to 256"),
        ("partitions", float("inf"), "integer 1 to 256"),
        ("partitions", [8], "integer 1 to 256"),
        ("page_size", 0, "integer 1 to 1000"),
        ("page_size", 1001, "integer 1 to 1000"),
        ("page_size", 5000, "integer 1 to 1000"),
        ("overlap_seconds", -1, "integer 0 to 604800"),
        ("overlap_seconds", 604801, "integer 0 to 604800"),
        ("lease_seconds", 59, "integer 60 to 604800"),
        ("lease_seconds", 0, "integer 60 to 604800"),
        ("lease_seconds", 10**9, "integer 60 to 604800"),
        ("dry_run", "true", "true or false"),
        ("dry_run", 1, "true or false"),
        ("dry_run", 0, "true or false"),
        ("include_vectors", "yes", "true or false"),
        ("namespace", "", "letters, digits"),
        ("namespace", "ns demo", "letters, digits"),
        ("namespace", "ns/../other", "letters, digits"),
        ("namespace", "ns_demo\r\nX-Injected: 1", "letters, digits"),
        ("namespace", ".hidden", "letters, digits"),
        ("namespace", "n" * 129, "letters, digits"),
        ("namespace", 42, "letters, digits"),
        ("filters", [], "non-empty Mixpeek filter object"),
        ("filters", {}, "non-empty Mixpeek filter object"),
        ("filters", "metadata.status = 'active'", "non-empty Mixpeek filter object"),
        ("filters", 1, "non-empty Mixpeek filter object"),
        ("base_url", "ftp://api.mixpeek.com", "http(s) URL with a host"),
        ("base_url", "api.mixpeek.com", "http(s) URL with a host"),
        ("base_url", "https://", "http(s) URL with a host"),
        ("base_url", "https:///v1", "http(s) URL with a host"),
        ("base_url", "javascript:alert(1)", "http(s) URL with a host"),
        ("base_url", "", "http(s) URL with a host"),
        ("base_url", 443, "http(s) URL with a host"),
        ("base_url", "https://user:secret@api.mixpeek.com", "without credentials, query or fragment"),
        ("base_url", "https://api.mixpeek.com?api_key=mxp_1", "without credentials, query or fragment"),
        ("base_url", "https://api.mixpeek.com/#frag", "without credentials, query or fragment"),
    ],
)
def test_option_errors_name_the_option_and_what_is_allowed(name: str, value: object, allowed: str) -> None:
    error = refused({name: value})
    assert error.argument == f"option {name}"
    assert str(error).startswith(f"invalid option {name}:")
    assert allowed in error.problem


def test_option_errors_never_echo_credentials() -> None:
    error = refused({"base_url": "https://user:mxp_sk_live_123@api.mixpeek.com"})
    assert "mxp_sk_live_123" not in str(error)


def test_malformed_url_is_refused_naming_the_option() -> None:
    error = refused({"base_url": "http://[::1"})
    assert isinstance(error, InvalidArgument)
    assert error.argument == "option base_url"


def test_unknown_options_listed_with_the_known_ones() -> None:
    error = refused({"partition": 8, "pagesize": 10, "dry_run": True})
    assert error.argument == "options"
    assert "unknown option(s) pagesize, partition" in error.problem
    assert all(name in error.problem for name in OPTION_CHECKS)


def test_options_given_as_json_text() -> None:
    text = json.dumps({"partitions": 8, "filters": FILTERS, "dry_run": True})
    assert parse_options(text) == SyncOptions(partitions=8, filters=FILTERS, dry_run=True)
    assert parse_options("") == parse_options("  ") == parse_options("null") == SyncOptions()


@pytest.mark.parametrize("text", ["{partitions: 8}", "{'partitions': 8}", '{"partitions": 8', "partitions=8"])
def test_invalid_json_text_is_refused(text: str) -> None:
    error = refused(text)
    assert error.argument == "options"
    assert "expected an object" in error.problem


@pytest.mark.parametrize("options", ["[8]", '"full"', "8", [("partitions", 8)], 8, True])
def test_options_that_are_not_an_object_are_refused(options: object) -> None:
    error = refused(options)
    assert error.argument == "options"
    assert "expected an object" in error.problem


def test_json_text_options_are_validated_like_objects() -> None:
    assert refused('{"partitions": 0}').argument == "option partitions"
    assert refused('{"colour": "red"}').argument == "options"
