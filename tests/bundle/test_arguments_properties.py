"""Properties of argument and option checks: every out-of-range or mistyped value is refused naming the option."""

from __future__ import annotations

import os
import re
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from properties import PROPERTY

from mixpeek_snowflake.arguments import (
    base_url_option,
    boolean_option,
    check_options,
    filters_option,
    integer_option,
    parse_collection,
)
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.sync.options import SyncOptions, parse_options

RANGES = {
    "partitions": (1, 256),
    "page_size": (1, 1000),
    "overlap_seconds": (0, 604800),
    "lease_seconds": (60, 604800),
}
BOOLEANS = ("dry_run", "include_vectors")
names = st.sampled_from(sorted(RANGES))


@st.composite
def out_of_range(draw: st.DrawFn) -> tuple[str, object]:
    name = draw(names)
    low, high = RANGES[name]
    value = draw(
        st.integers(max_value=low - 1)
        | st.integers(min_value=high + 1)
        | st.booleans()
        | st.floats().filter(lambda f: not (f.is_integer() and low <= f <= high))
        | st.text(max_size=4)
        | st.lists(st.integers(low, high), min_size=1, max_size=2)
    )
    return name, value


@PROPERTY
@given(out_of_range())
def test_every_out_of_range_integer_option_is_refused_naming_it(case: tuple[str, object]) -> None:
    name, value = case
    low, high = RANGES[name]
    with pytest.raises(InvalidArgument) as caught:
        parse_options({name: value})
    assert caught.value.argument == f"option {name}"
    assert f"expected an integer {low} to {high}" in str(caught.value)


@PROPERTY
@given(names, st.data())
def test_every_in_range_integer_option_is_kept(name: str, data: st.DataObject) -> None:
    low, high = RANGES[name]
    value = data.draw(st.integers(low, high))
    as_float = data.draw(st.booleans())
    options = parse_options({name: float(value) if as_float else value})
    kept = getattr(options, name)
    assert kept == value and type(kept) is int
    assert options == SyncOptions(**{name: value})


@PROPERTY
@given(st.sampled_from(BOOLEANS), st.integers() | st.text(max_size=5) | st.none().map(lambda _: "true") | st.floats())
def test_boolean_options_take_only_true_or_false(name: str, value: object) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_options({name: value})
    assert caught.value.argument == f"option {name}" and "expected true or false" in str(caught.value)


@PROPERTY
@given(st.text(min_size=1, max_size=12).filter(lambda n: n not in SyncOptions.__dataclass_fields__))
def test_unknown_option_names_are_refused_with_the_known_ones(name: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_options({name: 1})
    assert caught.value.argument == "options" and name in str(caught.value) and "partitions" in str(caught.value)


@PROPERTY
@given(st.sampled_from(sorted(SyncOptions.__dataclass_fields__)))
def test_null_options_keep_their_defaults(name: str) -> None:
    assert parse_options({name: None}) == SyncOptions()


@PROPERTY
@given(st.text(max_size=20))
def test_namespace_option_accepts_exactly_its_pattern(value: str) -> None:
    allowed = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}", value) is not None
    if allowed:
        assert parse_options({"namespace": value}).namespace == value
    else:
        with pytest.raises(InvalidArgument, match="option namespace"):
            parse_options({"namespace": value})


@PROPERTY
@given(st.text(max_size=20) | st.integers() | st.none())
def test_collection_accepts_exactly_ids_and_names(value: object) -> None:
    allowed = isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}", value) is not None
    if allowed:
        assert parse_collection(value) == value
    else:
        with pytest.raises(InvalidArgument) as caught:
            parse_collection(value)
        assert caught.value.argument == "collection_id"


@PROPERTY
@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,30}", fullmatch=True), st.sampled_from("/?#%. ;'\"é\n"))
def test_a_collection_that_could_change_the_path_is_refused(prefix: str, bad: str) -> None:
    with pytest.raises(InvalidArgument, match="collection_id"):
        parse_collection(prefix + bad)


@PROPERTY
@given(
    st.sampled_from(["http", "https"]),
    st.sampled_from(["127.0.0.1", "localhost", "api.mixpeek.com", "api.mixpeek.com.evil.io", "example.org"]),
    st.sampled_from(["", ":443", ":8080"]),
    st.sampled_from(["", "/", "/v1"]),
    st.sampled_from([None, "user:pw@", "?x=1", "#f", "user@"]),
)
def test_base_url_needs_a_plain_url_to_an_allowed_endpoint(
    scheme: str, host: str, port: str, path: str, extra: str | None
) -> None:
    """Outside Snowflake, with no MIXPEEK_BASE_URL: loopback on any scheme and port, the API host over HTTPS on 443."""
    if extra is None:
        url = f"{scheme}://{host}{port}{path}"
    else:
        url = f"{scheme}://{extra}{host}{port}{path}" if "@" in extra else f"{scheme}://{host}{port}{path}{extra}"
    loopback = host in ("127.0.0.1", "localhost")
    api = host == "api.mixpeek.com" and scheme == "https" and port in ("", ":443")
    with mock.patch.dict(os.environ):
        os.environ.pop("MIXPEEK_BASE_URL", None)
        if extra is None and (loopback or api):
            assert parse_options({"base_url": url}).base_url == url
            return
        with pytest.raises(InvalidArgument) as caught:
            parse_options({"base_url": url})
    assert caught.value.argument == "option base_url" and "pw" not in str(caught.value)


@PROPERTY
@given(st.sampled_from(["ftp", "file", "javascript", ""]), st.from_regex(r"[a-z]{1,8}", fullmatch=True))
def test_base_url_other_schemes_are_refused(scheme: str, host: str) -> None:
    with pytest.raises(InvalidArgument, match="option base_url"):
        parse_options({"base_url": f"{scheme}://{host}/"})


@PROPERTY
@given(st.integers() | st.text(max_size=6).filter(lambda t: t.strip() and t.strip()[0] not in '{["-0123456789tfn'))
def test_options_that_are_not_an_object_are_refused(value: object) -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_options(value, {}, "{}")
    assert caught.value.argument == "options"


@PROPERTY
@given(st.integers(-1000, 1000), st.integers(0, 1000), st.integers(-3000, 3000) | st.booleans(), st.booleans())
def test_integer_option_accepts_exactly_its_range(low: int, span: int, value: int, as_float: bool) -> None:
    check = integer_option(low, low + span)
    given_value = float(value) if as_float and not isinstance(value, bool) else value
    if not isinstance(value, bool) and low <= value <= low + span:
        kept = check("n", given_value)
        assert kept == value and type(kept) is int
        return
    with pytest.raises(InvalidArgument) as caught:
        check("n", given_value)
    expected = f"invalid option n: {value!r} is not allowed; expected an integer {low} to {low + span}"
    assert str(caught.value) == expected


def test_messages_say_exactly_what_is_allowed() -> None:
    with pytest.raises(InvalidArgument) as caught:
        filters_option("filters", {})
    assert str(caught.value) == (
        'invalid option filters: expected a non-empty Mixpeek filter object, e.g. {"AND": [{"field": '
        '"metadata.status", "operator": "eq", "value": "active"}]}'
    )
    with pytest.raises(InvalidArgument) as caught:
        base_url_option("base_url", "https://u:p@h.example/")
    assert str(caught.value) == "invalid option base_url: expected a plain URL without credentials, query or fragment"
    with pytest.raises(InvalidArgument) as caught:
        check_options({"zeta": 1, "beta": 2}, {"alpha": boolean_option, "gamma": boolean_option}, "{}")
    assert str(caught.value) == "invalid options: unknown option(s) beta, zeta; known: alpha, gamma"
    with pytest.raises(InvalidArgument) as caught:
        check_options("{not json", {}, '{"alpha": true}')
    assert str(caught.value) == (
        "invalid options: is not valid JSON; expected an object, e.g. PARSE_JSON('{\"alpha\": true}')"
    )
    with pytest.raises(InvalidArgument) as caught:
        check_options([1], {}, '{"alpha": true}')
    assert str(caught.value) == 'invalid options: expected an object such as {"alpha": true}, not [1]'
    assert check_options("  ", {}, "{}") == {} and check_options(None, {}, "{}") == {}
