"""Where a record counts: in its unit and every unit enclosing it, and, where a step
`reaches` within, in every unit inside its own too (a message sent to a section reaches
each town in it), never in a unit beside it, and from no unit at all never below."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import evaluate, load_force, parse_events
from engagerules.engine.compiled.kinds.recurring import compiles
from engagerules.errors import ConfigError
from engagerules.model.plan import Force


@st.composite
def _trees(draw: st.DrawFn) -> list[str | None]:
    """A unit tree: each unit's parent, an earlier unit or none."""
    size = draw(st.integers(min_value=2, max_value=7))
    return [None] + [
        draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1)).map(_name))
        for i in range(1, size)
    ]


def _name(n: int | None) -> str | None:
    return None if n is None else f"u{n}"


def _force(tmp: Path, parents: list[str | None], duty: dict[str, Any]) -> Force:
    mini = json.loads((FIXTURES / "mini" / "force.json").read_text())
    units = [
        {"id": f"u{i}", "name": f"Unit {i}", "kind": "area", **({"within": p} if p else {})}
        for i, p in enumerate(parents)
    ]
    raw = {
        **{k: mini[k] for k in ("id", "name", "timezone", "documents", "roles", "event_types")},
        "units": units,
        "obligations": [
            {
                "title": "Told",
                "owner": "PS",
                "source": {"document": "plan.txt", "section": "Rules"},
                **duty,
            }
        ],
    }
    path = tmp / "force.json"
    path.write_text(json.dumps(raw))
    return load_force(path)


def _monthly(reaches: str) -> dict[str, Any]:
    return {
        "id": "t.monthly",
        "kind": "recurring",
        "cadence": "P1M",
        "scope": {"per": "area"},
        "evidence": [{"types": ["tweet"], "reaches": reaches}],
    }


def _follow_up(reaches: str) -> dict[str, Any]:
    return {
        "id": "t.follow-up",
        "kind": "triggered",
        "trigger": {"types": ["warrant_executed"], "within": "P2D", "match": "refs_or_scope"},
        "evidence": [{"types": ["tweet"], "reaches": reaches}],
    }


def _counts_in(force: Force, record: str | None, unit: str, reaches: str) -> bool:
    """The principle: a record counts in its unit and those enclosing it, and with
    `within` in those inside it; a record with no unit counts in none of them."""
    if record is None:
        return False
    return (record in force.ancestry(unit) and (reaches == "within" or record == unit)) or (
        unit in force.ancestry(record)
    )


_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(tree=_trees(), data=st.data(), reaches=st.sampled_from(["enclosing", "within"]))
def test_a_record_at_a_unit_counts_for_every_unit_within_it_and_none_beside_it(
    tmp_path_factory: pytest.TempPathFactory,
    tree: list[str | None],
    data: st.DataObject,
    reaches: str,
) -> None:
    """A recurring per-unit duty: one record at a unit meets every unit within it where the
    step reaches within (and only enclosing units otherwise), never a sibling or a cousin."""
    force = _force(tmp_path_factory.mktemp("reach"), tree, _monthly(reaches))
    place = data.draw(st.one_of(st.none(), st.sampled_from([u.id for u in force.units])))
    record = {"id": "r1", "type": "tweet", "at": "2022-10-12T10:00:00+01:00", "role": "PS"}
    if place is not None:
        record["scope"] = place
    log = parse_events([("t", 1, record)], force)
    report = evaluate(
        force, log, date(2022, 10, 1), date(2022, 10, 31), datetime(2022, 11, 2, tzinfo=UTC)
    )
    for result in report.results:
        assert result.scope is not None
        met = result.status.value == "met"
        assert met is _counts_in(force, place, result.scope, reaches), (place, result.scope)


@_SETTINGS
@given(tree=_trees(), data=st.data(), reaches=st.sampled_from(["enclosing", "within"]))
def test_an_unlinked_follow_up_reaches_a_trigger_within_its_unit_never_beside_it(
    tmp_path_factory: pytest.TempPathFactory,
    tree: list[str | None],
    data: st.DataObject,
    reaches: str,
) -> None:
    """A follow-up matched by unit and time: where the step reaches within, one at the
    trigger's unit or a unit enclosing it answers it and one inside it does not; otherwise
    one inside it does; one beside it never does; one with no unit never does."""
    force = _force(tmp_path_factory.mktemp("reach"), tree, _follow_up(reaches))
    units = [u.id for u in force.units]
    fired = data.draw(st.sampled_from(units))
    place = data.draw(st.one_of(st.none(), st.sampled_from(units)))
    tweet: dict[str, Any] = {"id": "r1", "type": "tweet", "at": "2022-10-12T11:00:00+01:00"}
    if place is not None:
        tweet["scope"] = place
    records = [
        {"id": "w1", "type": "warrant_executed", "at": "2022-10-12T10:00:00+01:00", "scope": fired},
        tweet,
    ]
    log = parse_events([("t", i + 1, {"role": "PS", **r}) for i, r in enumerate(records)], force)
    report = evaluate(
        force, log, date(2022, 10, 1), date(2022, 10, 31), datetime(2022, 11, 2, tzinfo=UTC)
    )
    (result,) = report.results
    met = result.status.value == "met"
    # Reaching within, a message answers a trigger in its own unit or one inside it, never
    # one enclosing it (a message to one town does not reach the section); else the
    # record counts in its own unit and those enclosing it.
    answers = place is not None and (
        place in force.ancestry(fired) if reaches == "within" else fired in force.ancestry(place)
    )
    assert met is answers, (place, fired)


def test_reaching_is_declared_only_where_a_kind_counts_records_for_a_unit(tmp_path: Path) -> None:
    """`reaches` on a constraint is refused with its JSON path; a recurring duty with it is
    left to the reference engine by the compiled one, which does not read units above."""
    duty = {
        "id": "t.rule",
        "kind": "constraint",
        "evidence": [{"types": ["tweet"], "reaches": "within"}],
        "require": [{"attr": "policing_purpose", "present": True}],
    }
    with pytest.raises(ConfigError, match=r"evidence\[0\]\.reaches"):
        _force(tmp_path, [None, "u0"], duty)
    force = _force(tmp_path, [None, "u0"], _monthly("within"))
    assert not compiles(force.obligations[0])
    assert compiles(_force(tmp_path, [None, "u0"], _monthly("enclosing")).obligations[0])
