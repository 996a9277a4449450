"""The trace: evaluation records what became of every event in every window, and explain,
which only words it, shows check's verdict for every window of generated forces and logs."""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from engagerules import (
    EventLog,
    Force,
    Kind,
    Trace,
    UsageError,
    evaluate,
    explain,
    load_force,
    parse_events,
)
from engagerules.engine.trace import Code
from strategies import RANGE_START, event_records, force_configs


@cache
def _force(config: str) -> Force:
    """The force a generated configuration describes, loaded as a rule author's would be."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "force.json"
        path.write_text(config, encoding="utf-8")
        return load_force(path)


def _case(
    config: dict[str, Any], records: list[dict[str, Any]], days: int, hours: int
) -> tuple[Force, EventLog, date, date, datetime]:
    force = _force(json.dumps(config, sort_keys=True))
    log = parse_events([("gen.jsonl", i + 1, r) for i, r in enumerate(records)], force)
    assert not log.rejections, log.rejections
    start = RANGE_START
    as_of = datetime(2022, 10, 10, tzinfo=force.zone) + timedelta(hours=hours)
    return force, log, start, start + timedelta(days=days), as_of


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    config=force_configs(),
    records=event_records(),
    days=st.integers(min_value=0, max_value=34),
    hours=st.integers(min_value=-24, max_value=45 * 24),
)
def test_explain_shows_checks_verdict_and_accounts_for_every_event(
    config: dict[str, Any], records: list[dict[str, Any]], days: int, hours: int
) -> None:
    """For every scored kind, explain's windows are check's results, one for one, in order;
    in each, the evidence is counted and every event of the duty's types has a reason."""
    force, log, start, end, as_of = _case(config, records, days, hours)
    report = evaluate(force, log, start, end, as_of)
    for obligation in force.obligation_ids:
        found = explain(force, obligation, log, start, end, as_of, limit=10_000)
        expected = [r for r in report.results if r.obligation == obligation]
        assert [w.result for w in found.windows] == expected, obligation
        versions = force.obligation(obligation)
        for window in found.windows:
            result = window.result
            day = result.window.local_start.date()
            version = next((v for v in versions if v.in_force_on(day)), versions[0])
            counted = {n.event.id for n in window.counted}
            considered = {n.event.id for n in window.considered}
            assert set(result.evidence) <= counted, result
            if version.kind is not Kind.CONSTRAINT:  # a constraint also judges conformers
                assert counted == set(result.evidence), result
            assert not counted & considered, result
            assert Code.NOT_COUNTED not in {n.code for n in window.considered}, result
            assert {code for code, _ in window.omitted} <= {Code.WRONG_TYPE}, result
            types = {t for req in version.evidence for t in req.types}
            inside = {e.id for e in log.events if e.type in types and result.window.contains(e.at)}
            assert inside <= counted | considered, result


def test_a_condition_failure_keeps_the_condition_and_the_value_seen() -> None:
    """A tweet without the topic the duty needs: the trace holds the condition and value."""
    force = _force(
        json.dumps(
            {
                **json.loads((FIXTURES / "mini" / "force.json").read_text(encoding="utf-8")),
                "obligations": [
                    {
                        "id": "mini.positive", "title": "t", "kind": "recurring",
                        "cadence": "P1W", "owner": "CSO", "source": {"document": "plan.txt",
                        "section": "Weekly"},
                        "evidence": [{"types": ["tweet"],
                                      "where": [{"attr": "topic", "equals": "positive"}]}],
                    }
                ],
            },
            sort_keys=True,
        )
    )  # fmt: skip
    log = parse_events(
        [
            (
                "t",
                1,
                {
                    "id": "t1",
                    "type": "tweet",
                    "at": "2022-10-04",
                    "role": "CSO",
                    "attrs": {"topic": "x"},
                },
            )
        ],
        force,
    )
    as_of = datetime(2022, 11, 1, tzinfo=force.zone)
    trace = Trace(force, log.events, as_of)
    evaluate(force, log, date(2022, 10, 3), date(2022, 10, 9), as_of, trace=trace)
    ((fate,),) = [w.fates for w in trace.windows]
    assert fate.code is Code.FAILED_CONDITION and not fate.counted
    assert fate.condition is not None and fate.condition.attr == "topic"
    assert fate.seen == ("topic", "x")


def test_a_trace_needs_an_aware_as_of(mini: Force) -> None:
    """A trace judged at a clock reading with no zone is refused as a usage error."""
    with pytest.raises(UsageError, match="time-zone aware"):
        Trace(mini, (), datetime(2022, 11, 1, 9))
