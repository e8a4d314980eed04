"""The Enrich page: the last pushes into Mixpeek metadata, what failed and why."""

from __future__ import annotations

import streamlit as st

from mixpeek_app import config, queries, ui


def render() -> None:
    page = ui.start("Enrich")
    if config.RUNS.upper() in page.objects:
        runs = page.rows(queries.runs_of_kind(page.bundle, "ENRICH"))
        if runs:
            st.subheader("Enrichment runs")
            st.dataframe(ui.frame(runs, queries.RUN_COLUMNS), hide_index=True, key="enrich_runs")
    st.subheader("Last pushes")
    if page.has(config.ENRICH_STATE):
        pushes = page.rows(queries.enrich_pushes(page.bundle))
        if pushes:
            data = ui.frame(pushes, ("RUN_ID", "COLLECTION_ID", "SOURCE", "DOCUMENTS", "PUSHED_AT"))
            st.bar_chart(data, x="RUN_ID", y="DOCUMENTS")
            st.dataframe(data, hide_index=True, key="pushes")
        else:
            st.caption("Nothing pushed yet.")
    st.subheader("Failures")
    if page.has(config.ENRICH_FAILURES):
        reasons = page.rows(queries.enrich_failure_reasons(page.bundle))
        if not reasons:
            st.success("No enrichment failures.")
            return
        st.bar_chart(ui.frame(reasons, ("REASON", "ROWS_FAILED", "LAST_FAILED_AT")), x="REASON", y="ROWS_FAILED")
        failures = page.rows(queries.enrich_failures(page.bundle))
        columns = ("RUN_ID", "COLLECTION_ID", "SOURCE", "DOCUMENT_ID", "REASON", "UPDATE_DATA", "FAILED_AT")
        st.dataframe(ui.frame(failures, columns), hide_index=True, key="failures")
