"""The CLI fixtures (local/cli/cli_world.py) for this suite."""

from local.cli.cli_world import cli, emulator, mixpeek_env, store

__all__ = ["cli", "emulator", "mixpeek_env", "store"]
