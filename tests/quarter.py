"""A quarter of simulated Gwent activity (October to December 2022), checked once.

The issue's acceptance data: the reports, explain and the browser test all read it, so
it is simulated and evaluated once per test session.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import attrs

from engagerules import EventLog, Force, Report, evaluate, open_force, parse_events, simulate

START, END = date(2022, 10, 1), date(2022, 12, 31)
AS_OF = datetime.fromisoformat("2023-01-09T09:00:00+00:00")


@attrs.frozen
class Quarter:
    force: Force
    records: tuple[dict[str, Any], ...]
    log: EventLog
    report: Report

    def write(self, path: Path) -> Path:
        """The records as a JSON Lines file, for the command line."""
        path.write_text("".join(json.dumps(r) + "\n" for r in self.records), encoding="utf-8")
        return path


@cache
def gwent_quarter() -> Quarter:
    force = open_force("gwent")
    # Collaborative work on 30 December, with no joint publicity after it yet, has a
    # fortnight left at AS_OF: the quarter always holds an open (pending) window.
    late = {
        "id": "late-1",
        "type": "collaborative_work",
        "at": "2022-12-30T10:00:00+00:00",
        "scope": "caerphilly-north",
    }
    simulated = simulate(force, START, END, events=3000, seed=1)
    records = (
        *(r for r in simulated if not (r["type"] == "joint_publicity" and r["at"] >= "2022-12-30")),
        late,
    )
    log = parse_events([("sim.jsonl", i + 1, r) for i, r in enumerate(records)], force)
    return Quarter(force, records, log, evaluate(force, log, START, END, AS_OF))
