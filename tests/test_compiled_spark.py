"""The compiled engine on Spark in local mode (engine/compiled/spark.py), beyond the
differential harness's `spark` backend (tests/test_compiled.py): instants survive Spark's
TIMESTAMP exactly, mutations of the compiled engine are caught when it runs on Spark, and
what Spark cannot do is one line, exit 2.

The session is the `spark` fixture's (tests/conftest.py), shared with the harness; without
PySpark or Java these tests skip, except in CI (CI=true), where they fail."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ibis")

import pyarrow as pa

from engagerules.cli import main
from engagerules.engine.compiled import compilable, records_from
from engagerules.model.plan import Force, Operator
from engagerules.sources.parquet import write_parquet
from engagerules.sources.registry import open_force
from test_compiled import SPARK, Backend, _log, _mutants, differences, edge_records

#: Instants Spark's TIMESTAMP (an instant shown in the session's zone) could move: either
#: side of both London clock changes, a leap day's last microsecond, month and year ends,
#: the epoch, 2038's 32-bit second and a date far ahead.
INSTANTS = [
    datetime(2022, 3, 27, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2022, 3, 27, 1, 0, tzinfo=UTC),
    datetime(2022, 10, 30, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2022, 10, 30, 1, 0, tzinfo=UTC),
    datetime(2022, 10, 30, 1, 0, 0, 1, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2022, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2023, 1, 1, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, 123457, tzinfo=UTC),
    datetime(2199, 6, 30, 22, 59, 59, 500000, tzinfo=UTC),
]


def _ingested(force: Force, folder: Path) -> Path:
    """A Parquet file `ingest` would write: one record at each of `INSTANTS`."""
    kind = next(t.id for t in force.event_types if not t.attributes)
    records = [{"id": f"i{n}", "type": kind, "at": at.isoformat()} for n, at in enumerate(INSTANTS)]
    log = _log(force, records)
    assert len(log.events) == len(INSTANTS)
    path = folder / "instants.parquet"
    write_parquet(log, force, path)
    return path


def test_spark_keeps_instants_to_the_microsecond(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read by Spark (the machine's zone set to London), each instant comes back the same
    UTC instant, and a window [t, t + 1 µs) of the engine's finds exactly its record."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        records = records_from(_ingested(open_force("gwent"), tmp_path), backend=SPARK)
        assert records.shared  # the fixture's session, left running for the next test
        ibis = pytest.importorskip("ibis")
        t = records.table
        back = records.connection.to_pyarrow(t.select("id", "at")).to_pydict()
        found = {
            i: at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
            for i, at in zip(back["id"], back["at"], strict=True)
        }
        assert found == {f"i{n}": at for n, at in enumerate(INSTANTS)}
        stamp = pa.timestamp("us", tz="UTC")
        tick = timedelta(microseconds=1)
        windows = ibis.memtable(
            pa.table(
                {
                    "w": pa.array(range(len(INSTANTS)), pa.int64()),
                    "w_start": pa.array(INSTANTS, stamp),
                    "w_end": pa.array([at + tick for at in INSTANTS], stamp),
                }
            )
        )
        joined = t.join(windows, [t.at >= windows.w_start, t.at < windows.w_end])
        pairs = records.connection.to_pyarrow(joined.select("w", "id")).to_pydict()
        assert sorted(zip(pairs["w"], pairs["id"], strict=True)) == [
            (n, f"i{n}") for n in range(len(INSTANTS))
        ]
        # ...and the edges as literals, as the query's `at <= as_of` compares them
        edge = INSTANTS[3]
        inside = t.filter(t.at >= edge - tick, t.at <= edge).select("id")
        assert sorted(records.connection.to_pyarrow(inside).to_pydict()["id"]) == ["i2", "i3"]
        assert spark._session.conf.get("spark.sql.session.timeZone") == "UTC"
    finally:
        monkeypatch.undo()
        time.tzset()


def _few(force: Force) -> tuple[str, ...]:
    """Per compiled kind, the first scored duty of it with a condition of value (else the
    first): enough for each mutation to show, at a fraction of the edge-case log's queries
    (a rule of sequence alone, `differs_from_previous`, is judged another way)."""
    chosen: dict[Any, str] = {}
    for ob in force.obligations:
        if not ob.scored or not compilable(ob):
            continue
        require = getattr(ob.rule, "require", ())
        conditions = any(req.where for req in ob.evidence) or any(
            c.op is not Operator.DIFFERS_FROM_PREVIOUS for c in require
        )
        if ob.kind not in chosen or (conditions and chosen[ob.kind].startswith("!")):
            chosen[ob.kind] = ob.id if conditions else "!" + ob.id
    return tuple(sorted(one.removeprefix("!") for one in chosen.values()))


#: The mutations of the compiled engine the harness must catch on Spark as on DuckDB.
ON_SPARK = ("conditions ignored", "a constraint's rule ignored", "window edges a microsecond late")


@pytest.mark.parametrize("label", ON_SPARK)
def test_a_mutated_compiled_kind_is_caught_on_spark(
    label: str, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Break the compiled engine one way at a time, run it on Spark: the harness sees it
    (unbroken, the same duties over the same log are judged alike on Spark by the harness's
    edge-case test, which judges every compiled duty)."""
    (owner, attr, broken) = next(m[1:] for m in _mutants() if m[0] == label)
    force = open_force("gwent")
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    log = _log(force, edge_records(force, start, end))
    after = [datetime(2023, 1, 1, tzinfo=UTC)]
    monkeypatch.setattr(owner, attr, broken)
    assert differences(force, log, start, end, after, Backend(SPARK), _few(force)), label


def test_check_on_spark_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    """`--backend spark` reads one .parquet file from `ingest`: anything else is exit 2."""
    log = tmp_path / "log.jsonl"
    log.write_text("", encoding="utf-8")
    common = ["--from", "2022-10-01", "--to", "2022-10-31", "--engine", "ibis"]
    assert main(["check", "gwent", str(log), *common, "--backend", SPARK]) == 2


def test_check_on_spark_without_java_is_one_line(tmp_path: Path) -> None:
    """With no Java runtime Spark cannot start: `check` says what to install, exit 2, and
    no traceback (in a process of its own: this one's session is running)."""
    pytest.importorskip("pyspark")
    path = _ingested(open_force("gwent"), tmp_path)
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    command = ["check", "gwent", str(path), "--engine", "ibis", "--backend", SPARK]
    command += ["--from", "2022-10-01", "--to", "2022-10-31"]
    done = subprocess.run(
        [sys.executable, "-m", "engagerules", *command],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    ours = [line for line in done.stderr.splitlines() if line.startswith("engagerules")]
    assert len(ours) == 1 and "Java" in ours[0] and "engagerules[spark]" in ours[0], ours
