"""Evidence naming its period, around its window (issue 20): a record may be made up to a
duty's `early` allowance before the period it names (a written report sent ahead of its
meeting), a window lacking such a record is pending, not missed, while its grace runs,
and a record made before a duty came into force never anchors a rolling gap."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engagerules import Cycle, Duration, Status, evaluate, load_force, parse_events
from engagerules.authoring.simulate import _satisfying
from engagerules.engine.schedule import dues
from engagerules.errors import ModelError
from engagerules.model.periods import local_midnight, named_period, period_fate, range_bounds
from engagerules.model.plan import Force, Obligation, Requirement
from engagerules.sources.config import validate_file

LONDON = ZoneInfo("Europe/London")
FORCES = Path(__file__).resolve().parent.parent / "forces"
LOADED = {name: load_force(FORCES / name) for name in ("gwent", "dorset", "surrey", "notts")}
SHERBORNE = "dorset.wd.sherborne-monthly-meeting"

#: Every bundled duty whose evidence names its period: the principle holds for each.
PERIOD_DUTIES = sorted(
    {
        (name, ob.id)
        for name, force in LOADED.items()
        for ob in force.obligations
        if any(req.for_period is not None for req in ob.evidence)
    }
)

_LABELS = st.one_of(
    st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2022, 2024), st.integers(1, 12)),
    st.builds(lambda y, q: f"{y}-Q{q}", st.integers(2022, 2024), st.integers(1, 4)),
    st.builds(str, st.integers(2022, 2024)),
    st.builds(lambda d: d.isoformat(), st.dates(date(2022, 1, 1), date(2024, 12, 31))),
)
_EARLY = st.sampled_from(
    [None, Duration(), Duration(days=7), Duration(weeks=2), Duration(months=1), Duration(months=3)]
)


@settings(max_examples=300, deadline=None)
@given(
    label=_LABELS,
    months=st.sampled_from([1, 3, 12]),
    day=st.dates(date(2022, 1, 1), date(2024, 12, 31)),
    minutes=st.integers(-200 * 24 * 60, 200 * 24 * 60),
    early=_EARLY,
)
def test_an_allowance_ahead_moves_only_where_a_period_opens(
    label: str, months: int, day: date, minutes: int, early: Duration | None
) -> None:
    """With `early`, a record made from that long before the period it names up to its
    first day counts where it would have been `period_early`; at every other instant,
    and for every other reason, the verdict is the one without the allowance."""
    window = next(Cycle(Duration(months=months)).windows(range_bounds(day, day, LONDON), LONDON))
    at = local_midnight(day, LONDON) + timedelta(minutes=minutes)
    period = named_period(label)
    assert period is not None
    grace = Duration(months=1)
    plain = period_fate(period, at, window, grace)
    widened = period_fate(period, at, window, grace, early)
    opens = local_midnight(period.first, LONDON)
    allowed = opens if early is None else early.before(opens, LONDON)
    if allowed <= at < opens:
        assert widened == (None if plain == "period_early" else plain)
    else:
        assert widened == plain


def test_a_month_back_from_the_first_lands_on_the_first() -> None:
    """`P1M` before 1 March is 1 February, across a leap day and a clock change alike."""
    march = local_midnight(date(2024, 3, 1), LONDON)
    assert Duration(months=1).before(march, LONDON) == local_midnight(date(2024, 2, 1), LONDON)
    november = local_midnight(date(2019, 11, 1), LONDON)  # October is BST, November GMT
    assert Duration(months=1).before(november, LONDON) == datetime(2019, 9, 30, 23, tzinfo=UTC)


def test_an_allowance_without_a_named_period_is_refused() -> None:
    """`early` only widens evidence that names its period: alone it is a model error."""
    with pytest.raises(ModelError, match="no for_period"):
        Requirement(types=("report",), early=Duration(months=1))


def test_a_bad_allowance_is_located(tmp_path: Path) -> None:
    """An `early` that is no duration is a problem at its JSON path, never a traceback."""
    home = tmp_path / "dorset"
    shutil.copytree(FORCES / "dorset", home)
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    at = next(i for i, ob in enumerate(raw["obligations"]) if ob["id"] == SHERBORNE)
    raw["obligations"][at]["evidence"][0]["for_period"]["early"] = "a month"
    (home / "force.json").write_text(json.dumps(raw), encoding="utf-8")
    where = [p.where for p in validate_file(home)]
    assert any(f"obligations[{at}].evidence[0].for_period" in w for w in where), where


def _report(rid: str, at: str, label: str) -> dict[str, Any]:
    return {
        "id": rid,
        "type": "council_written_report",
        "at": at,
        "scope": "sherborne-town-council",
        "role": "PS",
        "attrs": {"for_period": label},
    }


def test_a_report_too_early_or_too_late_says_so() -> None:
    """Sherborne: a report for October sent on 28 September meets October; one sent on
    31 August is unmatched as `period_early`, one sent on 2 December as `period_late`."""
    force = LOADED["dorset"]
    records = [
        _report("ahead", "2019-09-28T10:00:00+01:00", "2019-10"),
        _report("early", "2019-08-31T10:00:00+01:00", "2019-10"),
        _report("late", "2019-12-02T10:00:00Z", "2019-10"),
    ]
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    as_of = datetime(2020, 1, 6, tzinfo=UTC)
    report = evaluate(
        force, log, date(2019, 8, 1), date(2019, 12, 31), as_of, obligations=[SHERBORNE]
    )
    by = {r.window.local_start.date(): r for r in report.results}
    assert by[date(2019, 10, 1)].status is Status.MET
    assert by[date(2019, 10, 1)].evidence == ("ahead",)
    assert by[date(2019, 9, 1)].status is Status.MISSED
    assert report.events.by_reason == {"period_early": 1, "period_late": 1}


def _record(
    force: Force,
    ob: Obligation,
    req: Requirement,
    n: int,
    at: datetime,
    label: str,
    unit: str | None,
) -> dict[str, Any]:
    specs = {t.id: {a.name: a for a in t.attributes} for t in force.event_types}
    kind = req.types[0]
    attrs = _satisfying(req.where, random.Random(n), specs.get(kind))  # noqa: S311 - no secret
    assert req.for_period is not None
    attrs[req.for_period] = label
    record: dict[str, Any] = {
        "id": f"r{n}",
        "type": kind,
        "at": at.astimezone(UTC).isoformat(),
        "role": req.roles[0] if req.roles else ob.owner,
        "attrs": attrs,
    }
    if unit is not None:
        record["scope"] = unit
    return record


@pytest.mark.parametrize(("name", "duty"), PERIOD_DUTIES)
@settings(max_examples=20, deadline=None)
@given(
    days=st.integers(400, 4000),
    share=st.floats(0, 1, exclude_max=True),
    after=st.integers(0, 60 * 24 * 60),
)
def test_a_window_is_pending_while_its_evidence_may_still_come(
    name: str, duty: str, days: int, share: float, after: int
) -> None:
    """For every duty whose evidence names its period: with nothing recorded, a closed
    window is pending at any instant inside its grace and missed once the grace has run
    out; a record naming the window's last day, made inside the grace, meets it (any
    window from a year after the duty came into force, at any instant of its grace)."""
    force = LOADED[name]
    ob = force.obligation(duty)[-1]
    zone = force.zone
    day = (ob.effective_from or date(2021, 1, 1)) + timedelta(days=days)  # a whole period
    due = next(dues(ob, range_bounds(day, day, zone)))
    window = due.window
    closes = max(req.closes(window.end, zone) for req in ob.evidence)
    assert closes > window.end  # the grace gives the records time after the window
    first = window.local_start.date()
    last = (window.local_end - timedelta(days=1)).date()

    def judged(records: list[dict[str, Any]], as_of: datetime) -> Status:
        log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
        report = evaluate(force, log, first, last, as_of, obligations=[duty])
        mine = [
            r for r in report.results if r.window.start == window.start and r.scope == due.scope
        ]
        assert len(mine) == 1
        return mine[0].status

    grace = (closes - window.end) // timedelta(microseconds=1)
    inside = window.end + timedelta(microseconds=min(int(grace * share), grace - 1))
    assert judged([], inside) is Status.PENDING
    assert judged([], closes + timedelta(minutes=after)) is Status.MISSED
    label = last.isoformat()  # the window's last day: its grace runs from the window's end
    records = [
        _record(force, ob, req, n, inside, label, due.scope) for n, req in enumerate(ob.evidence)
    ]
    assert judged(records, closes + timedelta(minutes=after)) is Status.MET


def test_the_grace_is_the_only_difference() -> None:
    """Without a named period a closed window is missed at once: the principle reaches only
    evidence that may still arrive (a requirement's own `closes`)."""
    end = local_midnight(date(2019, 11, 1), LONDON)
    plain = Requirement(types=("report",))
    named = Requirement(types=("report",), for_period="for_period", grace=Duration(months=1))
    assert plain.closes(end, LONDON) == end
    assert named.closes(end, LONDON) == local_midnight(date(2019, 12, 1), LONDON)


def test_a_record_before_a_rolling_duty_came_into_force_anchors_no_gap() -> None:
    """Dorset's clerk feedback (in force from 2 August 2019): a meeting of 1 August is no
    meeting before the range, so the gap counts from 2 August and a meeting on the
    afternoon of 1 February 2020 is in time; the 1 August record is no evidence."""
    force = LOADED["dorset"]
    duty = "dorset.wd.clerk-feedback"
    records = [
        {"id": "before", "type": "clerk_meeting", "at": "2019-08-01T10:00:00+01:00",
         "scope": "bridport-town-council", "role": "PS", "attrs": {"feedback": "good"}},
        {"id": "next", "type": "clerk_meeting", "at": "2020-02-01T15:00:00Z",
         "scope": "bridport-town-council", "role": "PS", "attrs": {"feedback": "more"}},
    ]  # fmt: skip
    log = parse_events([("log", i + 1, r) for i, r in enumerate(records)], force)
    as_of = datetime(2020, 3, 2, tzinfo=UTC)
    report = evaluate(force, log, date(2019, 9, 1), date(2020, 2, 29), as_of, obligations=[duty])
    (result,) = [r for r in report.results if r.scope == "bridport-town-council"]
    assert result.status is Status.MET
    assert result.evidence == ("next",)
