"""One scratch deployment of the bundle in a real account: its names, `make` and `snow sql` run with them."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SNOW = str(ROOT / ".venv" / "bin" / "snow")


@dataclass(frozen=True)
class Deployment:
    """Names of one scratch deployment: env: overrides passed to make and snow as shell variables."""

    env: dict[str, str]
    connection: str
    collection: str
    namespace: str
    governance: bool

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a Makefile target with these names (the venv is used as it is)."""
        command = ["make", "-o", ".venv/.installed-stamp", *args, f"CONNECTION={self.connection}"]
        return subprocess.run(command, cwd=ROOT, env={**os.environ, **self.env}, capture_output=True, text=True)

    def sql(self, query: str, role: str) -> list[dict[str, Any]]:
        """Rows of one query run as the given role (a key of env, e.g. reader_role), as dicts."""
        command = [SNOW, "sql", "-q", query, "--format", "json", "--connection", self.connection]
        command += ["--role", self.env[role], "--warehouse", self.env["warehouse"]]
        result = subprocess.run(command, cwd=ROOT, env={**os.environ, **self.env}, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(result.stdout + result.stderr)
        return json.loads(result.stdout)


def scratch_env() -> dict[str, str]:
    """Unique schema, roles and integration, so the deployment touches nothing else."""
    suffix = uuid.uuid4().hex[:8].upper()
    prefix = f"MIXPEEK_LIVE_{suffix}"
    return {
        "database": os.environ.get("MIXPEEK_LIVE_DATABASE", "MIXPEEK"),
        "schema": f"LIVE_{suffix}",
        "warehouse": os.environ.get("MIXPEEK_LIVE_WAREHOUSE", "MIXPEEK_WH"),
        "owner_role": f"{prefix}_OWNER",
        "operator_role": f"{prefix}_OPERATOR",
        "reader_role": f"{prefix}_READER",
        "sensitive_reader_role": f"{prefix}_SENSITIVE_READER",
        "integration": f"{prefix}_ACCESS",
    }
