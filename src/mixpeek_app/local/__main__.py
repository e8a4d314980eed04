"""python -m mixpeek_app.local: the same as mixpeek-snowflake app."""

from __future__ import annotations

import sys

from mixpeek_app.local.launcher import main

sys.exit(main())
