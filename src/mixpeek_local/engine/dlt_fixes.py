"""Fixes for three fakesnow 0.12 gaps that stop dlt's Snowflake destination on the local engine (the benchmark only).

dlt stages parquet files with PUT and loads them with COPY INTO. fakesnow refuses:
1. PUT's target written as a quoted string literal, '@"DATASET"."%TABLE"/"load_id"' (Snowflake takes it).
2. COPY's FILE_FORMAT = (TYPE = 'PARQUET', …): sqlglot makes an empty node of each comma between the options.
3. MATCH_BY_COLUMN_NAME = 'CASE_INSENSITIVE' quoted, which Snowflake accepts as well as the bare word.
Applied only by the benchmark's engine process (bench/servers.py), never by the local engine the tests and CLI use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fakesnow.copy_into as copy_into
import fakesnow.transforms as transforms
from sqlglot import exp


def _unquoted_target(original: Callable[..., Any]) -> Callable[..., Any]:
    def put_stage(expression: Any, *args: Any, **kwargs: Any) -> Any:
        target = expression.args.get("target") if isinstance(expression, exp.Put) else None
        text = target.text("this") if isinstance(target, exp.Var) else ""
        if len(text) > 1 and text[0] == text[-1] == "'":
            expression = expression.copy()
            expression.set("target", exp.Var(this=text[1:-1]))
        return original(expression, *args, **kwargs)

    put_stage.dlt_fixed = True  # type: ignore[attr-defined]
    return put_stage


def _clean_parameters(expression: exp.Copy) -> exp.Copy:
    expression = expression.copy()
    for param in expression.args.get("params") or []:
        name = param.this.name.upper() if isinstance(param.this, exp.Var) else ""
        if name == "FILE_FORMAT":
            param.set("expressions", [e for e in param.expressions if isinstance(e, exp.Property)])
        if name == "MATCH_BY_COLUMN_NAME" and isinstance(param.expression, exp.Literal):
            param.set("expression", exp.Var(this=param.expression.name))
    return expression


def _cleaned(original: Callable[..., Any]) -> Callable[..., Any]:
    def params(expression: exp.Copy, *args: Any, **kwargs: Any) -> Any:
        return original(_clean_parameters(expression), *args, **kwargs)

    params.dlt_fixed = True  # type: ignore[attr-defined]
    return params


def apply() -> None:
    """Patch fakesnow for dlt; safe to call more than once."""
    if not getattr(transforms.put_stage, "dlt_fixed", False):
        transforms.put_stage = _unquoted_target(transforms.put_stage)
    if not getattr(copy_into._params, "dlt_fixed", False):
        copy_into._params = _cleaned(copy_into._params)
