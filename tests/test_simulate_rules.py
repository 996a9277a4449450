"""The simulator keeps every rule on an event type, not only the rule it is acting out."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from engagerules import Force, Status, evaluate, load_force, parse_events, simulate
from engagerules.engine.kinds.constraint import Constraint
from engagerules.engine.kinds.target import Target
from engagerules.engine.kinds.triggered import Triggered


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


FORCES = Path(__file__).resolve().parents[1] / "forces"
BUNDLED = sorted(p.parent.name for p in FORCES.glob("*/force.json"))


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("compliance", [0.0, 0.6, 1.0])
def test_simulated_records_keep_every_attribute_declaration(name: str, compliance: float) -> None:
    """Every record the simulator makes for a bundled force is read with no rejection:
    its attribute values keep their types' declarations, compliant or not."""
    force = load_force(FORCES / name)
    records = simulate(
        force, date(2022, 10, 1), date(2022, 12, 31), events=3000, compliance=compliance, seed=7
    )
    log = parse_events([("sim", i, r) for i, r in enumerate(records, start=1)], force)
    assert [r.reason for r in log.rejections][:5] == []
    assert len(log.events) == len(records)


def _rule_attributes(force: Force) -> set[tuple[str, str]]:
    """(event type, attribute) for every attribute a duty's conditions read."""
    used: set[tuple[str, str]] = set()
    for ob in force.obligations:
        rule = ob.rule
        for req in ob.evidence:
            conditions = [*req.where, *(rule.require if isinstance(rule, Constraint) else ())]
            names = [n for n in (req.sum, req.distinct, req.for_period) if n]
            if isinstance(rule, Target):
                names += [n for n in (rule.attr, rule.group) if n]
            used.update((kind, n) for kind in req.types for n in names)
            # A condition naming its types reads only their records' attribute.
            used.update((k, c.attr) for k in req.types for c in conditions if c.applies_to(k))
        if isinstance(rule, Triggered):
            names = [c.attr for c in rule.trigger.where]
            if rule.trigger.deadline_attr:
                names.append(rule.trigger.deadline_attr)
            used.update((kind, n) for kind in rule.trigger.types for n in names)
    return used


@pytest.mark.parametrize("name", BUNDLED)
def test_every_attribute_a_rule_reads_is_declared(name: str) -> None:
    """A bundled force declares the type of every attribute its duties' conditions read,
    so a mistyped value is rejected when read rather than judged."""
    force = load_force(FORCES / name)
    declared = {(t.id, a.name) for t in force.event_types for a in t.attributes}
    used = _rule_attributes(force)
    assert used, name
    assert sorted(used - declared) == []
