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
from mixpeek_app.navigation import PAGES, visible  # noqa: E402

shown = visible(backend.access(backend.current()))
st.navigation([st.Page(PAGES[n][0], title=PAGES[n][1], icon=PAGES[n][2], url_path=n) for n in shown]).run()
