"""Every subcommand is in the top-level help, and each --help names its options, defaults and environment."""

from __future__ import annotations

import re

import pytest

COMMANDS = (
    "demo",
    "sync",
    "refresh-labels",
    "enrich",
    "views",
    "ingest",
    "search",
    "runs",
    "status",
    "sql",
    "app",
    "reset",
    "unlock",
    "targets",
    "emulator",
    "bench",
    "soak",
)
MIXPEEK = ("MIXPEEK_API_KEY", "MIXPEEK_BASE_URL", "MIXPEEK_NAMESPACE")
WHERE = ("--local-dir", "--connection")
# subcommand: (options its help must name, "option (default: value)" pairs, environment variables it names)
HELP = {
    "sync": (
        ("--target", "--mode", "--option", "--quiet", "--mixpeek-url", "--namespace", *WHERE),
        (("--target", "MIXPEEK_DOCUMENTS"), ("--mode", "incremental"), ("--local-dir", ".mixpeek-local/")),
        (*MIXPEEK, "MIXPEEK_LOCAL_DIR"),
    ),
    "refresh-labels": (
        ("--target", "--option", "--mixpeek-url", "--namespace", *WHERE),
        (("--target", "MIXPEEK_DOCUMENTS"),),
        (*MIXPEEK, "MIXPEEK_LOCAL_DIR"),
    ),
    "enrich": (("--option", "--mixpeek-url", "--namespace", *WHERE), (), (*MIXPEEK, "MIXPEEK_LOCAL_DIR")),
    "views": (("--option", "--mixpeek-url", "--namespace", *WHERE), (), (*MIXPEEK, "MIXPEEK_LOCAL_DIR")),
    "ingest": (
        ("--stage-folder", "--option", "--mixpeek-url", "--namespace", *WHERE),
        (),
        (*MIXPEEK, "MIXPEEK_LOCAL_DIR"),
    ),
    "search": (("--limit", "--filters", "--option", "--mixpeek-url", "--namespace"), (("--limit", "10"),), MIXPEEK),
    "runs": (
        ("--limit", "--collection", "--target", "--schema", "--json", *WHERE),
        (("--limit", "20"),),
        ("MIXPEEK_LOCAL_DIR",),
    ),
    "status": (("--schema", "--json", *WHERE), (), ("MIXPEEK_LOCAL_DIR",)),
    "sql": (("--json", *WHERE), (), ("MIXPEEK_LOCAL_DIR",)),
    "demo": (("--documents", "--local-dir"), (("--documents", "3000"),), ()),
    "app": (("--port", "--documents", "--local-dir", "--as"), (("--port", "8501"), ("--as", "operator")), ()),
}
TOOL_HELP = {
    "emulator": ("--port PORT", "(default: 8080)", "--api-key", "MIXPEEK_API_KEY if set, else mxp_test_key"),
    "bench": ("--documents", "usage: mixpeek-snowflake bench"),
    "soak": ("--runs", "(default 200)", "usage: mixpeek-snowflake soak"),
}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_top_level_help_lists_every_command_and_the_environment(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    listed = re.findall(r"^ {4}(\S+)", result.out, flags=re.MULTILINE)
    assert tuple(listed) == COMMANDS
    assert all(name in result.out for name in (*MIXPEEK, "MIXPEEK_LOCAL_DIR"))
    assert "0 success, 1 failed run" in result.out and "2 bad arguments" in result.out


@pytest.mark.parametrize("command", sorted(HELP))
def test_each_help_names_options_defaults_and_environment(cli, command: str) -> None:
    options, defaults, variables = HELP[command]
    result = cli(command, "--help")
    assert result.code == 0
    text = flat(result.out)
    assert all(option in text for option in options), [o for o in options if o not in text]
    for option, default in defaults:
        assert re.search(rf"{re.escape(option)} [^-]*\(default: {re.escape(default)}\)", text), (option, default)
    for name in variables:
        assert re.search(rf"^  {name}  ", result.out, flags=re.MULTILINE), name
    assert ("environment variables: none" in text) == (not variables)
    assert "exit codes: 0 success, 1 failed run" in text


@pytest.mark.parametrize("tool", sorted(TOOL_HELP))
def test_tools_answer_their_own_help(cli, tool: str) -> None:
    result = cli(tool, "--help")
    assert result.code == 0
    text = flat(result.out)
    assert all(fragment in text for fragment in TOOL_HELP[tool]), text


def test_docs_cli_md_covers_every_command_and_option() -> None:
    import argparse
    from pathlib import Path

    from mixpeek_local.cli import ENVIRONMENT, build_parser

    text = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text()
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for name, parser in sub.choices.items():
        assert f"### `{name}" in text or f"`{name}`" in text, name
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in text, (name, option)
    assert all(f"`{variable}`" in text for variable in ENVIRONMENT)
