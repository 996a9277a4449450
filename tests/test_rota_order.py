"""A rota in any order: each unit owes one in every round of as many periods as units,
in whichever period of it, so a rotation starting with any unit keeps the plan's rota."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagerules import Force, Report, Status, evaluate
from engagerules.engine.kinds.recurring import Recurring
from engagerules.engine.schedule import dues, judged_cycle
from engagerules.errors import ModelError
from engagerules.model.event import EventLog
from engagerules.model.periods import Cycle, range_bounds
from engagerules.model.plan import Citation, Obligation, Requirement, Scope
from strategies import cycles, date_ranges

LONDON = ZoneInfo("Europe/London")
ROTA = "mini.action-day-rota"
UNITS = ("north", "south", "east")


def _any_order(mini: Force) -> Force:
    """The mini force with its action-day rota in any order."""
    obligations = tuple(
        attrs.evolve(ob, scope=attrs.evolve(ob.scope, order="any")) if ob.id == ROTA else ob
        for ob in mini.obligations
    )
    return attrs.evolve(mini, obligations=obligations)


def _check(
    force: Force,
    log_of: Callable[[Sequence[dict[str, Any]]], EventLog],
    records: Sequence[dict[str, Any]],
    start: str,
    end: str,
    as_of: str,
) -> Report:
    return evaluate(
        force,
        log_of(records),
        date.fromisoformat(start),
        date.fromisoformat(end),
        datetime.fromisoformat(as_of),
        obligations=[ROTA],
    )


def test_a_rotation_starting_with_any_unit_is_met(
    mini: Force, log_of: Callable[[Sequence[dict[str, Any]]], EventLog]
) -> None:
    """East, north, south from September keeps the rota in any order; the listed order
    (north first) would have missed all three months."""
    records = [
        {"id": "a1", "type": "action_day", "at": "2022-09-10", "scope": "east"},
        {"id": "a2", "type": "action_day", "at": "2022-10-10", "scope": "north"},
        {"id": "a3", "type": "action_day", "at": "2022-11-10", "scope": "south"},
    ]
    args = ("2022-09-01", "2022-11-30", "2022-12-05T09:00:00+00:00")
    listed = _check(mini, log_of, records, *args)
    assert [r.status for r in listed.results] == [Status.MISSED] * 3
    report = _check(_any_order(mini), log_of, records, *args)
    got = {(r.scope, r.window.local_start.date(), r.status) for r in report.results}
    assert got == {(u, date(2022, 9, 1), Status.MET) for u in UNITS}


def test_a_second_turn_in_a_round_does_not_stand_for_another_unit(
    mini: Force, log_of: Callable[[Sequence[dict[str, Any]]], EventLog]
) -> None:
    """North twice and south never in the round: south missed, whatever the months."""
    records = [
        {"id": "a1", "type": "action_day", "at": "2022-09-10", "scope": "north"},
        {"id": "a2", "type": "action_day", "at": "2022-10-10", "scope": "east"},
        {"id": "a3", "type": "action_day", "at": "2022-11-10", "scope": "north"},
    ]
    report = _check(
        _any_order(mini), log_of, records, "2022-09-01", "2022-11-30", "2022-12-05T09:00:00Z"
    )
    assert {r.scope: r.status for r in report.results} == {
        "north": Status.MET,
        "south": Status.MISSED,
        "east": Status.MET,
    }


def test_order_without_a_rota_is_refused() -> None:
    """Ordering turns means nothing without a rota: the value says so."""
    with pytest.raises(ModelError, match="no rota"):
        Scope("section", UNITS, order="any")
    with pytest.raises(ModelError, match="order"):
        Scope("section", UNITS, rota=True, order="backwards")


@settings(max_examples=60, deadline=None)
@given(cycle=cycles(), days=date_ranges(max_days=500), n=st.integers(2, 4))
def test_each_listed_turn_lies_in_its_units_round(
    cycle: Cycle, days: tuple[date, date], n: int
) -> None:
    """Whatever the cadence, anchor and range: in any order each unit's windows are whole
    rounds of `n` periods, adjacent, and every turn the listed order would give it lies in
    one of them, so the any-order rota accepts the listed rotation and every other."""
    units = UNITS[:n] if n <= 3 else (*UNITS, "west")

    def rota(order: str) -> Obligation:
        return Obligation(
            id="prop.rota",
            title="Rota",
            rule=Recurring(cadence=cycle.every, anchor=cycle.anchor),
            owner="PS",
            source=Citation("plan.txt", "Monthly"),
            scope=Scope("section", units, rota=True, order=order),
            evidence=(Requirement(("action_day",)),),
        )

    listed, anyway = rota("listed"), rota("any")
    span = range_bounds(*days, LONDON)
    rounds = judged_cycle(anyway)
    assert rounds is not None and rounds.every == cycle.every.times(n)
    windows: dict[str | None, list[Any]] = {}
    for due in dues(anyway, span):
        windows.setdefault(due.scope, []).append(due.window)
    assert set(windows) == set(units)
    for found in windows.values():
        assert all(a.end == b.start for a, b in itertools.pairwise(found))
    for due in dues(listed, span):
        assert any(
            w.start <= due.window.start and due.window.end <= w.end for w in windows[due.scope]
        )
