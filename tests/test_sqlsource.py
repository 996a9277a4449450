"""SQL sources: SQLite and PostgreSQL give the same events as the CSV of the same rows.

PostgreSQL is the throwaway server tools/setup-postgres.sh starts (test.sh runs it); its URL
is read from $ENGAGERULES_PG_URL or the file the script writes. Without a server these
tests skip, except in CI (CI=true), where a missing server fails them.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from engagerules import EventError, open_force
from engagerules.model.event import Event
from engagerules.sources.importer import ImportLog, import_events, open_profile
from engagerules.sources.profiles import Source
from engagerules.sources.rows import read_rows, source_name

SURREY = open_force("surrey")
ENV = {"K": "a-key-for-the-sql-tests"}
COLUMNS = ["cadet", "borough", "held_at", "hours", "project"]
ROWS: list[tuple[str, str, datetime, Decimal, str]] = [
    ("Riley Testcase", "Waverley", datetime(2022, 10, 1, 10, 0), Decimal("2.0"), "Road safety"),
    ("Riley Testcase", "Waverley", datetime(2022, 10, 15, 14, 30), Decimal("1.5"), "Fund raising"),
    ("Morgan Madeup", "Guildford", datetime(2022, 10, 30, 1, 30), Decimal("3.0"), "Road safety"),
    ("Casey Invented", "Guildford", datetime(2022, 11, 5, 9, 0), Decimal("4.0"), "Fraud"),
    ("Casey Invented", "Woking", datetime(2022, 11, 6, 9, 0), Decimal("0.5"), "Fraud"),
]


def _pg_url() -> str | None:
    url = os.environ.get("ENGAGERULES_PG_URL")
    if url:
        return url
    folder = Path(os.environ.get("ENGAGERULES_PG_DIR", "/tmp/engagerules-postgres"))  # noqa: S108
    file = folder / "url"
    return file.read_text(encoding="utf-8").strip() if file.is_file() else None


@pytest.fixture(scope="module")
def pg_url() -> str:
    url = _pg_url()
    problem = "no PostgreSQL server: run tools/setup-postgres.sh (test.sh does)"
    if url is not None:
        try:
            engine = sqlalchemy.create_engine(url)
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("SELECT 1"))
            engine.dispose()
        except sqlalchemy.exc.SQLAlchemyError as exc:
            problem = f"PostgreSQL at {url} is not answering: {exc}"
            url = None
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem + " (required in CI)")
        pytest.skip(problem)
    return url


def profile(tmp_path: Path, source: dict[str, Any], held_format: str) -> Path:
    names = {"Waverley": "waverley", "Guildford": "guildford", "Woking": "woking"}
    raw = {
        "profile": "test.cadets",
        "force": "surrey",
        "source": source,
        "times": {"zone": "Europe/London", "ambiguous": "later"},
        "filters": [{"name": "not Woking", "column": "borough", "not_in": ["Woking"]}],
        "fields": {
            "id": {"hash": ["project"], "prefix": "c-"},
            "type": {"value": "cadet_volunteering"},
            "at": {"column": "held_at", "format": held_format},
            "scope": {"column": "borough", "map": "boroughs"},
            "role": {"value": "CADET"},
            "person": {"column": "cadet"},
        },
        "attrs": {"hours": {"column": "hours", "as": "number"}, "project": {"column": "project"}},
        "maps": {"boroughs": {"values": names}},
        "pseudonymise": {"key_env": "K"},
    }
    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    path = folder / f"{source['format']}.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


QUERY = "SELECT cadet, borough, held_at, hours, project FROM {table} ORDER BY held_at"


def run(path: Path, location: str) -> ImportLog:
    loaded, key = open_profile(path, SURREY, [location], ENV)
    return import_events(loaded, SURREY, [location], key=key)


def shape(events: tuple[Event, ...]) -> list[tuple[Any, ...]]:
    return [(e.id, e.type, e.at, e.scope, e.role, e.person, dict(e.attrs)) for e in events]


@pytest.fixture
def from_csv(tmp_path: Path) -> ImportLog:
    data = tmp_path / "data" / "cadets.csv"
    data.parent.mkdir(exist_ok=True)
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for cadet, borough, held, hours, project in ROWS:
            writer.writerow([cadet, borough, held.strftime("%d/%m/%Y %H:%M"), hours, project])
    return run(profile(tmp_path, {"format": "csv"}, "%d/%m/%Y %H:%M"), str(data))


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data" / "engagement.sqlite"
    path.parent.mkdir(exist_ok=True)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE sessions (cadet TEXT, borough TEXT, held_at TEXT, hours REAL, project TEXT)"
    )
    db.executemany(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
        [(c, b, h.strftime("%Y-%m-%d %H:%M"), float(n), p) for c, b, h, n, p in ROWS],
    )
    db.commit()
    db.close()
    yield path


def test_the_csv_reference_is_what_the_rows_say(from_csv: ImportLog) -> None:
    """The CSV of the rows: 5 read, 4 imported, 1 filtered; the repeated hour taken later."""
    assert (from_csv.read, from_csv.imported, from_csv.filtered_total, from_csv.rejected) == (
        5,
        4,
        1,
        0,
    )
    ambiguous = from_csv.log.events[2]
    assert ambiguous.at.isoformat() == "2022-10-30T01:30:00+00:00"
    assert from_csv.log.events[1].attrs["hours"] == 1.5


def test_sqlite_gives_the_same_events_as_csv(
    tmp_path: Path, sqlite_file: Path, from_csv: ImportLog
) -> None:
    """An SQLite database read with a query gives the CSV's events, ids included."""
    source = {"format": "sql", "query": QUERY.format(table="sessions"), "batch": 2}
    result = run(profile(tmp_path, source, "%Y-%m-%d %H:%M"), str(sqlite_file))
    assert shape(result.log.events) == shape(from_csv.log.events)
    assert result.filtered == from_csv.filtered
    assert {e.file for e in result.log.events} == {str(sqlite_file)}


def test_postgresql_gives_the_same_events_as_csv(
    tmp_path: Path, pg_url: str, from_csv: ImportLog
) -> None:
    """PostgreSQL's typed timestamps and numerics, streamed in batches, give the CSV's events."""
    table = f"sessions_{os.getpid()}"
    engine = sqlalchemy.create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f"DROP TABLE IF EXISTS {table}"))
        connection.execute(
            sqlalchemy.text(
                f"CREATE TABLE {table} (cadet text, borough text, held_at timestamp, "
                "hours numeric(4, 1), project text)"
            )
        )
        connection.execute(
            sqlalchemy.text(f"INSERT INTO {table} VALUES (:c, :b, :h, :n, :p)"),  # noqa: S608
            [dict(zip("cbhnp", row, strict=True)) for row in ROWS],
        )
    try:
        source = {"format": "sql", "query": QUERY.format(table=table), "batch": 2}
        result = run(profile(tmp_path, source, "%Y-%m-%d %H:%M"), pg_url)
        assert shape(result.log.events) == shape(from_csv.log.events)
        assert result.filtered == from_csv.filtered
        assert "password" not in result.log.events[0].file
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def test_postgresql_is_read_only(pg_url: str) -> None:
    """A profile's query runs in a read-only transaction: it cannot change the database."""
    sequence = f"counter_{os.getpid()}"
    engine = sqlalchemy.create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SEQUENCE IF NOT EXISTS {sequence}"))
    try:
        source = Source(format="sql", query=f"SELECT setval('{sequence}', 42) AS x")
        with pytest.raises(EventError, match="read-only transaction"):
            list(read_rows(source, pg_url, ["x"]))
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP SEQUENCE IF EXISTS {sequence}"))
        engine.dispose()


def test_sql_rows_are_numbered_across_batches(sqlite_file: Path) -> None:
    """Rows fetched two at a time are numbered 1..5 in order, none lost between batches."""
    source = Source(format="sql", query=QUERY.format(table="sessions"), batch=2)
    rows = list(read_rows(source, str(sqlite_file), COLUMNS))
    assert [number for _, number, _ in rows] == [1, 2, 3, 4, 5]
    assert [cells["cadet"] for _, _, cells in rows if isinstance(cells, dict)] == [
        r[0] for r in ROWS
    ]


def test_sql_problems_are_one_line_errors(tmp_path: Path, sqlite_file: Path) -> None:
    """A missing database, a bad query or a missing column is an EventError naming the source."""
    source = Source(format="sql", query=QUERY.format(table="sessions"))
    with pytest.raises(EventError, match="no such SQLite database"):
        list(read_rows(source, str(tmp_path / "absent.sqlite"), COLUMNS))
    assert not (tmp_path / "absent.sqlite").exists()
    bad = Source(format="sql", query="SELECT * FROM nowhere")
    with pytest.raises(EventError, match=r"engagement\.sqlite: no such table: nowhere"):
        list(read_rows(bad, str(sqlite_file), COLUMNS))
    with pytest.raises(EventError, match="no column 'officer' in the header"):
        list(read_rows(source, str(sqlite_file), ["officer"]))


def test_a_database_url_is_shown_without_its_password() -> None:
    """Reports name a database by its URL with the password hidden."""
    source = Source(format="sql", query="SELECT 1")
    shown = source_name(source, "postgresql+psycopg://analyst:s3cret@db.example/engage")
    assert "s3cret" not in shown
    assert shown.startswith("postgresql+psycopg://analyst:***@db.example")
