"""The Search page: a retriever through mixpeek_search, results with thumbnails and metadata, and a business join."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from mixpeek_app import config, documents, queries, ui
from mixpeek_snowflake.snowflake.identifiers import TableName

FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
JOIN_CHOICES = ("DOCUMENT_ID", "a metadata field")


def render() -> None:
    page = ui.start("Search")
    if not page.access.search:
        st.info(f"Searching needs the {config.SEARCH_ROLE} role (USAGE on {config.SEARCH_FUNCTION}).")
        return
    defaults = page.backend.defaults
    with st.form("search_form"):
        retriever = st.text_input("Retriever (id or name)", defaults.get("retriever", ""), key="retriever")
        query = st.text_input("Query", defaults.get("query", ""), key="query", max_chars=2000)
        limit = st.number_input("Results", 1, config.MAX_SEARCH_RESULTS, 10, key="limit")
        table = st.text_input("Join to business table (optional)", defaults.get("business_table", ""), key="table")
        key_column = st.text_input("Its key column", defaults.get("business_key", ""), key="key_column")
        on = st.selectbox("Matched to the result's", JOIN_CHOICES, key="join_on")
        field = st.text_input("Metadata field", defaults.get("metadata_field", ""), key="metadata_field")
        submitted = st.form_submit_button("Search")
    if submitted:
        st.session_state["search_results"] = run_search(page, retriever.strip(), query.strip(), int(limit))
    results = st.session_state.get("search_results")
    if results is None:
        return
    show_results(results)
    join_field = "DOCUMENT_ID" if on == JOIN_CHOICES[0] else field.strip()
    if results and table.strip():
        business(page, results, table.strip(), key_column.strip(), join_field)


def run_search(page: ui.Page, retriever: str, query: str, limit: int) -> list[dict[str, Any]] | None:
    if not retriever or not query:
        st.warning("Name a retriever and type a query.")
        return None
    try:
        return page.backend.search(retriever, query, limit)
    except Exception as exc:
        ui.failure("Search", exc)
        return None


def show_results(results: list[dict[str, Any]]) -> None:
    st.caption(f"{len(results)} results")
    for row in results:
        document = row.get("DOCUMENT")
        picture = documents.thumbnail(document.get("document_blobs") if isinstance(document, dict) else None)
        left, right = st.columns((1, 3))
        if picture is not None and picture.image_url:
            left.image(picture.image_url, caption=picture.caption)
        elif picture is not None:
            left.caption(picture.caption)
        right.markdown(f"**{row['RANK']}. {documents.title(row)}** · `{row['DOCUMENT_ID']}` · score {row['SCORE']}")
        right.json(documents.shown(row.get("METADATA") or {}), expanded=False)


def business(page: ui.Page, results: list[dict[str, Any]], table: str, key_column: str, field: str) -> None:
    """The business table's rows for the results, joined on the key the user chose."""
    try:
        name = TableName.parse(table, "business table")
        if field != "DOCUMENT_ID" and not FIELD.fullmatch(field):
            raise ValueError(f"metadata field {field!r} is not allowed; expected letters, digits and _")
        keys = sorted({key for row in results if (key := documents.join_key(row, field)) is not None})
        rows = page.rows(queries.business_rows(name, key_column, keys))
    except Exception as exc:
        ui.failure("The join", exc)
        return
    matched = {str(next(v for k, v in row.items() if k.upper() == key_column.upper())): row for row in rows}
    joined = []
    for result in results:
        key = documents.join_key(result, field)
        extra = matched.get(key) if key is not None else None
        joined.append({"RANK": result["RANK"], "DOCUMENT_ID": result["DOCUMENT_ID"], "KEY": key, **(extra or {})})
    st.subheader(f"Joined to {name.display}")
    st.dataframe(ui.frame(joined), hide_index=True, key="joined")
