"""Rule authors' scenarios cover every checkable duty both ways: once met, once not.

A duty with only a passing scenario might never fail; one with only a failing scenario
might never pass. Forces are held to this once their authors have written the scenarios;
a force joins `_FULLY_COVERED` when it does.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from engagerules import Status, open_force
from engagerules.authoring.scenarios import load_scenarios, scenario_files

#: Forces whose scenarios must show every checkable duty met and missed (or breached).
_FULLY_COVERED = ("gwent", "dorset", "surrey", "notts")

_FAILING = {Status.MISSED, Status.BREACH}


@pytest.mark.parametrize("force_id", _FULLY_COVERED)
def test_every_checkable_duty_has_a_met_and_a_failing_scenario(force_id: str) -> None:
    """Each scored obligation is expected `met` somewhere and `missed` or `breach` elsewhere."""
    force = open_force(force_id)
    seen: dict[str, set[Status]] = defaultdict(set)
    for file in scenario_files(force):
        for scenario in load_scenarios(file, force):
            for expectation in scenario.expect:
                seen[expectation.obligation].add(expectation.status)
    checkable = [ob.id for ob in force.obligations if ob.scored]
    no_met = [ob for ob in checkable if Status.MET not in seen[ob]]
    no_fail = [ob for ob in checkable if not seen[ob] & _FAILING]
    assert not no_met, f"{force_id}: no scenario expects these met: {no_met}"
    assert not no_fail, f"{force_id}: no scenario expects these missed or breached: {no_fail}"


@pytest.mark.parametrize("force_id", _FULLY_COVERED)
def test_advisory_duties_are_never_expected_to_score(force_id: str) -> None:
    """An advisory duty has no results, so a scenario expecting one would be a mistake."""
    force = open_force(force_id)
    advisory = {ob.id for ob in force.obligations if not ob.scored}
    named = {
        expectation.obligation
        for file in scenario_files(force)
        for scenario in load_scenarios(file, force)
        for expectation in scenario.expect
    }
    assert not advisory & named
