"""The JSON helpers' TypedDicts say exactly the keys the helpers return."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_type_hints

from engagerules import (
    DueShape,
    ForceShape,
    ObligationShape,
    ReportShape,
    ResultShape,
    agenda,
    agenda_json,
    due_json,
    obligation_json,
    report_json,
    schedule,
)
from engagerules.outputs.shapes import AgendaShape, force_json
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
    """A typed caller reading a key the report does not have is told so by mypy."""
    caller = tmp_path / "caller.py"
    caller.write_text(
        "import engagerules as er\n"
        "def read(r: er.Report) -> int:\n"
        "    shape = er.report_json(r)\n"
        "    typo: int = shape['events']['red']\n"
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
    assert done.stdout.count("error:") == 1
