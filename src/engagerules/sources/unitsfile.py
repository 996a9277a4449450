"""Unit lists from data files: a force's real wards, not a hand-typed sample.

A plan may owe a duty to "every ward" without naming one, and a force holds its ward list
elsewhere (a spreadsheet, the ONS register). A units file is that list as CSV (a header row)
or JSON (an array of objects), one unit a row:

| column | required | meaning |
|---|---|---|
| `id` | yes | the unit's id, as events' `scope` names it (lower case, digits, hyphens) |
| `title` | yes | its name |
| `kind` | yes | `ward`, `borough`, `area` ... as obligations' `scope.per` names it |
| `parent` | no | the id of the unit it lies within |
| `code` | no | an official code, such as the ONS ward code (`E05...`) |

Rows become raw unit objects of the force configuration before it is validated, so a bad
row is reported with its file and line (CSV) or JSON path, and every bad row is listed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from engagerules.errors import Problem
from engagerules.model.limits import csv_message, path_problem
from engagerules.sources import strictjson

__all__ = ["COLUMNS", "read_units"]

#: The columns a units file may have, in the order documented.
COLUMNS = ("id", "title", "kind", "parent", "code")
_REQUIRED = ("id", "title", "kind")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TO_CONFIG = {"title": "name", "parent": "within"}


def read_units(file: Path) -> tuple[list[dict[str, Any]], list[str], list[Problem]]:
    """The units of `file` as raw configuration units, where each came from (a line or a
    JSON path, for messages), and every problem found; rows with problems are left out."""
    problem = path_problem(str(file))
    if problem is not None:
        return [], [], [Problem(repr(str(file)), problem)]
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [], [Problem(str(file), "no such units file")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [], [Problem(str(file), f"cannot be read: {exc}")]
    if file.suffix.lower() == ".json":
        return _json_rows(text, file)
    if file.suffix.lower() == ".csv":
        return _csv_rows(text, file)
    return [], [], [Problem(str(file), "a units file must be .csv or .json")]


def _json_rows(text: str, file: Path) -> tuple[list[dict[str, Any]], list[str], list[Problem]]:
    try:
        loaded = strictjson.loads(text)
    except json.JSONDecodeError as exc:
        return [], [], [Problem(f"{file}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}")]
    except strictjson.LimitError as exc:
        where = f"{file}:{exc.line}" if exc.line is not None else str(file)
        return [], [], [Problem(where, str(exc))]
    if not isinstance(loaded, list):
        return [], [], [Problem(f"{file}: $", "a units file holds a JSON array of units")]
    rows: list[tuple[str, Any]] = [(f"{file}: $[{i}]", item) for i, item in enumerate(loaded)]
    return _rows(rows, json_paths=True)


def _csv_rows(text: str, file: Path) -> tuple[list[dict[str, Any]], list[str], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _csv_read(reader, file)
    except csv.Error as exc:
        return [], [], [Problem(f"{file}:{reader.reader.line_num}", csv_message(exc))]


def _csv_read(
    reader: csv.DictReader[str], file: Path
) -> tuple[list[dict[str, Any]], list[str], list[Problem]]:
    header = reader.fieldnames or []
    problems = [
        Problem(f"{file}:1", f"unknown column {name!r} (columns: {', '.join(COLUMNS)})")
        for name in header
        if name not in COLUMNS
    ]
    problems += [
        Problem(f"{file}:1", f"the column {name!r} is required")
        for name in _REQUIRED
        if name not in header
    ]
    if problems:
        return [], [], problems
    rows: list[tuple[str, Any]] = [
        (f"{file}:{reader.line_num}", {k: v for k, v in row.items() if v not in (None, "")})
        for row in reader
    ]
    return _rows(rows, json_paths=False)


def _rows(
    rows: list[tuple[str, Any]], *, json_paths: bool
) -> tuple[list[dict[str, Any]], list[str], list[Problem]]:
    units: list[dict[str, Any]] = []
    places: list[str] = []
    problems: list[Problem] = []
    for where, row in rows:
        found = list(_row_problems(row, where, json_paths=json_paths))
        if found:
            problems.extend(found)
            continue
        unit = {_TO_CONFIG.get(k, k): v for k, v in row.items()}
        units.append(unit)
        places.append(where)
    return units, places, problems


def _row_problems(row: Any, where: str, *, json_paths: bool) -> list[Problem]:
    def at(column: str) -> str:
        return f"{where}.{column}" if json_paths else f"{where}: {column}"

    flaw = strictjson.first_flaw(row)
    if flaw is not None:  # a number JSON cannot mean, or nesting no unit needs
        path, reason = flaw
        return [Problem(f"{where}{strictjson.path_text(path, '')}", reason)]
    if not isinstance(row, dict):
        return [Problem(where, "a unit is an object with id, title and kind")]
    problems = [Problem(at(k), "is required") for k in _REQUIRED if k not in row]
    problems += [
        Problem(at(k), f"unknown column (columns: {', '.join(COLUMNS)})")
        for k in row
        if k not in COLUMNS
    ]
    for column in COLUMNS:
        value = row.get(column)
        if column not in row or column not in COLUMNS:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(at(column), f"{value!r} is not a non-empty text"))
        elif column in ("id", "kind", "parent") and not _SLUG.match(value):
            problems.append(
                Problem(at(column), f"{value!r} is not an id (lower case, digits and hyphens)")
            )
    return problems
