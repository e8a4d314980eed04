"""No 8-character fragment of the API key survives in any error, table or log record, whoever wrote it.

The client redacts what Mixpeek echoes; bundle errors redact their own text (errors.MixpeekSnowflakeError), and
every bundle logger carries logfilter.RedactingFilter, so a record built from any text leaves redacted too.
"""

from __future__ import annotations

import logging
import traceback

import pytest
from bundle.loop_world import API_KEY

from mixpeek_local.emulator import Fault
from mixpeek_snowflake import logfilter, procedures
from mixpeek_snowflake.enrich.engine import EnrichmentFailed
from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError, MixpeekSnowflakeError
from mixpeek_snowflake.mixpeek.client import MixpeekClient

COLLECTION = "col_loop000001"
ECHOES = [API_KEY[:-3], API_KEY[2:13].upper(), f"{API_KEY[:9]}…{API_KEY[-9:]}"]


def fragments(text: str, size: int = 8) -> list[str]:
    folded = text.lower()
    grams = {API_KEY[i : i + size] for i in range(len(API_KEY) - size + 1)}
    return sorted(g for g in grams if g.lower() in folded)


def error_texts(error: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(error))]
    while error is not None:
        texts += [str(error), repr(error.args)]
        error = error.__cause__ or error.__context__
    return texts


@pytest.fixture
def guarded():
    MixpeekClient(API_KEY, base_url="http://127.0.0.1:9").close()


@pytest.fixture
def bundle_log(caplog):
    caplog.set_level(logging.DEBUG, logger="mixpeek_snowflake")
    return caplog


def test_every_bundle_logger_carries_the_redacting_filter(guarded):
    loggers = logfilter.bundle_loggers()
    names = {logger.name for logger in loggers}
    assert {"mixpeek_snowflake.enrich", "mixpeek_snowflake.sync", "mixpeek_snowflake.client"} <= names
    assert procedures and all(logfilter.FILTER in logger.filters for logger in loggers)


@pytest.mark.parametrize("echo", ECHOES)
def test_a_log_record_holding_part_of_the_key_leaves_redacted(guarded, bundle_log, echo):
    log = logging.getLogger("mixpeek_snowflake.sync")
    try:
        raise RuntimeError(f"server said {echo}")
    except RuntimeError:
        log.exception("run failed: %s", echo)
    log.info("summary %s", {"error": echo})
    texts = [bundle_log.text, *(r.getMessage() for r in bundle_log.records)]
    assert "[redacted]" in bundle_log.text and [f for t in texts for f in fragments(t)] == []


@pytest.mark.parametrize("echo", ECHOES)
def test_a_bundle_error_never_holds_part_of_the_key(guarded, echo):
    for error in (
        EnrichmentFailed(f"enrichment run x stopped: {echo}"),
        InvalidArgument("option base_url", f"got {echo}"),
        MixpeekSnowflakeError("a", echo),
    ):
        assert [f for t in error_texts(error) for f in fragments(t)] == [], type(error)


@pytest.mark.parametrize("echo", ECHOES)
def test_an_enrichment_against_a_server_echoing_a_truncated_key(session, emulator, load, doc_ids, bundle_log, echo):
    load("PRICES", [("DOC_ID", "VARCHAR"), ("PRICE", "FLOAT")], [{"DOC_ID": d, "PRICE": 1.0} for d in doc_ids[:2]])
    emulator.inject(Fault("status", path_contains="/documents/batch", status=500, message=f"bad key {echo}", times=9))
    with pytest.raises(EnrichmentFailed) as caught:
        procedures.enrich_mixpeek_documents(session, COLLECTION, "PRICES", "DOC_ID")
    assert isinstance(caught.value.__cause__, MixpeekAPIError) and "[redacted]" in str(caught.value)
    emulator.clear_faults()
    emulator.inject(Fault("status", path_contains="/documents/batch", status=400, message=f"no {echo}", times=9))
    summary = procedures.enrich_mixpeek_documents(session, COLLECTION, "PRICES", "DOC_ID")
    assert summary["failed"] == 2
    stored = [str(r) for r in session.sql("SELECT * FROM MIXPEEK_ENRICH_FAILURES").collect()]
    assert stored and all("[redacted]" in s for s in stored)
    texts = [*error_texts(caught.value), *stored, str(summary), bundle_log.text]
    assert [f for t in texts for f in fragments(t)] == []
