"""The app's main file (snowflake.yml's streamlit entity): the pages this session's roles may open.

The pages live in app_pages/, not pages/, so that Streamlit does not also list them on its own (st.navigation).
"""

from __future__ import annotations

import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1])
if SRC not in sys.path:
    sys.path.insert(0, SRC)

import streamlit as st  # noqa: E402

from mixpeek_app import backend  # noqa: E402

PAGES = {
    "targets": ("app_pages/targets.py", "Targets", ":material/monitor_heart:"),
    "labels": ("app_pages/labels.py", "Labels", ":material/label:"),
    "search": ("app_pages/search.py", "Search", ":material/search:"),
    "enrich": ("app_pages/enrich.py", "Enrich", ":material/upload:"),
}


def main() -> None:
    """Navigation over the pages; Search only for a session that holds the search role."""
    access = backend.access(backend.current())
    shown = [name for name in PAGES if name != "search" or access.search]
    pages = [st.Page(PAGES[name][0], title=PAGES[name][1], icon=PAGES[name][2], url_path=name) for name in shown]
    st.navigation(pages).run()


main()
