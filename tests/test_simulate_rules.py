"""The simulator keeps every rule on an event type, not only the rule it is acting out."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from engagerules import Force, Status, evaluate, load_force, parse_events, simulate


def _two_rules_on_one_type(tmp_path: Path) -> Force:
    """A force with two constraints on the same event type, as a fleet rule and a booking
    rule both apply to every mobile-station deployment."""
    rule: dict[str, Any] = {
        "kind": "constraint",
        "owner": "PS",
        "evidence": [{"types": ["deployment"]}],
        "source": {"document": "plan.txt", "section": "Rules"},
    }
    config = {
        "id": "tworules",
        "name": "Two rules",
        "timezone": "Europe/London",
        "documents": [{"id": "plan.txt", "title": "Plan", "sections": ["Rules"]}],
        "units": [{"id": "north", "name": "North", "kind": "section"}],
        "roles": [{"id": "PS", "title": "Sergeant"}],
        "event_types": [{"id": "deployment", "title": "Deployment"}],
        "obligations": [
            {
                **rule,
                "id": "t.fleet",
                "title": "Only the two stations",
                "require": [{"attr": "station", "in": ["east", "west"]}],
            },
            {
                **rule,
                "id": "t.booked",
                "title": "Booked online",
                "require": [{"attr": "booking_ref", "present": True}],
            },
        ],
    }
    (tmp_path / "force.json").write_text(json.dumps(config), encoding="utf-8")
    return load_force(tmp_path)


def _statuses(force: Force, compliance: float) -> dict[str, set[Status]]:
    start, end = date(2022, 10, 1), date(2022, 12, 31)
    records = simulate(force, start, end, events=200, compliance=compliance, seed=3)
    log = parse_events([("sim", i, r) for i, r in enumerate(records, start=1)], force)
    report = evaluate(force, log, start, end, datetime.fromisoformat("2023-01-09T09:00:00+00:00"))
    found: dict[str, set[Status]] = {}
    for result in report.results:
        found.setdefault(result.obligation, set()).add(result.status)
    return found


def test_full_compliance_keeps_every_rule_on_a_type(tmp_path: Path) -> None:
    """With compliance 1, events made for one rule (and background noise) keep the other."""
    statuses = _statuses(_two_rules_on_one_type(tmp_path), 1.0)
    assert statuses == {"t.fleet": {Status.MET}, "t.booked": {Status.MET}}


def test_no_compliance_breaks_both_rules(tmp_path: Path) -> None:
    """With compliance 0, each rule is broken, so a demo shows breaches."""
    statuses = _statuses(_two_rules_on_one_type(tmp_path), 0.0)
    assert statuses == {"t.fleet": {Status.BREACH}, "t.booked": {Status.BREACH}}


def test_full_compliance_breaks_no_rule_of_the_mini_force(mini: Force) -> None:
    """The mini force's constraints are all kept in a fully compliant simulated log."""
    statuses = _statuses(mini, 1.0)
    for obligation in ("mini.policing-purpose", "mini.surgery-locations-vary"):
        assert Status.BREACH not in statuses.get(obligation, set())
