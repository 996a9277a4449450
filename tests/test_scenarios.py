"""Rule authors' scenario files: expectations checked, bad files located."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engagerules import ConfigError, Force
from engagerules.authoring.scenarios import load_scenarios, run_scenario

TWEET = {"id": "t1", "type": "tweet", "at": "2022-10-04T10:00:00+01:00", "scope": "north"}


def scenario(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "one tweet",
        "obligations": ["mini.weekly-tweet"],
        "from": "2022-10-03",
        "to": "2022-10-09",
        "as_of": "2022-10-20T00:00:00Z",
        "events": [TWEET],
        "expect": [{"obligation": "mini.weekly-tweet", "scope": "north", "status": "met"}],
    }
    base.update(overrides)
    return base


def write(tmp_path: Path, *scenarios: dict[str, Any]) -> Path:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"scenarios": list(scenarios)}))
    return path


def test_passing_and_failing_expectations(mini: Force, tmp_path: Path) -> None:
    """A right expectation passes; a wrong status, count or evidence is reported precisely."""
    good, bad = load_scenarios(
        write(
            tmp_path,
            scenario(),
            scenario(
                expect=[
                    {"obligation": "mini.weekly-tweet", "scope": "east", "status": "met"},
                    {"obligation": "mini.weekly-tweet", "count": 2, "status": "missed"},
                    {
                        "obligation": "mini.weekly-tweet",
                        "scope": "north",
                        "status": "met",
                        "evidence": ["zz"],
                    },
                ]
            ),
        ),
        mini,
    )
    assert run_scenario(mini, good).passed
    failures = run_scenario(mini, bad).failures
    assert any("[east]" in f and "is missed" in f for f in failures)
    assert any("expected 2 results, got 3" in f for f in failures)
    assert any("evidence lacks zz" in f for f in failures)


def test_rejected_scenario_event_fails_the_scenario(mini: Force, tmp_path: Path) -> None:
    """An event the engine would reject is a scenario failure, not silently ignored."""
    (item,) = load_scenarios(write(tmp_path, scenario(events=[dict(TWEET, type="tweeet")])), mini)
    failures = run_scenario(mini, item).failures
    assert any("rejected" in f and "tweeet" in f for f in failures)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            {"expect": [{"obligation": "mini.nope", "status": "met"}]},
            "$.scenarios[0].expect[0].obligation",
        ),
        (
            {"expect": [{"obligation": "mini.weekly-tweet", "status": "done"}]},
            "$.scenarios[0].expect[0].status",
        ),
        ({"from": "2022-02-30"}, "$.scenarios[0].from"),
        ({"as_of": "2022-10-20T00:00"}, "$.scenarios[0].as_of"),
        ({"colour": "blue"}, "$.scenarios[0].colour"),
    ],
)
def test_bad_scenario_files_are_located(
    mini: Force, tmp_path: Path, change: dict[str, Any], where: str
) -> None:
    """Each mistake in a scenario file names its JSON path."""
    with pytest.raises(ConfigError) as caught:
        load_scenarios(write(tmp_path, scenario(**change)), mini)
    assert where in str(caught.value.problems[0])


def test_count_zero_says_there_is_no_such_result(mini: Force, tmp_path: Path) -> None:
    """`count: 0` passes when nothing is selected and fails when something is."""
    none_for_west = scenario(
        obligations=["mini.action-day-rota"],
        **{"from": "2022-10-01", "to": "2022-10-31"},
        events=[],
        expect=[
            {
                "obligation": "mini.action-day-rota",
                "scope": "north",
                "count": 0,
                "status": "missed",
            },
            {
                "obligation": "mini.action-day-rota",
                "scope": "south",
                "count": 0,
                "status": "missed",
            },
        ],
    )
    (item,) = load_scenarios(write(tmp_path, none_for_west), mini)
    failures = run_scenario(mini, item).failures
    assert failures, "south has October's turn, so count 0 must fail for it"
    assert all("[south]" in f for f in failures), "north has no turn: count 0 holds"
    assert any("expected 0 results, got 1" in f for f in failures)
