"""Where the compiled engine's records live: an ingested Parquet file read by DuckDB in
process or by Spark in local mode (`spark.py`), or a table in a database Ibis reaches by URL
(PostgreSQL: what `ingest -o URL --table NAME` writes). Either way the engine sees one Ibis
table of the ingest layout."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

from engagerules.errors import UsageError
from engagerules.sources.parquet import FACTS, ibis_url

__all__ = [
    "COLUMNS",
    "DUCKDB_SETTINGS",
    "FACTS",
    "FILE_BACKENDS",
    "MORE",
    "Records",
    "ibis_module",
    "ibis_url",
    "records_from",
    "without_pandas",
]

#: The backends that read the ingested Parquet file itself (any other is a database URL).
FILE_BACKENDS = ("duckdb", "spark")

#: The columns of the ingest layout a query reads (`refs`: the records a follow-up names).
COLUMNS = ("id", "type", "at", "scope", "role", "person", "attrs", "line", "refs")
#: The columns a record read back as an event also needs (`readback.py`).
MORE = ("all_day", "file")


#: DuckDB in process, within bounds: a query needing more memory than `memory_limit` (a
#: window or hash table over ten million records) spills to the temporary directory rather
#: than growing the process (measured at 10M Gwent events: the repeats' window alone held
#: 1.5 GiB without it); no query's result depends on the order rows come back in, so
#: DuckDB need not keep it. The memory a query freed goes back to the system while Python
#: works on its rows (its allocator's background threads): else it stays with DuckDB until
#: the next query, and the check's peak is Python's rows beside it (measured, Gwent events:
#: peak RSS at 1M 404 -> 370 MiB, at 5M 850 -> 780 MiB, CPU the same).
DUCKDB_SETTINGS = (
    "SET memory_limit = '512MB'",
    f"SET temp_directory = '{Path(tempfile.gettempdir()) / f'engagerules-duckdb-{os.getpid()}'}'",
    "SET preserve_insertion_order = false",
    "SET allocator_background_threads = true",
)


class _NoPandas:
    """An importer that finds pandas missing (`without_pandas`)."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@contextmanager
def without_pandas() -> Iterator[None]:
    """For a compiled check over DuckDB, which never uses pandas: pandas as if it were not
    installed. Ibis's DuckDB backend imports it when it first returns rows, and pyarrow
    when it first makes an array of Python values (asking whether they may be pandas'):
    0.27 s of CPU at every check, for nothing. Both are written to do without it (pyarrow
    asks again, and imports it, where it must have it; until then, it takes no value it
    is given for pandas': for a process that exits after the check, `cli`). Where pandas
    was imported before, nothing changes."""
    if "pandas" in sys.modules:
        yield
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


#: Ibis's package of SQL compilers, whose first module imports all twenty (`_compilers_lazily`).
_COMPILERS = "ibis.backends.sql.compilers"


def _compilers_lazily() -> None:
    """Ibis's package of SQL compilers, made to import each compiler when first asked for
    it: its first module imports all twenty dialects' (Athena's, Trino's, ...), building
    the tokenisers of a dozen SQL dialects a check over DuckDB never writes (0.09 s of
    CPU at every such check). Asked for a submodule (`sc.postgres`) or a compiler class
    (`PostgresCompiler`), it imports that one; for anything else it runs its own first
    module after all, and is as Ibis made it. Nothing changes where it was imported."""
    if _COMPILERS in sys.modules:
        return
    spec = importlib.util.find_spec(_COMPILERS)
    if spec is None or spec.loader is None:
        return
    package = importlib.util.module_from_spec(spec)
    run: list[bool] = []

    def whole(name: str) -> Any:
        if not run:
            run.append(True)
            spec.loader.exec_module(package)  # type: ignore[union-attr]
        if name in vars(package):
            return vars(package)[name]
        msg = f"module {_COMPILERS!r} has no attribute {name!r}"
        raise AttributeError(msg)

    def lazily(name: str) -> Any:
        if run or name.startswith("_"):
            return whole(name)
        submodule = name[: -len("Compiler")].lower() if name.endswith("Compiler") else name
        try:
            module = importlib.import_module(f"{_COMPILERS}.{submodule}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{_COMPILERS}.{submodule}":
                raise
            return whole(name)
        return module if submodule == name else getattr(module, name, None) or whole(name)

    package.__getattr__ = lazily  # type: ignore[method-assign]
    parent = importlib.import_module(_COMPILERS.rpartition(".")[0])
    sys.modules[_COMPILERS] = package
    parent.compilers = package  # type: ignore[attr-defined]


def ibis_module() -> Any:
    """Ibis, or a `UsageError` saying which extra brings it."""
    try:
        import ibis
    except ImportError:
        msg = "--engine ibis needs Ibis: pip install 'engagerules[ibis]'"
        raise UsageError(msg) from None
    return ibis


@attrs.frozen
class Records:
    """The records as one Ibis table (the ingest layout's columns), on its connection."""

    table: Any
    connection: Any
    #: Where they are, for messages: a file or a URL's table.
    where: str
    #: Whether the connection is to a session that was running before (Spark's, of this
    #: process), which `close` leaves running for whoever started it.
    shared: bool = False
    #: Whether `table` has `seq` (each record's place in the log as read) and the columns
    #: to read a record back as an event (`MORE`): then the compiled check reads back only
    #: the records it needs (`readback.py`); else every record, in Python.
    ordered: bool = False

    def close(self) -> None:
        """Let go of the connection (a shared session is left running)."""
        if not self.shared:
            self.connection.disconnect()


def records_from(source: str | Path, *, backend: str = "duckdb", table: str = "events") -> Records:
    """The records of an ingested Parquet file (`backend` "duckdb" or "spark"), or of `table`
    at the database `backend` names by URL. Raises `UsageError` when they cannot be reached."""
    ibis = ibis_module()
    shared = False
    try:
        if backend == "spark":
            from engagerules.engine.compiled.spark import spark_connection

            connection, shared = spark_connection()
            found = connection.read_parquet(str(Path(source).resolve()))
            where = str(source)
        elif backend == "duckdb":
            _compilers_lazily()
            connection = ibis.duckdb.connect()
            for setting in DUCKDB_SETTINGS:
                connection.raw_sql(setting)  # (its result is the connection itself)
            found = connection.read_parquet(str(source), file_row_number=True)
            if "seq" in found.columns:  # each row's place in the reader's order
                found = found.drop("file_row_number")
            else:  # layout 1: the rows are in the reader's order
                found = found.rename(seq="file_row_number")
            where = str(source)
        else:
            connection = ibis.connect(ibis_url(backend))
            found = connection.table(table)
            where = f"table {table}"
    except UsageError:
        raise
    except Exception as exc:  # every backend raises its own kinds: one line for all
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        msg = f"{source if backend in FILE_BACKENDS else table}: cannot be read by Ibis: {first}"
        raise UsageError(msg) from None
    missing = [c for c in COLUMNS if c not in found.columns]
    if missing:
        msg = f"{where}: not in the ingest layout (no column {', '.join(missing)})"
        raise UsageError(msg)
    ordered = all(c in found.columns for c in ("seq", *MORE))
    chosen = (*COLUMNS, *MORE, "seq") if ordered else COLUMNS
    # each record's facts by number (`sources.vouched.Facts`), in a file ingest wrote: read
    # only where its footer, vouched for, says what each number stands for (`run.py`)
    if ordered and FACTS in found.columns and backend in FILE_BACKENDS:
        chosen = (*chosen, FACTS)
    return Records(found.select(*chosen), connection, where, shared, ordered)
