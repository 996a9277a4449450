"""Rows out of exports: CSV, Excel workbooks, JSON Lines and SQL queries.

Each reader yields `(source, row number, cells)`, `cells` a mapping of column name to the
value as the export holds it (text from CSV, typed values from Excel, JSON and SQL), or a
`Broken` row that cannot be read as cells (too many cells, not a JSON object), which the
importer rejects like any other bad row. Row numbers are what a person looking at the
export sees: the spreadsheet row (the header is row `header_row`), the JSON Lines line, or
the query result's ordinal.

A file that cannot be read at all, or whose header lacks a column the profile uses, is an
`EventError` naming the file, before any row is read. openpyxl and SQLAlchemy are optional
extras and are imported only when a profile needs them.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs

from engagerules.errors import EventError, did_you_mean
from engagerules.model.limits import MAX_DIGITS, csv_message
from engagerules.sources import strictjson
from engagerules.sources.profiles import Source

__all__ = ["Broken", "Row", "read_rows", "source_name"]

Cells = Mapping[str, Any]


@attrs.frozen
class Broken:
    """A row that could not be read as cells, and why."""

    reason: str


Row = tuple[str, int, Cells | Broken]


def read_rows(source: Source, location: str, columns: Collection[str]) -> Iterator[Row]:
    """The rows of `location` (a file, or for SQL a database URL or SQLite file).

    `columns` are the ones the profile uses: a CSV, workbook or query without one of them
    is refused before any row is read. Blank rows (every cell empty) are not rows of data
    and are skipped, as a spreadsheet's trailing rows are.
    """
    for name, number, cells in _rows(source, location, columns):
        problem = None
        if not isinstance(cells, Broken):
            problem = next(filter(None, (_cell_problem(cells.get(c), c) for c in columns)), None)
        yield name, number, cells if problem is None else Broken(problem)


def _rows(source: Source, location: str, columns: Collection[str]) -> Iterator[Row]:
    if source.format == "sql":
        yield from _sql(source, location, columns)
        return
    path = Path(location)
    try:
        found = path.is_file()
    except (OSError, ValueError):  # a name too long, or holding a NUL
        found = False
    if not found:
        raise EventError(f"{location!r}: no such file")
    if source.format == "csv":
        yield from _csv(source, path, columns)
    elif source.format == "xlsx":
        yield from _xlsx(source, path, columns)
    else:
        yield from _jsonl(path)


#: What a cell may hold: JSON's values, and the dates and times Excel and SQL give.
_CELL_TYPES = (str, int, float, Decimal, date, time, dict, list, type(None))
_KINDS = {
    "bytes": "binary data (a BLOB)",
    "memoryview": "binary data (a BLOB)",
    "timedelta": "a duration",
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _cell_problem(value: Any, column: str) -> str | None:
    """Why a cell the profile reads cannot become part of an event, or None.

    Every such value is caught here, at the door, so the mapping only ever meets text,
    finite numbers of at most `MAX_DIGITS` digits, dates and JSON values: a BLOB or an
    Excel duration cannot be written into an event, a lone surrogate cannot be written
    at all, and a 400-digit integer is no float. The value itself is never quoted.
    """
    where = f"column {column!r}"
    if isinstance(value, strictjson.Unrepresentable):
        return f"{where}: {value.reason}"
    if not isinstance(value, _CELL_TYPES):
        kind = _KINDS.get(type(value).__name__, f"a value of type {type(value).__name__}")
        return f"{where}: holds {kind}, not text, a number or a date"
    if isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() >= MAX_DIGITS:
            return f"{where}: a number beyond the largest supported (about 1e300)"
        return None
    if isinstance(value, str):
        if _SURROGATE.search(value):
            return f"{where}: holds a lone surrogate (\\ud800 to \\udfff), which is not text"
        return None
    flaw = strictjson.first_flaw(value)
    if flaw is not None:
        path, reason = flaw
        return f"{where}{strictjson.path_text(path, '')}: {reason}"
    if isinstance(value, dict | list):
        return next(
            (
                f"{where}: holds a lone surrogate (\\ud800 to \\udfff), which is not text"
                for item in _strings(value)
                if _SURROGATE.search(item)
            ),
            None,
        )
    return None


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def source_name(source: Source, location: str) -> str:
    """How reports name a location: the path, or a database URL without its password."""
    if source.format != "sql" or "://" not in location:
        return location
    try:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError
    except ImportError:
        return location.rsplit("@", maxsplit=1)[-1]
    try:
        return str(make_url(location).render_as_string(hide_password=True))
    except ArgumentError:
        return location.rsplit("@", maxsplit=1)[-1]


# ---------------------------------------------------------------------------- CSV


def _decode(path: Path, encoding: str) -> str:
    """The file's text; a byte the encoding cannot read is located by line."""
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EventError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        with warnings.catch_warnings():  # unicode_escape warns of an unknown escape (\\Ø)
            warnings.simplefilter("ignore", DeprecationWarning)
            return data.decode(codec)
    except LookupError:
        raise EventError(f"{path}: unknown encoding {encoding!r} in the profile") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = " (windows-1252?)" if codec == "utf-8-sig" else ""
        msg = (
            f"{path}:{line}: byte 0x{data[exc.start]:02x} is not {encoding} text: "
            f"set source.encoding in the profile{hint}"
        )
        raise EventError(msg) from None
    except UnicodeError:  # a codec that decodes nothing ('undefined') or breaks midway
        msg = f"{path}: cannot be read as {encoding!r} text: set source.encoding in the profile"
        raise EventError(msg) from None


def _csv(source: Source, path: Path, columns: Collection[str]) -> Iterator[Row]:
    text = _decode(path, source.encoding)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=source.delimiter, quotechar=source.quotechar
    )
    name = str(path)
    number = 0
    header: list[str] | None = None
    try:
        for cells in reader:
            number += 1
            if number < source.header_row:
                continue
            if header is None:
                header = _header(name, [c.strip() for c in cells], columns)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                extra = cells[len(header) :]
                if any(c.strip() for c in extra):
                    reason = f"has {len(cells)} cells but the header has {len(header)}"
                    yield name, number, Broken(reason)
                    continue
            yield name, number, dict(zip(header, cells, strict=False))
    except csv.Error as exc:
        raise EventError(f"{name}:{number + 1}: {csv_message(exc)}") from None
    if header is None:
        raise EventError(f"{name}: no header row (row {source.header_row} is missing)")


def _header(name: str, header: Sequence[str], columns: Collection[str]) -> list[str]:
    """The header's names, checked to hold every column the profile uses, once each."""
    names = list(header)
    for column in columns:
        count = names.count(column)
        if count == 0:
            hint = did_you_mean(column, [n for n in names if n])
            raise EventError(f"{name}: no column {column!r} in the header{hint}")
        if count > 1:
            raise EventError(f"{name}: the header names {column!r} twice")
    return names


# ---------------------------------------------------------------------------- Excel


def _xlsx(source: Source, path: Path, columns: Collection[str]) -> Iterator[Row]:
    try:
        import openpyxl
    except ImportError:
        msg = f"{path}: reading .xlsx needs openpyxl: pip install 'engagerules[xlsx]'"
        raise EventError(msg) from None
    name = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a bad file
        msg = f"{name}: not readable as an Excel workbook: {type(exc).__name__}: {exc}"
        raise EventError(msg) from None
    number = source.header_row
    try:
        sheet = book.worksheets[0] if source.sheet is None else _sheet(book, source.sheet, name)
        rows = sheet.iter_rows(min_row=source.header_row, values_only=True)
        first = next(rows, None)
        if first is None:
            raise EventError(f"{name}: no header row (row {source.header_row} is empty)")
        header = _header(name, [_cell_name(c) for c in first], columns)
        for offset, values in enumerate(rows, start=1):
            number = source.header_row + offset
            if all(_blank(v) for v in values):
                continue
            if len(values) > len(header) and any(not _blank(v) for v in values[len(header) :]):
                yield name, number, Broken(f"has a value beyond the header's {len(header)} cells")
                continue
            yield name, number, dict(zip(header, values, strict=False))
    except EventError:
        raise
    except Exception as exc:  # openpyxl parses each sheet lazily, as its rows are read
        # The library's message may quote a cell (a person's name), so only its kind is said.
        msg = (
            f"{name}: the sheet is damaged after row {number} ({type(exc).__name__}): "
            "not readable as an Excel workbook"
        )
        raise EventError(msg) from None
    finally:
        book.close()


def _sheet(book: Any, wanted: str, name: str) -> Any:
    """The named sheet; as in Excel, names match without regard to case."""
    for sheet_name in book.sheetnames:
        if sheet_name.strip().casefold() == wanted.strip().casefold():
            return book[sheet_name]
    hint = did_you_mean(wanted, book.sheetnames)
    raise EventError(f"{name}: no sheet {wanted!r}{hint}")


def _cell_name(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------------------- JSON Lines


def _jsonl(path: Path) -> Iterator[Row]:
    """One row per line, read as events are (`strictjson.json_lines`): split on LF only,
    numbers and nesting held to their limits, a lone surrogate a rejected row."""
    name = str(path)
    for number, value, why in strictjson.json_lines(_decode(path, "utf-8")):
        if why is not None:
            yield name, number, Broken(why)
        elif not isinstance(value, dict):
            yield name, number, Broken(f"a row must be a JSON object, not {type(value).__name__}")
        else:
            yield name, number, value


# ---------------------------------------------------------------------------- SQL


def _engine(sqlalchemy: Any, location: str) -> Any:
    """An engine for a database URL, or for an SQLite file opened read-only (an SQLite URI,
    so a path with spaces or '?' in it is still one file, and a missing one is not made)."""
    if "://" in location:
        return sqlalchemy.create_engine(location)
    path = Path(location)
    if not path.is_file():
        raise EventError(f"{location}: no such SQLite database")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return sqlalchemy.create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )


def _sql(source: Source, location: str, columns: Collection[str]) -> Iterator[Row]:
    """The query's rows, fetched `source.batch` at a time (a server-side cursor where the
    driver has one), in a read-only transaction where the database offers one."""
    try:
        import sqlalchemy
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
    except ImportError:
        msg = f"{location}: SQL sources need SQLAlchemy: pip install 'engagerules[sql]'"
        raise EventError(msg) from None
    name = source_name(source, location)
    try:
        engine = _engine(sqlalchemy, location)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise EventError(f"{name}: not a database URL SQLAlchemy knows: {exc}") from None
    except ImportError as exc:
        msg = f"{name}: the database driver is not installed ({exc.name}): see the extras"
        raise EventError(msg) from None
    try:
        with engine.connect() as connection:
            options: dict[str, Any] = {"stream_results": True, "max_row_buffer": source.batch}
            if engine.dialect.name == "postgresql":
                options["postgresql_readonly"] = True
            result = connection.execution_options(**options).execute(
                sqlalchemy.text(source.query or "")
            )
            keys = [str(k) for k in result.keys()]  # noqa: SIM118 - a Result, not a dict
            _header(name, keys, columns)
            number = 0
            for batch in result.partitions(source.batch):
                for values in batch:
                    number += 1
                    yield name, number, dict(zip(keys, values, strict=True))
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise EventError(f"{name}: {detail}") from None
    finally:
        engine.dispose()
