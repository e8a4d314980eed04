"""The procedures and functions snowflake.yml declares, seen from Python and from SQL."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any


def resolve_handler(handler: str) -> Any:
    """The object a `module.attr` handler names, imported from the source tree."""
    module, _, attr = handler.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def is_table_function(entity: Any) -> bool:
    """A function returning TABLE(...) is a UDTF: its handler is a class with process()."""
    return entity.get_type() == "function" and entity.returns.strip().upper().startswith("TABLE")


def python_parameters(entity: Any) -> list[inspect.Parameter]:
    """The handler's parameters that SQL arguments fill: after `session` for procedures, of process() for UDTFs."""
    target = resolve_handler(entity.handler)
    if is_table_function(entity):
        return list(inspect.signature(target.process).parameters.values())[1:]
    parameters = list(inspect.signature(target).parameters.values())
    return parameters[1:] if entity.get_type() == "procedure" else parameters


def argument_types(entity: Any) -> str:
    """`(VARCHAR, VARIANT)`: how GRANT and DROP name this overload."""
    return "(" + ", ".join(arg.arg_type.upper() for arg in entity.signature or []) + ")"


def qualified_name(entity: Any) -> str:
    """DATABASE.SCHEMA.NAME(TYPES) upper-cased, as sqlfacts names grant and drop targets."""
    return f"{entity.fqn.identifier.upper()}{argument_types(entity)}"


def table_specs() -> list[Any]:
    """Every TableSpec the shipped package defines at module level, each once: the tables the code creates."""
    import mixpeek_snowflake
    from mixpeek_snowflake.snowflake import tables

    found: dict[str, Any] = {spec.name: spec for spec in tables.ALL_TABLES}
    for module in pkgutil.walk_packages(mixpeek_snowflake.__path__, "mixpeek_snowflake."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, tables.TableSpec) and found.setdefault(value.name, value) != value:
                raise AssertionError(f"two different TableSpecs are named {value.name}")
    return list(found.values())


def table_name(spec: Any, env: dict[str, Any]) -> str:
    """DATABASE.SCHEMA.TABLE of a spec in the deployed schema (the documents table under env target_table)."""
    from mixpeek_snowflake.snowflake import tables

    name = env["target_table"] if spec is tables.DOCUMENTS else spec.name
    return f"{env['database']}.{env['schema']}.{name}".upper()
