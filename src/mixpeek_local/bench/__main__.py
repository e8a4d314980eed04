"""`python -m mixpeek_local.bench`: the bench command line."""

from __future__ import annotations

import sys

from mixpeek_local.bench.run import bench_main

if __name__ == "__main__":
    sys.exit(bench_main())
