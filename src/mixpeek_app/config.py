"""What the app needs to know of the deployment: role names, bundle object names, row limits."""

from __future__ import annotations

# The roles of snowflake.yml's env: (operator_role, sensitive_reader_role, reader_role); change them together.
OPERATOR_ROLE = "MIXPEEK_OPERATOR"
SEARCH_ROLE = "MIXPEEK_SENSITIVE_READER"
READER_ROLE = "MIXPEEK_READER"

TARGET_HEALTH = "MIXPEEK_TARGET_HEALTH"
RUNS = "MIXPEEK_RUNS"
LABELS = "MIXPEEK_DOCUMENT_LABELS"
ENRICH_STATE = "MIXPEEK_ENRICH_STATE"
ENRICH_FAILURES = "MIXPEEK_ENRICH_FAILURES"

SYNC_PROCEDURE = "sync_mixpeek_collection"
PAUSE_PROCEDURE = "pause_mixpeek_target"
RESUME_PROCEDURE = "resume_mixpeek_target"
SEARCH_FUNCTION = "mixpeek_search"

SYNC_MODES = ("incremental", "full")
MAX_SEARCH_RESULTS = 100
