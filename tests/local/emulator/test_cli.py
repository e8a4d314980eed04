"""The command-line entry point builds a seeded emulator from its options."""

from __future__ import annotations

import requests

from mixpeek_local.emulator.__main__ import build, parse_args


def test_cli_builds_a_seeded_emulator():
    args = parse_args(["--port", "0", "--documents", "12", "--api-key", "k1", "--namespace", "ns_cli"])
    with build(args) as emu:
        headers = {"Authorization": "Bearer k1", "X-Namespace": "ns_cli"}
        response = requests.get(f"{emu.sdk_base_url}/collections/col_demo000001/documents/count", headers=headers)
        assert response.json() == {"collection_id": "col_demo000001", "count": 12}
        assert emu.base_url.startswith("http://127.0.0.1:") and emu.sdk_base_url.endswith("/v1")
