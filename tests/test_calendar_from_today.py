"""A calendar made on any day shows the periods under way from that day, not in the past.

Exported on 6 December, a quarter that began on 1 October and a month that began on 1
December have their items on 6 December, so they show and their reminders ring; no item
sits before the day the calendar was made.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from engagerules import duty_calendar, open_force, schedule
from engagerules.model.periods import local_midnight

GWENT = open_force("gwent")


def _day(event: icalendar.Event) -> date:
    start = event["DTSTART"].dt
    return start.astimezone(GWENT.zone).date() if isinstance(start, datetime) else start


@settings(max_examples=20, deadline=None)
@given(day=st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)))
def test_items_of_periods_under_way_sit_on_the_export_day(day: date) -> None:
    """Every item is on or after the export day; each period under way has one on that day."""
    end = day + timedelta(days=100)
    cal = duty_calendar(GWENT, day, end, scope="caerphilly-north", reminder=timedelta(days=1))
    events = list(cal.walk("VEVENT"))
    assert events
    assert all(_day(e) >= day for e in events)
    on_the_day = {
        (str(e["X-ENGAGERULES-OBLIGATION"]), str(e["X-ENGAGERULES-SCOPE"]))
        for e in events
        if _day(e) == day and not isinstance(e["DTSTART"].dt, datetime)
    }
    opened = local_midnight(day, GWENT.zone)
    under_way = {
        (due.obligation.id, due.scope or "force-wide")
        for due in schedule(GWENT, day, end, scope="caerphilly-north")
        if due.window.start < opened < due.window.end and not due.obligation.times
    }
    assert under_way <= on_the_day
    for event in events:  # each all-day item's reminder rings at 09:00 the day before
        if not isinstance(event["DTSTART"].dt, datetime):
            (alarm,) = event.walk("VALARM")
            assert alarm["TRIGGER"].dt == timedelta(hours=-15)


def test_december_export_has_the_quarter_on_the_day() -> None:
    """Exported on 6 Dec 2026, the quarter's and the month's items are on 6 Dec, not before."""
    day = date(2026, 12, 6)
    cal = duty_calendar(GWENT, day, date(2027, 3, 31), scope="bargoed")
    firsts: dict[str, date] = {}
    for event in cal.walk("VEVENT"):
        if str(event["X-ENGAGERULES-SCOPE"]) == "bargoed":
            ob = str(event["X-ENGAGERULES-OBLIGATION"])
            firsts[ob] = min(firsts.get(ob, date.max), _day(event))
    assert firsts["gwent.cn.posters-displayed"] == day  # quarterly, began 1 Oct
    assert firsts["gwent.cn.monthly-council-feedback"] == day  # monthly, began 1 Dec
