"""Row 6's bound: parse and canonical text with stdlib and the channel's JSON libraries; the rest of the work alone."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from mixpeek_snowflake.sync.labels import document_labels
from mixpeek_snowflake.sync.records import canonical_json, stage_row

# The JSON libraries in Snowflake's Anaconda channel, at the versions of Snowflake's own copy of the channel's
# channeldata.json (snowflakedb/snowflake-cli, tests/test_data/anaconda_channel_data.json at 1fc5311, which its
# snowcli read from https://repo.anaconda.com/pkgs/snowflake/channeldata.json). It holds no orjson.
CHANNEL_LIBRARIES: dict[str, tuple[str, str]] = {
    "ujson": ("ujson", "5.4.0"),
    "python-rapidjson": ("rapidjson", "1.5"),
    "simplejson": ("simplejson", "3.17.6"),
}


@dataclass(frozen=True)
class Costs:
    """CPU seconds of one JSON library over the same pages: parsing them, then the canonical text of each document."""

    library: str
    version: str
    documents: int
    loads_seconds: float
    canonical_seconds: float
    identical: int


@dataclass(frozen=True)
class JsonBound:
    """The stdlib figures and each channel library found installed (those missing are named); `rest_seconds` is the
    conversion's work beyond the parse and the canonical text (labels, typed fields, hash, stage row), stdlib only."""

    stdlib: Costs
    libraries: list[Costs]
    missing: list[str]
    rest_seconds: float = 0.0

    def parse_ratio(self) -> float:
        """The fastest parse of any library, in units of stdlib json.loads."""
        return min(c.loads_seconds for c in [self.stdlib, *self.libraries]) / self.stdlib.loads_seconds

    def best_ratio(self) -> float:
        """The lowest parse + canonical-text cost of any library mix, in units of stdlib json.loads."""
        exact = [c for c in [self.stdlib, *self.libraries] if c.identical == c.documents]
        return self.parse_ratio() + min(c.canonical_seconds for c in exact) / self.stdlib.loads_seconds

    def rest_ratio(self) -> float:
        """The rest of the conversion, in units of stdlib json.loads."""
        return self.rest_seconds / self.stdlib.loads_seconds


def _canonical_calls(module: Any) -> Callable[[object], str]:
    name = module.__name__
    if name == "ujson":
        return lambda doc: module.dumps(doc, sort_keys=True, ensure_ascii=False, escape_forward_slashes=False)
    if name == "rapidjson":
        return lambda doc: module.dumps(doc, sort_keys=True, ensure_ascii=False)
    return lambda doc: module.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def costs(
    library: str, version: str, loads: Callable[[str], Any], canonical: Callable[[object], str], bodies: list[str]
) -> Costs:
    """Best of three for each part; `identical` counts the documents whose canonical text is stdlib's, byte for byte."""
    documents = _documents(bodies)
    loads_seconds = _best_of_three(lambda: [loads(body) for body in bodies])
    canonical_seconds = _best_of_three(lambda: [canonical(doc) for doc in documents])
    identical = sum(canonical(doc) == canonical_json(doc) for doc in documents)
    return Costs(library, version, len(documents), loads_seconds, canonical_seconds, identical)


def rest_seconds(bodies: list[str]) -> float:
    """Best of three: labels and stage row of every document, its canonical text made beforehand and not counted."""
    documents = _documents(bodies)
    texts = [canonical_json(doc) for doc in documents]
    return _best_of_three(
        lambda: [stage_row(doc, text, document_labels(doc)) for doc, text in zip(documents, texts, strict=True)]
    )


def _documents(bodies: list[str]) -> list[Any]:
    return [doc for body in bodies for doc in json.loads(body)["results"]]


def _best_of_three(work: Callable[[], object]) -> float:
    return min(_seconds(work) for _ in range(3))


def _seconds(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def json_bound(bodies: list[bytes]) -> JsonBound:
    """Measure stdlib and every channel library importable here on the same list pages."""
    texts = [body.decode("utf-8") for body in bodies]
    stdlib = costs("json (stdlib)", "", json.loads, canonical_json, texts)
    found, missing = [], []
    for library, (module_name, channel_version) in CHANNEL_LIBRARIES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            missing.append(f"{library} {channel_version}")
            continue
        version = metadata.version(library)
        found.append(costs(library, version, module.loads, _canonical_calls(module), texts))
    return JsonBound(stdlib, found, missing, rest_seconds(texts))
