"""The JSON helpers' TypedDicts say exactly the keys the helpers return."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args, get_type_hints

from engagerules import (
    DueShape,
    ForceShape,
    ObligationShape,
    ReportShape,
    ResultShape,
    Status,
    agenda,
    agenda_json,
    due_json,
    evaluate,
    obligation_json,
    parse_events,
    report_json,
    schedule,
)
from engagerules.outputs.shapes import AgendaShape, StatusName, force_json
from quarter import gwent_quarter


def keys_fit(shape: Any, value: dict[str, Any]) -> bool:
    """Every required key is there, and no key the TypedDict does not declare."""
    declared = set(get_type_hints(shape))
    return shape.__required_keys__ <= set(value) <= declared


def test_every_helper_returns_its_declared_keys() -> None:
    """Report, result, obligation, force, schedule and agenda shapes match their TypedDicts."""
    quarter = gwent_quarter()
    report = report_json(quarter.report)
    assert keys_fit(ReportShape, dict(report))
    assert all(keys_fit(ResultShape, dict(r)) for r in report["results"])
    force = quarter.force
    assert all(keys_fit(ObligationShape, dict(obligation_json(ob))) for ob in force.obligations)
    assert keys_fit(ForceShape, dict(force_json(force, "bundled")))
    dues = schedule(force, date(2022, 10, 3), date(2022, 10, 4))
    assert dues and all(keys_fit(DueShape, dict(due_json(d))) for d in dues)
    as_of = datetime.fromisoformat("2022-11-14T08:30:00+00:00")
    items = agenda_json(agenda(force, quarter.log, as_of, days=2), force)
    assert items and all(keys_fit(AgendaShape, dict(i)) for i in items)
    assert any(i["upcoming"] for i in items) and not all(i["upcoming"] for i in items)


def test_mypy_catches_a_mistyped_key(tmp_path: Path) -> None:
    """A typed caller reading a key the report does not have, or comparing a status with a
    misspelt one ("mised"), is told so by mypy."""
    caller = tmp_path / "caller.py"
    caller.write_text(
        "import engagerules as er\n"
        "def read(r: er.Report) -> int:\n"
        "    shape = er.report_json(r)\n"
        "    typo: int = shape['events']['red']\n"
        "    assert shape['results'][0]['status'] != 'mised'\n"
        "    return typo + shape['events']['read']\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(caller)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert 'TypedDict "EventsShape" has no key "red"' in done.stdout
    assert (
        "Non-overlapping identity check" in done.stdout or "Non-overlapping equality" in done.stdout
    )
    assert done.stdout.count("error:") == 2


def test_result_fields_say_what_they_are() -> None:
    """Every result says what its scope is; a triggered one names its trigger apart from its
    evidence; a missed or partial one found less than it needed (never "needed 1, found 2,
    missed"); statuses are exactly the typed ones."""
    quarter = gwent_quarter()
    results = report_json(quarter.report)["results"]
    per_person = {ob.id for ob in quarter.force.obligations if ob.scope.per_person}
    kinds = set()
    for r in results:
        expected = (
            "force" if r["scope"] is None else "person" if r["obligation"] in per_person else "unit"
        )
        assert r["scope_kind"] == expected, r
        kinds.add(r["scope_kind"])
        if "trigger" in r:
            assert r["kind"] == "triggered" and r["trigger"] not in r["evidence"], r
        if r["status"] in ("missed", "partial"):
            assert r["found"] < r["needed"], r
    assert {"unit", "force"} <= kinds
    assert any("trigger" in r for r in results)
    assert set(get_args(StatusName)) == {s.value for s in Status}


def test_a_standing_duty_that_lapsed_needed_more_than_it_found() -> None:
    """Two updates with a lapse between them: found 2, needed 3 (one more update would have
    closed the gap), status missed."""
    quarter = gwent_quarter()
    force = quarter.force
    standing = next(ob for ob in force.obligations if ob.kind.value == "standing")
    (kind,) = standing.evidence[0].types
    unit = standing.scope.units[0] if standing.scope.units else None
    records = [
        {
            "id": f"u{i}",
            "type": kind,
            "at": f"{day}T10:00:00+00:00",
            "scope": unit,
            "role": standing.owner,
        }
        for i, day in enumerate(["2022-10-03", "2023-09-04"])
    ]
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    report = evaluate(
        force,
        log,
        date(2022, 10, 1),
        date(2023, 9, 30),
        datetime.fromisoformat("2023-10-01T00:00:00+00:00"),
        obligations=[standing.id],
    )
    shaped = [r for r in report_json(report)["results"] if r["scope"] == unit]
    assert [(r["status"], r["found"], r["needed"]) for r in shaped][:1] == [("missed", 2, 3)]
