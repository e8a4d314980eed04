"""The Labels page: per taxonomy, label counts and score distributions; the documents behind a label."""

from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st

from mixpeek_app import backend, config, documents, queries, ui
from mixpeek_snowflake.snowflake.identifiers import TableName


def render() -> None:
    page = ui.start("Labels")
    if not page.has(config.LABELS):
        return
    taxonomies = page.rows(queries.label_taxonomies(page.bundle))
    if not taxonomies:
        st.info("No labels yet: a sync of a collection with taxonomies writes them.")
        return
    targets = sorted({row["TARGET_TABLE"] for row in taxonomies})
    target = st.selectbox("Target", targets, key="labels_target") or targets[0]
    choices = [row for row in taxonomies if row["TARGET_TABLE"] == target]
    names = [f"{row['TAXONOMY_NAME'] or row['TAXONOMY_ID']} ({row['TAXONOMY_ID']})" for row in choices]
    chosen = st.selectbox("Taxonomy", names, key="taxonomy")
    taxonomy = choices[names.index(chosen)] if chosen in names else choices[0]
    counts = charts(page, target, taxonomy)
    drill(page, target, taxonomy, counts)


def charts(page: ui.Page, target: str, taxonomy: dict[str, Any]) -> list[dict[str, Any]]:
    taxonomy_id = taxonomy["TAXONOMY_ID"]
    counts = page.rows(queries.label_counts(page.bundle, target, taxonomy_id))
    st.caption(f"{taxonomy['DOCUMENTS']} labelled documents; best-match label counts")
    bars = alt.Chart(ui.frame(counts, ("LABEL", "DOCUMENTS", "AVG_SCORE"))).mark_bar()
    st.altair_chart(
        bars.encode(x=alt.X("LABEL:N", sort="-y"), y="DOCUMENTS:Q", tooltip=["LABEL", "DOCUMENTS", "AVG_SCORE"])
    )
    scores = page.rows(queries.score_histogram(page.bundle, target, taxonomy_id))
    histogram = ui.frame(scores, ("SCORE_FROM", "RANK", "LABELS"))
    histogram["RANK"] = histogram["RANK"].astype(str)
    st.caption("Score distribution (bins of 0.05), by rank")
    st.bar_chart(histogram, x="SCORE_FROM", y="LABELS", color="RANK")
    return counts


def drill(page: ui.Page, target: str, taxonomy: dict[str, Any], counts: list[dict[str, Any]]) -> None:
    labels = [row["LABEL"] for row in counts if row["LABEL"] is not None]
    if not labels:
        return
    label = st.selectbox("Documents of label", labels, key="label") or labels[0]
    try:
        table = TableName.parse(target, "target table")
    except ValueError as exc:
        ui.failure("Reading the target", exc)
        return
    rows = page.rows(queries.label_documents(page.bundle, table, taxonomy["TAXONOMY_ID"], label))
    st.caption(f"{len(rows)} documents labelled {label!r} (best score first, at most 60)")
    gallery(rows)


def gallery(rows: list[dict[str, Any]]) -> None:
    """Each document with its thumbnail (when a browser can load it) and its metadata."""
    for row in rows:
        metadata = backend.decoded(row.get("METADATA"))
        picture = documents.thumbnail(backend.decoded(row.get("BLOBS")))
        left, right = st.columns((1, 3))
        if picture is not None and picture.image_url:
            left.image(picture.image_url, caption=picture.caption)
        elif picture is not None:
            left.caption(picture.caption)
        right.markdown(f"**{documents.title({**row, 'METADATA': metadata})}** · `{row['DOCUMENT_ID']}`")
        right.caption(f"{row.get('MODALITY') or 'unknown'} · score {row.get('SCORE')} · rank {row.get('RANK')}")
        right.json(documents.shown(metadata), expanded=False)
