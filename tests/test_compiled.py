"""The compiled engine judges exactly as the reference does (issue 23): a differential
harness over every force's scenarios, edge-case logs and simulated logs, on DuckDB over
the ingested Parquet file, on PostgreSQL over the same rows in a table, and on Spark in
local mode over the file (a chosen subset: `spark_cases`). Every result (status, counts,
evidence ids in order, reason) and the tally must be identical; a mutation of a compiled
kind must be caught.

PostgreSQL is the throwaway server tools/setup-postgres.sh starts, Spark the session the
`spark` fixture starts (PySpark, the spark extra, on Java from tools/setup-java.sh); without
them these tests skip, except in CI (CI=true), where a missing one fails them."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ibis")

import pyarrow.parquet as pq

from engagerules.authoring.scenarios import load_scenarios, scenario_files
from engagerules.authoring.simulate import simulate
from engagerules.cli import main
from engagerules.engine.compiled import compilable, evaluate_compiled, records_from
from engagerules.engine.compiled import values as compiled_values
from engagerules.engine.compiled.kinds import constraint as compiled_constraint
from engagerules.engine.compiled.source import COLUMNS, ibis_module, ibis_url
from engagerules.engine.evaluate import evaluate
from engagerules.engine.schedule import dues, unit_slots
from engagerules.engine.verdicts import constraint_windows
from engagerules.model.event import EventLog
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import Force, Kind, Obligation
from engagerules.sources.events import parse_events, read_events
from engagerules.sources.parquet import write_parquet
from engagerules.sources.registry import open_force

FORCES = ("gwent", "dorset", "surrey", "notts")
SPARK = "spark"
FIXTURES = Path(__file__).parent / "fixtures"


# ------------------------------------------------------------------------------ the harness


class Backend:
    """Where the compiled engine reads the ingested rows: DuckDB (None) or Spark over the
    file, or a table at a database URL."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        #: Spark answers each query in about a second: it judges a chosen subset.
        self.subset = url == SPARK
        on_file = url is None or url == SPARK
        self.connection: Any = None if on_file else ibis_module().connect(ibis_url(url))
        self.tables = itertools.count()

    def records(self, path: Path) -> Any:
        if self.url is None or self.url == SPARK:
            return records_from(path, backend=self.url or "duckdb")
        name = f"compiled_harness_{os.getpid()}_{next(self.tables)}"
        self.connection.create_table(name, pq.read_table(path, columns=list(COLUMNS)))
        return records_from(path, backend=self.url, table=name)

    def release(self, records: Any) -> None:
        if self.url is not None and self.url != SPARK:
            name = records.where.removeprefix("table ")
            records.connection.disconnect()
            self.connection.raw_sql(f'DROP TABLE "{name}"').close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.disconnect()


def differences(
    force: Force,
    log: EventLog,
    start: date,
    end: date,
    as_ofs: list[datetime],
    backend: Backend,
    obligations: tuple[str, ...] | None = None,
) -> list[str]:
    """Every way the compiled check differs from the reference, at each instant judged."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        write_parquet(log, force, path)
        back = read_events([path], force)
        records = backend.records(path)
        found = []
        try:
            found = _compare(force, back, records, start, end, as_ofs, obligations)
        finally:
            backend.release(records)
        return found


def _compare(
    force: Force,
    back: EventLog,
    records: Any,
    start: date,
    end: date,
    as_ofs: list[datetime],
    obligations: tuple[str, ...] | None,
) -> list[str]:
    found = []
    if True:
        for as_of in as_ofs:
            ref = evaluate(force, back, start, end, as_of, obligations=obligations)
            got = evaluate_compiled(
                force, back, records, start, end, as_of, obligations=obligations
            )
            if ref.events != got.events:
                found.append(f"{as_of}: tally {ref.events} != {got.events}")
            if len(ref.results) != len(got.results):
                found.append(f"{as_of}: {len(ref.results)} results != {len(got.results)}")
            found.extend(
                f"{as_of}: {a} != {b}"
                for a, b in zip(ref.results, got.results, strict=False)
                if a != b
            )
    return found


def _pg_url() -> str | None:
    url = os.environ.get("ENGAGERULES_PG_URL")
    if url:
        return url
    folder = Path(os.environ.get("ENGAGERULES_PG_DIR", "/tmp/engagerules-postgres"))  # noqa: S108
    file = folder / "url"
    return file.read_text(encoding="utf-8").strip() if file.is_file() else None


@pytest.fixture(scope="module", params=["duckdb", "postgres", SPARK])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "duckdb":
        yield Backend(None)
        return
    if request.param == SPARK:
        request.getfixturevalue("spark")  # the session, or skip (fail in CI) without it
        yield Backend(SPARK)
        return
    url = _pg_url()
    problem = "no PostgreSQL server: run tools/setup-postgres.sh (test.sh does)"
    if url is not None:
        try:
            made = Backend(url)
        except Exception as exc:
            problem = f"PostgreSQL at {url} is not answering: {exc}"
        else:
            yield made
            made.close()
            return
    if os.environ.get("CI") == "true":
        pytest.fail(problem + " (required in CI)")
    pytest.skip(problem)


# ------------------------------------------------------------------------------ the logs


def scenario_cases(force: Force) -> Iterator[tuple[str, EventLog, date, date, datetime, Any]]:
    for file in scenario_files(force):
        for sc in load_scenarios(file, force):
            records = [(f"{sc.where}.events", i, r) for i, r in enumerate(sc.events)]
            yield sc.name, parse_events(records, force), sc.start, sc.end, sc.as_of, sc.obligations


def spark_cases(
    force: Force, cases: Iterator[tuple[str, EventLog, date, date, datetime, Any]]
) -> Iterator[tuple[str, EventLog, date, date, datetime, Any]]:
    """Spark's share of a force's scenarios: for each compiled kind, the first that names
    a compiled duty of it (so every compiled kind of the force is judged on Spark)."""
    kinds = {ob.id: ob.kind for ob in force.obligations if ob.scored and compilable(ob)}
    seen: set[Kind] = set()
    for case in cases:
        named = {kinds[o] for o in case[5] or () if o in kinds}
        if named - seen:
            seen |= named
            yield case


def edge_records(force: Force, start: date, end: date) -> list[dict[str, Any]]:
    """Records on every boundary of the first windows of each compiled duty (a microsecond
    before the start, at it, a microsecond before the end, at the end), in a child unit and
    in none, with a role and without, with condition values as written, in another case
    padded with blanks, inside a list, as text numbers, and values the reader rejects."""
    span = range_bounds(start, end, force.zone)
    out: list[dict[str, Any]] = []
    children = {u.within: u.id for u in force.units if u.within}
    n = itertools.count()
    for ob in force.obligations:
        if not ob.scored or not compilable(ob):
            continue
        for unit, w in _windows(ob, span):
            moments = [
                w.start - timedelta(microseconds=1),
                w.start,
                w.end - timedelta(microseconds=1),
                w.end,
            ]
            scope = None if ob.scope.per_person else unit
            for req in ob.evidence:
                variants: list[dict[str, Any]] = [{}]
                for cond in (*req.where, *ob.rule.keeps):
                    value = cond.value
                    if isinstance(value, tuple):
                        value = value[0] if value else None
                    if isinstance(value, str):
                        variants += [
                            {cond.attr: value},
                            {cond.attr: f"  {value.upper()} "},
                            {cond.attr: ["zz-other", value]},
                            {cond.attr: ["zz-other"]},
                            {cond.attr: ""},
                        ]
                    elif isinstance(value, int | float) and not isinstance(value, bool):
                        variants += [{cond.attr: value}, {cond.attr: str(value)}, {cond.attr: "x"}]
                    else:
                        variants += [{cond.attr: True}, {cond.attr: "no"}, {cond.attr: "yes"}]
                if req.sum:
                    variants += [{req.sum: 2}, {req.sum: "1.5"}, {req.sum: "lots"}]
                if req.distinct:
                    variants += [{req.distinct: "A"}, {req.distinct: " a "}, {req.distinct: ""}]
                for at, attrs, role, where in itertools.product(
                    moments,
                    variants,
                    (req.roles[0] if req.roles else "CSO", None),
                    (scope, children.get(scope or ""), None),
                ):
                    record: dict[str, Any] = {
                        "id": f"x{next(n)}",
                        "type": req.types[-1],
                        "at": at.astimezone(UTC).isoformat(),
                        "attrs": attrs,
                    }
                    if where:
                        record["scope"] = where
                    if role:
                        record["role"] = role
                    if ob.scope.per_person:
                        record["person"] = unit
                    out.append(record)
    return out


def _windows(ob: Obligation, span: Window) -> list[tuple[str | None, Window]]:
    """The first few windows of a duty, with their unit (or person)."""
    if ob.kind is Kind.CONSTRAINT:
        windows = constraint_windows(ob, span)[:3]
        return [(unit, w) for unit in unit_slots(ob) for w in windows]
    return [(d.scope, d.window) for d in list(dues(ob, span, ("p1", "p2")))[:3]]


def _log(force: Force, records: list[dict[str, Any]]) -> EventLog:
    return parse_events((("log", i + 1, r) for i, r in enumerate(records)), force)


def _as_ofs(start: date, end: date) -> list[datetime]:
    """After the range, in its middle (windows still open), and at a clock change."""
    middle = start + (end - start) / 2
    return [
        datetime(end.year + 1, 1, 1, tzinfo=UTC),
        datetime(middle.year, middle.month, middle.day, 12, tzinfo=UTC),
        datetime(2022, 10, 30, 1, 0, tzinfo=UTC),
    ]


# ------------------------------------------------------------------------------ the proof


@pytest.mark.parametrize("name", FORCES)
def test_every_scenario_is_judged_alike(name: str, backend: Backend) -> None:
    """Every scenario of every force: the compiled check's results and tally are the reference's."""
    force = open_force(name)
    found = []
    cases = scenario_cases(force)
    for label, log, start, end, as_of, obligations in (
        spark_cases(force, cases) if backend.subset else cases
    ):
        found += [
            f"{label}: {d}"
            for d in differences(force, log, start, end, [as_of], backend, obligations)
        ]
    assert found == []


@pytest.mark.parametrize("name", FORCES)
def test_edge_cases_are_judged_alike(name: str, backend: Backend) -> None:
    """Boundaries, lists, case and blanks, text numbers, rejected values, units above and
    below, roles present and missing, as-of instants inside windows and at a clock change."""
    force = open_force(name)
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    log = _log(force, edge_records(force, start, end))
    assert log.events and log.rejections  # the log has both kinds of awkward record
    as_ofs = _as_ofs(start, end)[: 1 if backend.subset else None]  # Spark: after the range
    assert differences(force, log, start, end, as_ofs, backend) == []


@pytest.mark.parametrize(
    ("name", "events", "compliance"),
    [
        ("gwent", 300, 0.2),
        ("gwent", 3000, 0.8),
        ("dorset", 2000, 1.0),
        ("surrey", 2000, 0.5),
        ("notts", 2000, 0.8),
    ],
)
def test_simulated_logs_are_judged_alike(
    name: str, events: int, compliance: float, backend: Backend
) -> None:
    """Simulated logs of several sizes and compliance levels, judged at several instants."""
    if backend.subset:
        pytest.skip("Spark judges scenarios and edge-case logs only (docs/scale.md)")
    force = open_force(name)
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    records = simulate(force, start, end, events=events, compliance=compliance, seed=events)
    log = _log(force, records)
    assert differences(force, log, start, end, _as_ofs(start, end), backend) == []


def test_the_awkward_corpus_is_judged_alike() -> None:
    """The reader's awkward corpus (the mini force) on DuckDB."""
    force = open_force(str(FIXTURES / "mini"))
    log = read_events([FIXTURES / "events" / "awkward.jsonl"], force)
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    assert differences(force, log, start, end, _as_ofs(start, end), Backend(None)) == []


def test_the_compiled_engine_judges_duties_and_says_so(tmp_path: Path) -> None:
    """Recurring duties are judged by the compiled engine, the rest by the reference, and
    the report names the engine per duty; the reference alone names none."""
    force = open_force("gwent")
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    log = _log(force, simulate(force, start, end, events=500, seed=1))
    write_parquet(log, force, tmp_path / "e.parquet")
    back = read_events([tmp_path / "e.parquet"], force)
    as_of = datetime(2023, 1, 1, tzinfo=UTC)
    got = evaluate_compiled(force, back, records_from(tmp_path / "e.parquet"), start, end, as_of)
    engines = dict(got.engines)
    scored = {ob.id for ob in force.obligations if ob.scored}
    assert set(engines) == {r.obligation for r in got.results} <= scored
    compiled = {ob.id for ob in force.obligations if ob.scored and compilable(ob)}
    assert compiled and {k for k, v in engines.items() if v == "ibis"} == compiled
    assert evaluate(force, back, start, end, as_of).engines == ()


# ------------------------------------------------------------------------------ mutations


def _mutants() -> list[tuple[str, Any, str, Any]]:
    from engagerules.engine.compiled import query as compiled_query

    def conditions_ignored(self: Any, req: Any, kind: str, text: str) -> bool:
        return self.event(kind, text) is not None

    def edges_late(moment: datetime) -> datetime:
        return moment.astimezone(UTC) + timedelta(microseconds=1)

    def rule_ignored(conditions: Any, event: Any, previous: Any = None) -> None:
        return None

    return [
        ("conditions ignored", compiled_values.Values, "accepts", conditions_ignored),
        ("a constraint's rule ignored", compiled_constraint, "failed_condition", rule_ignored),
        ("window edges a microsecond late", compiled_query, "_utc", edges_late),
    ]


@pytest.mark.parametrize("mutant", range(len(_mutants())))
def test_a_mutated_compiled_kind_is_caught(mutant: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the compiled engine one way at a time: the harness must see a difference."""
    label, owner, attr, broken = _mutants()[mutant]
    monkeypatch.setattr(owner, attr, broken)
    force = open_force("gwent")
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    log = _log(force, edge_records(force, start, end))
    assert differences(force, log, start, end, _as_ofs(start, end), Backend(None)), label


# ------------------------------------------------------------------------------ the command


def _json_without_engines(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return report, report.pop("engines", {})


def test_check_engine_ibis_matches_check(tmp_path: Path, backend: Backend) -> None:
    """`ingest` then `check --engine ibis` (DuckDB or Spark over the file, or PostgreSQL over
    the table `ingest -o URL --table` wrote): the JSON report is check's, plus `engines`."""
    force = open_force("surrey")
    records = simulate(force, date(2022, 10, 1), date(2022, 12, 31), events=1500, seed=4)
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    common = ["--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2022-12-01T00:00Z"]
    common += ["--format", "json"]
    ref = tmp_path / "ref.json"
    assert main(["check", "surrey", str(log), *common, "-o", str(ref)]) in (0, 1)
    if backend.url is None or backend.url == SPARK:
        source, extra = tmp_path / "log.parquet", ["--backend", backend.url or "duckdb"]
        assert main(["ingest", "surrey", str(log), "-o", str(source)]) == 0
    else:
        source, extra = Path(f"cli_{os.getpid()}"), ["--backend", backend.url]
        assert main(["ingest", "surrey", str(log), "-o", backend.url, "--table", str(source)]) == 0
    got = tmp_path / "got.json"
    code = main(
        ["check", "surrey", str(source), *common, "-o", str(got), "--engine", "ibis", *extra]
    )
    assert code in (0, 1)
    theirs, engines = _json_without_engines(got)
    ours, none = _json_without_engines(ref)
    assert theirs == ours and none == {}
    assert "ibis" in engines.values()
    assert {r["obligation"] for r in ours["results"]} <= set(engines)


def test_check_engine_ibis_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    """A JSON Lines file, two files or a missing one: one line, exit 2, no traceback."""
    log = tmp_path / "log.jsonl"
    log.write_text("", encoding="utf-8")
    common = ["--from", "2022-10-01", "--to", "2022-10-31", "--engine", "ibis"]
    assert main(["check", "gwent", str(log), *common]) == 2
    assert main(["check", "gwent", str(log), str(log), *common]) == 2
    assert main(["check", "gwent", str(tmp_path / "none.parquet"), *common]) == 2
