"""Enrich never echoes source values: failure rows, dry-run samples, errors and logs carry a row number or a hash."""

from __future__ import annotations

import hashlib
import json
import logging
import traceback

import pytest
from local_world import enrich_mixpeek_documents

from mixpeek_snowflake.enrich.engine import EnrichmentFailed
from mixpeek_snowflake.enrich.source import describe
from mixpeek_snowflake.errors import InvalidArgument

COLLECTION = "col_loop000001"
STAFF = [("EMPLOYEE", "VARCHAR"), ("SSN", "VARCHAR"), ("DEPT", "VARCHAR")]
PEOPLE = [
    {"EMPLOYEE": "alice", "SSN": "123-45-6789", "DEPT": "d1"},
    {"EMPLOYEE": "bob", "SSN": "987-65-4321", "DEPT": "d2"},
    {"EMPLOYEE": "carol", "SSN": "555-55-5555", "DEPT": "d3"},
]
SECRETS = ("123-45-6789", "987-65-4321", "555-55-5555", "alice", "bob", "carol")
EXFILTRATE = (
    "SELECT EMPLOYEE || ':' || SSN AS K, DEPT FROM STAFF "
    "UNION ALL SELECT EMPLOYEE || ':' || SSN, DEPT FROM STAFF WHERE DEPT <> 'd3'"
)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def leaks(*texts):
    return [s for s in SECRETS for t in texts if s in t]


@pytest.fixture
def staff(load):
    load("STAFF", STAFF, PEOPLE)


@pytest.fixture
def bundle_log(caplog):
    caplog.set_level(logging.DEBUG, logger="mixpeek_snowflake")
    return caplog


def test_dry_run_samples_carry_row_numbers_and_hashes(session, emulator, staff, bundle_log):
    summary = enrich_mixpeek_documents(session, COLLECTION, EXFILTRATE, "K", {"dry_run": True})
    assert [(s["row"], s["key_hash"]) for s in summary["failure_samples"]] == [
        (1, sha("alice:123-45-6789")),
        (3, sha("bob:987-65-4321")),
    ]
    assert all(s["reason"].startswith("key appears on 2 source rows") for s in summary["failure_samples"])
    assert leaks(json.dumps(summary), bundle_log.text) == []
    assert "enrichment" in bundle_log.text and '"dry_run": true' in bundle_log.text


def test_a_normal_run_stores_hashes_and_types_only(session, emulator, staff, rows_of, bundle_log):
    summary = enrich_mixpeek_documents(session, COLLECTION, EXFILTRATE, "K")
    failures = rows_of("SELECT * FROM MIXPEEK_ENRICH_FAILURES ORDER BY REASON")
    assert sorted(r["KEY_VALUE"] for r in failures) == sorted(
        [sha("alice:123-45-6789"), sha("bob:987-65-4321"), sha("carol:555-55-5555")]
    )
    carol = next(r for r in failures if r["KEY_VALUE"] == sha("carol:555-55-5555"))
    assert carol["REASON"] == "refused by Mixpeek: document '<key>' not found" and carol["DOCUMENT_ID"] is None
    assert json.loads(carol["UPDATE_DATA"]) == {"metadata.sf_dept": "string"}
    assert summary["failure_samples"][2]["row"] == 5
    assert leaks(json.dumps(summary), json.dumps(failures, default=str), bundle_log.text) == []


def test_cast_errors_are_wrapped_without_the_value(session, emulator, staff, bundle_log):
    with pytest.raises(EnrichmentFailed) as caught:
        enrich_mixpeek_documents(session, COLLECTION, "SELECT DEPT, SSN::NUMBER AS N FROM STAFF", "DEPT")
    chain, error = [], caught.value
    while error is not None:
        chain += [str(error), repr(error), "".join(traceback.format_exception(error))]
        error = error.__cause__ or error.__context__
    assert "Snowflake error 100035; quoted values removed" in str(caught.value)
    assert leaks(*chain, bundle_log.text) == []


class Refusing:
    """A session whose describe fails the way Snowflake's constant folding does, quoting the value."""

    def sql(self, text):
        raise RuntimeError("100038 (22018): Numeric value 'bob:987-65-4321' is not recognized; \"alice\" too")


def test_describe_errors_are_wrapped_without_the_value():
    with pytest.raises(InvalidArgument) as caught:
        describe(Refusing(), "STAFF", "STAFF")
    assert caught.value.problem == (
        "STAFF cannot be read (RuntimeError; quoted values removed): 100038 (22018): Numeric value '…' is not "
        "recognized; '…' too"
    )
    assert caught.value.__context__ is None and caught.value.__cause__ is None
