"""The demo end to end: every step prints, enrich and search show real results, and the data is kept or said gone."""

from __future__ import annotations

import re
from pathlib import Path

from mixpeek_local.demo.roundtrip import ENRICHED, SOURCE
from mixpeek_local.demo.run import run_demo
from mixpeek_local.engine.server import local_session
from mixpeek_local.output import rows_as_dicts

SECTIONS = (
    "== Full sync: run",
    "== Incremental sync: run",
    "== Rerun, nothing changed: run",
    "== Run log (MIXPEEK_SYNC_RUNS)",
    "CALL create_mixpeek_views('col_demo000001')",
    "== Enrich: Snowflake attributes into Mixpeek metadata",
    "== Search: a Mixpeek retriever from SQL",
    "== Ingest: 7 generated files on stage @PRODUCT_MEDIA",
    "SELECT RELATIVE_PATH, FILE_STATUS, OBJECT_ID, DOCUMENT_ID",
)


def test_the_demo_keeps_its_data_with_local_dir_and_shows_enrich_and_search(tmp_path: Path) -> None:
    lines: list[str] = []
    folder = tmp_path / "kept"
    run_demo(documents=150, local_dir=folder, say=lines.append)
    text = "\n".join(lines)
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert f"The local engine's tables are kept in {folder}" in text
    assert f'mixpeek-snowflake sql --local-dir {folder} "SELECT COUNT(*) FROM MIXPEEK_DOCUMENTS"' in text
    search = text[text.index("== Search") :]
    assert len(re.findall(r"^\d\s+doc_\w+", search, flags=re.MULTILINE)) == 5
    with local_session(folder) as session:
        enriched = session.sql(
            f"SELECT COUNT(*) AS N FROM {SOURCE} t JOIN MIXPEEK_DOCUMENTS d ON d.DOCUMENT_ID = t.DOCUMENT_ID "
            "WHERE d.METADATA:sf_tier::VARCHAR = t.TIER AND d.METADATA:sf_ltv::FLOAT = t.LTV"
        ).collect()
        runs = rows_as_dicts(session.sql("SELECT STATUS, UPDATED FROM MIXPEEK_SYNC_RUNS ORDER BY STARTED_AT").collect())
    assert enriched[0][0] == ENRICHED
    assert [r["STATUS"] for r in runs] == ["SUCCEEDED"] * 5 and runs[-2]["UPDATED"] == ENRICHED
    assert len(re.findall(r"^products/\S+\s+SENT\s+obj_\w+\s+doc_\w+\s+image", text, flags=re.MULTILINE)) == 4
    assert re.search(r"^broken/empty.jpg\s+FAILED", text, flags=re.MULTILINE)


def test_without_local_dir_the_demo_says_its_temporary_folder_is_gone() -> None:
    lines: list[str] = []
    run_demo(documents=60, say=lines.append)
    (last,) = [line for line in lines if "temporary folder" in line]
    named = re.search(r"temporary folder \((.+?)\), now deleted", last)
    assert named is not None
    folder = Path(named[1])
    assert not folder.exists() and "mixpeek-snowflake demo --local-dir DIR" in last
