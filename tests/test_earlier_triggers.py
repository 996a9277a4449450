"""A trigger fired before a duty came into force, due after: owed where the duty says so
(a census release the plan awaits, dated just before the day a reading starts it), never by
default, never twice across versions; and who owes a per-person duty."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from conftest import FIXTURES
from engagerules import Force, Report, Status, evaluate, validate_file
from engagerules.engine.kinds.triggered import Triggered
from engagerules.model.event import EventLog

REFRESH = "mini.profile-refresh"
RECORDS = [
    {"id": "c1", "type": "census_released", "at": "2022-12-20"},
    {"id": "p1", "type": "profile_review", "at": "2023-02-01", "scope": "north"},
]


def _from_january(mini: Force, owed: str) -> Force:
    """The mini force with its census duty in force from 1 January 2023."""

    def dated(ob: Any) -> Any:
        if ob.id != REFRESH:
            return ob
        assert isinstance(ob.rule, Triggered)
        trigger = attrs.evolve(ob.rule.trigger, fired_before_effective=owed)
        rule = attrs.evolve(ob.rule, trigger=trigger)
        return attrs.evolve(ob, rule=rule, effective_from=date(2023, 1, 1))

    return attrs.evolve(mini, obligations=tuple(dated(ob) for ob in mini.obligations))


def _check(
    force: Force, log_of: Callable[[Sequence[dict[str, Any]]], EventLog], records: list[Any]
) -> Report:
    return evaluate(
        force,
        log_of(records),
        date(2023, 1, 1),
        date(2023, 6, 30),
        datetime.fromisoformat("2023-07-03T09:00:00+01:00"),
        obligations=[REFRESH],
    )


def test_a_trigger_before_the_duty_is_owed_only_where_it_says(
    mini: Force, log_of: Callable[[Sequence[dict[str, Any]]], EventLog]
) -> None:
    """Census data released on 20 December, the duty in force from 1 January, due by 20
    March: owed in every section with `owed` (north's review counts), nothing by default."""
    report = _check(_from_january(mini, "owed"), log_of, RECORDS)
    assert {r.scope: r.status for r in report.results} == {
        "north": Status.MET,
        "south": Status.MISSED,
        "east": Status.MISSED,
    }
    assert _check(_from_january(mini, "not_owed"), log_of, RECORDS).results == ()


def test_a_trigger_whose_deadline_passed_before_the_duty_is_not_owed(
    mini: Force, log_of: Callable[[Sequence[dict[str, Any]]], EventLog]
) -> None:
    """Released on 30 September 2022, due by 30 December: over before 1 January."""
    early = [{"id": "c1", "type": "census_released", "at": "2022-09-30"}]
    report = _check(_from_january(mini, "owed"), log_of, early)
    assert report.results == ()
    assert report.events.unmatched == 1


def test_only_a_first_version_owes_earlier_triggers(tmp_path: Path) -> None:
    """A later version saying `owed` would owe again what the earlier one owed: refused,
    at its JSON path."""
    raw = json.loads((FIXTURES / "mini" / "force.json").read_text(encoding="utf-8"))
    (duty,) = [ob for ob in raw["obligations"] if ob["id"] == REFRESH]
    later = copy.deepcopy(duty)
    duty["effective"] = {"until": "2022-12-31"}
    later["effective"] = {"from": "2023-01-01"}
    later["trigger"]["fired_before_effective"] = "owed"
    raw["obligations"].append(later)
    for name in ("plan.txt",):
        source = FIXTURES / "mini" / name
        if source.exists():
            (tmp_path / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "force.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    problems = validate_file(path)
    at = f"$.obligations[{len(raw['obligations']) - 1}].trigger.fired_before_effective"
    assert [p for p in problems if at in p.where and "first version" in p.message]


@pytest.mark.parametrize(("role", "owed"), [("CADET", True), ("PS", False)])
def test_a_person_owes_a_per_person_duty_only_in_a_role_it_accepts(
    mini: Force,
    log_of: Callable[[Sequence[dict[str, Any]]], EventLog],
    role: str,
    owed: bool,
) -> None:
    """Seen doing the activity in a role the duty accepts, someone owes it; in another role
    (a Detective Inspector's blog, for the uniform Inspectors' duty), not."""
    (duty,) = [ob for ob in mini.obligations if ob.id == "mini.cadet-hours"]
    unrostered = attrs.evolve(duty, scope=attrs.evolve(duty.scope, roster=None))
    req = attrs.evolve(duty.evidence[0], roles=("CADET",), any_role=False)
    unrostered = attrs.evolve(unrostered, evidence=(req, *duty.evidence[1:]))
    force = attrs.evolve(mini, obligations=(unrostered,))
    hours = duty.evidence[0].sum or "hours"
    record = {
        "id": "h1",
        "type": duty.evidence[0].types[0],
        "at": "2022-10-05",
        "role": role,
        "person": "p-1",
        "attrs": {hours: 1},
    }
    report = evaluate(
        force,
        log_of([record]),
        date(2022, 10, 1),
        date(2022, 10, 31),
        datetime.fromisoformat("2022-11-07T09:00:00+00:00"),
    )
    assert [r.scope for r in report.results] == (["p-1"] if owed else [])
