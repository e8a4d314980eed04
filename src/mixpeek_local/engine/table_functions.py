"""Python table functions on the local engine, which has none: the statement a real account runs is received as is,
the handler class Snowflake would run is run here with Snowflake's calling convention (one instance per partition,
process() per input row, then end_partition(), partitions in separate processes), and the call is replaced by its
rows before fakesnow executes the rest of the statement. The one divergence from Snowflake lives in this module.

Supported form (what the sync's statements.stage_fetched writes):
  FROM (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) - 1 AS P FROM TABLE(GENERATOR(ROWCOUNT => n))) g,
       TABLE(fn(arg, …) OVER (PARTITION BY g.P)) f
with arguments ?, ?::TYPE, PARSE_JSON(?), g.P or an integer literal.
"""

from __future__ import annotations

import atexit
import importlib
import json
import multiprocessing
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

HANDLERS = {
    "MIXPEEK_FETCH_DOCUMENTS": (
        "mixpeek_snowflake.functions.FetchDocuments",
        "TABLE(OP VARCHAR, SEQ NUMBER, DOCUMENT_ID VARCHAR, RECORD VARCHAR, REASON VARCHAR, EXCERPT VARCHAR)",
    ),
}
SECRET_VARIABLES = ("MIXPEEK_API_KEY",)
MAX_PROCESSES = 16
PARENT_POLL_SECONDS = 0.5
UDF_ERROR_ERRNO = 100357

_SOURCE = re.compile(
    r"FROM \(SELECT ROW_NUMBER\(\) OVER \(ORDER BY SEQ4\(\)\) - 1 AS (?P<column>\w+) "
    r"FROM TABLE\(GENERATOR\(ROWCOUNT => (?P<count>\d+)\)\)\) (?P<alias>\w+), "
    r"TABLE\((?P<name>[\w.\"]+)\((?P<args>.*?)\) OVER \(PARTITION BY (?P=alias)\.(?P=column)\)\) (?P<output>\w+)",
    re.IGNORECASE | re.DOTALL,
)


class TableFunctionError(RuntimeError):
    """A partition's handler raised: the statement fails, as a UDTF's exception fails its query in Snowflake."""


@dataclass(frozen=True)
class Call:
    """One table-function call found in a statement."""

    name: str
    handler: str
    columns: tuple[tuple[str, str], ...]
    partitions: int
    arguments: tuple[str, ...]
    first_param: int
    params_used: int
    span: tuple[int, int]
    alias: str
    relation: str

    def rewritten(self, statement: str) -> str:
        """The statement with the generator and the call replaced by the relation holding the call's rows."""
        start, end = self.span
        return f"{statement[:start]}FROM {self.relation} {self.alias}{statement[end:]}"

    def remaining_params(self, params: Sequence[Any] | None) -> list[Any] | None:
        """The statement's parameters without the ones the call consumed."""
        if params is None:
            return None
        values = list(params)
        return values[: self.first_param] + values[self.first_param + self.params_used :]

    def rows_arguments(self, params: Sequence[Any] | None) -> list[list[Any]]:
        """The argument values of each partition's one input row, in partition order."""
        values = list(params or [])[self.first_param : self.first_param + self.params_used]
        return [_evaluate(self.arguments, values, index) for index in range(self.partitions)]


def _split_arguments(text: str) -> tuple[str, ...]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return (*parts, current.strip()) if current.strip() else tuple(parts)


def _columns(returns: str) -> tuple[tuple[str, str], ...]:
    inner = returns.strip().removeprefix("TABLE(").removesuffix(")")
    return tuple((name, kind) for name, kind in (column.split() for column in inner.split(", ")))


def find_call(statement: str) -> Call | None:
    """The table-function call of a statement in the supported form, or None."""
    match = _SOURCE.search(statement)
    if match is None:
        return None
    name = match["name"].replace('"', "").split(".")[-1].upper()
    if name not in HANDLERS:
        return None
    handler, returns = HANDLERS[name]
    arguments = _split_arguments(match["args"])
    return Call(
        name=name,
        handler=handler,
        columns=_columns(returns),
        partitions=int(match["count"]),
        arguments=arguments,
        first_param=statement[: match.start("args")].count("?"),
        params_used=match["args"].count("?"),
        span=(match.start(), match.end()),
        alias=match["output"],
        relation=f"MIXPEEK_LOCAL_UDTF_{uuid.uuid4().hex[:12].upper()}",
    )


def _evaluate(arguments: tuple[str, ...], values: list[Any], partition: int) -> list[Any]:
    taken = iter(values)
    row: list[Any] = []
    for argument in arguments:
        text = argument.upper().replace(" ", "")
        if text.isdigit():
            row.append(int(text))
        elif text.startswith("PARSE_JSON(?)"):
            value = next(taken)
            row.append(None if value is None else json.loads(value))
        elif text.startswith("?"):
            row.append(_cast(next(taken), text.partition("::")[2]))
        elif re.fullmatch(r"\w+\.\w+", text):
            row.append(partition)
        else:
            raise NotImplementedError(
                f"local table functions take ?, ?::TYPE, PARSE_JSON(?), an index or an integer, not {argument!r}"
            )
    return row


def _cast(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "FLOAT":
        return float(value)
    if kind in ("NUMBER", "INTEGER", "INT"):
        return int(value)
    return value


def run_partition(handler: str, rows: list[list[Any]], environment: dict[str, str]) -> tuple[list[tuple], str | None]:
    """In a worker process: one new handler instance, process() for each input row, then end_partition().
    Returns the rows, or the error the handler raised (as text: exceptions need not pickle)."""
    os.environ.update(environment)
    module, _, name = handler.rpartition(".")
    instance = getattr(importlib.import_module(module), name)()
    out: list[tuple] = []
    try:
        for row in rows:
            out.extend(instance.process(*row) or ())
        end = getattr(instance, "end_partition", None)
        if end is not None:
            out.extend(end() or ())
    except Exception as error:
        return [], f"{type(error).__name__}: {error}"
    return out, None


_pool_lock = threading.Lock()
_pools: list[ProcessPoolExecutor] = []


def pool() -> ProcessPoolExecutor:
    """The engine's worker processes (spawned, not forked: the engine runs threads), started as partitions need them."""
    with _pool_lock:
        if not _pools:
            context = multiprocessing.get_context("spawn")
            _pools.append(
                ProcessPoolExecutor(
                    max_workers=MAX_PROCESSES,
                    mp_context=context,
                    initializer=_exit_with_parent,
                    initargs=(os.getpid(),),
                )
            )
            atexit.register(shutdown)
        return _pools[0]


def _exit_with_parent(parent: int) -> None:
    """In a worker: end this process once the one that started it is gone. A pool's workers hold both ends of its
    call queue, so a parent killed (or ended by multiprocessing, which joins its children before atexit) without
    shutdown() would leave them waiting forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()


def shutdown() -> None:
    """Stop the worker processes."""
    with _pool_lock:
        while _pools:
            _pools.pop().shutdown(wait=True, cancel_futures=True)


def execute_call(call: Call, params: Sequence[Any] | None) -> list[tuple]:
    """Every partition's rows, each partition in a worker process; the first handler error fails the call."""
    environment = {name: os.environ[name] for name in SECRET_VARIABLES if name in os.environ}
    futures = [pool().submit(run_partition, call.handler, [row], environment) for row in call.rows_arguments(params)]
    rows: list[tuple] = []
    errors = []
    for index, future in enumerate(futures):
        partition_rows, error = future.result()
        if error is not None:
            errors.append(f"partition {index}: {error}")
        rows.extend(partition_rows)
    if errors:
        raise TableFunctionError(f"Python Interpreter Error in function {call.name} ({call.handler}): {errors[0]}")
    return rows


def arrow_table(call: Call, rows: list[tuple]) -> Any:
    """The rows as an Arrow table with the function's declared columns."""
    import pyarrow as pa

    types = {"VARCHAR": pa.string(), "NUMBER": pa.int64(), "FLOAT": pa.float64(), "BOOLEAN": pa.bool_()}
    columns = {name: [row[i] for row in rows] for i, (name, _) in enumerate(call.columns)}
    schema = pa.schema([(name, types[kind]) for name, kind in call.columns])
    return pa.table(columns, schema=schema)


def _running(original: Callable[..., Any]) -> Callable[..., Any]:
    def execute(self: Any, command: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        call = find_call(command) if isinstance(command, str) else None
        if call is None:
            return original(self, command, params, *args, **kwargs)
        bound = kwargs.get("binding_params") if kwargs.get("binding_params") is not None else params
        try:
            rows = execute_call(call, bound)
        except Exception as error:
            import snowflake.connector.errors

            if isinstance(error, TableFunctionError):
                text = str(error)
            else:
                text = f"{call.name} could not run its partitions: {type(error).__name__}: {error}"
            raise snowflake.connector.errors.ProgrammingError(
                msg=text, errno=UDF_ERROR_ERRNO, sqlstate="P0000"
            ) from None
        self._duck_conn.register(call.relation, arrow_table(call, rows))
        try:
            if kwargs.get("binding_params") is not None:
                kwargs["binding_params"] = call.remaining_params(bound)
                return original(self, call.rewritten(command), params, *args, **kwargs)
            return original(self, call.rewritten(command), call.remaining_params(bound), *args, **kwargs)
        finally:
            self._duck_conn.unregister(call.relation)

    execute.runs_table_functions = True  # type: ignore[attr-defined]
    return execute


def _parsing(original: Callable[..., Any]) -> Callable[..., Any]:
    def parse_one(sql: str, *args: Any, **kwargs: Any) -> Any:
        call = find_call(sql) if isinstance(sql, str) else None
        return original(call.rewritten(sql) if call else sql, *args, **kwargs)

    parse_one.runs_table_functions = True  # type: ignore[attr-defined]
    return parse_one


def install() -> None:
    """Let fakesnow run the table functions of HANDLERS; safe to call more than once."""
    import fakesnow.cursor as cursor
    import fakesnow.server as server

    if not getattr(cursor.FakeSnowflakeCursor.execute, "runs_table_functions", False):
        cursor.FakeSnowflakeCursor.execute = _running(cursor.FakeSnowflakeCursor.execute)  # type: ignore[method-assign]
    if not getattr(server.parse_one, "runs_table_functions", False):
        server.parse_one = _parsing(server.parse_one)
