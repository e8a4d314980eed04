"""`python -m mixpeek_local.soak`: the soak command line."""

from __future__ import annotations

import sys

from mixpeek_local.soak.run import soak_main

if __name__ == "__main__":
    sys.exit(soak_main(sys.argv[1:]))
