"""words: the one place that says duties, roles, units, cadences, times and citations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from engagerules import Force, open_force
from engagerules.model.durations import Duration, parse_duration
from engagerules.model.periods import Window, range_bounds
from engagerules.model.words import (
    cadence_words,
    citation_words,
    deadline_words,
    duration_words,
    duty_words,
    role_words,
    time_words,
    type_words,
    unit_words,
    window_words,
)

LONDON = ZoneInfo("Europe/London")


def test_cadences_in_words() -> None:
    """One of a unit is its adverb; more say `every`; an anchor says where cycles start."""
    said = {text: cadence_words(parse_duration(text)) for text in ("P1D", "P1W", "P1M", "P1Y")}
    assert said == {"P1D": "daily", "P1W": "weekly", "P1M": "monthly", "P1Y": "yearly"}
    assert cadence_words(parse_duration("P3M")) == "every 3 months"
    assert cadence_words(Duration(weeks=6), date(2019, 8, 5)) == "every 6 weeks from 5 Aug 2019"
    assert cadence_words(None) == "once"


def test_durations_in_words() -> None:
    """Units as written, singular for one."""
    assert duration_words(parse_duration("P2D")) == "2 days"
    assert duration_words(parse_duration("PT1H")) == "1 hour"
    assert duration_words(parse_duration("P1M2D")) == "1 month 2 days"


def test_time_in_local_words_with_the_zone() -> None:
    """An instant reads as local time with the zone's abbreviation, summer or winter."""
    assert time_words(datetime.fromisoformat("2022-11-14T08:30:00Z"), LONDON) == (
        "Mon 14 Nov 2022 08:30 GMT"
    )
    assert time_words(datetime.fromisoformat("2022-10-10T08:00:00Z"), LONDON) == (
        "Mon 10 Oct 2022 09:00 BST"
    )


def test_the_repeated_hour_carries_its_offset() -> None:
    """01:30 on the night the clocks go back happens twice: each says which it is."""
    first = time_words(datetime.fromisoformat("2023-10-29T00:30:00Z"), LONDON)
    second = time_words(datetime.fromisoformat("2023-10-29T01:30:00Z"), LONDON)
    assert first == "Sun 29 Oct 2023 01:30 BST, +01:00"
    assert second == "Sun 29 Oct 2023 01:30 GMT, +00:00"
    assert "+" not in time_words(datetime.fromisoformat("2023-10-29T02:30:00Z"), LONDON)


def test_deadline_at_midnight_is_the_end_of_the_day_before() -> None:
    """A window ending at local midnight is due by the end of its last day."""
    midnight = datetime(2022, 10, 10, tzinfo=LONDON)
    assert deadline_words(midnight, LONDON) == "the end of Sun 9 Oct 2022"
    assert deadline_words(datetime(2022, 10, 6, 15, tzinfo=LONDON), LONDON) == (
        "Thu 6 Oct 2022 15:00 BST"
    )


def test_windows_in_words() -> None:
    """A day, a week, a span across years and a timed slot each read naturally."""
    assert window_words(range_bounds(date(2022, 10, 3), date(2022, 10, 3), LONDON)) == (
        "Mon 3 Oct 2022"
    )
    assert window_words(range_bounds(date(2022, 10, 3), date(2022, 10, 9), LONDON)) == (
        "Mon 3 Oct to Sun 9 Oct 2022"
    )
    assert window_words(range_bounds(date(2022, 12, 26), date(2023, 1, 1), LONDON)) == (
        "Mon 26 Dec 2022 to Sun 1 Jan 2023"
    )
    slot = Window(datetime(2022, 10, 3, 8, tzinfo=LONDON), datetime(2022, 10, 3, 9, tzinfo=LONDON))
    assert window_words(slot) == "Mon 3 Oct 2022 08:00 to 09:00 BST"


def test_names_from_the_configuration(mini: Force) -> None:
    """Roles, units and event types by their titles; unknown unit and type codes are shown
    as given, but a role the force does not declare came from a record (where a person may
    have typed a name) and is never repeated back."""
    assert role_words(mini, "CSO") == "Community Support Officer"
    assert role_words(mini, "Jo Bloggs") == "a role this force does not declare"
    assert unit_words(mini, "north") == "North"
    assert unit_words(mini, None) == "force-wide"
    titles = {t.id: t.title for t in mini.event_types}
    assert type_words(mini, "tweet") == titles["tweet"] != "tweet"
    assert duty_words(mini, "mini.weekly-tweet") == (
        "A tweet per section every week (mini.weekly-tweet)"
    )
    assert duty_words(mini, "mini.weekly-tweet", with_id=False) == "A tweet per section every week"


def test_citations_give_the_title_and_the_file() -> None:
    """A citation names the document's title for the reader and its file for the checker."""
    force = open_force("gwent")
    ob = force.obligation("gwent.cn.weekly-positive-tweet")[0]
    doc = next(d for d in force.documents if d.id == ob.source.document)
    said = citation_words(force, ob.source)
    assert said == f'"{doc.title}", section "{ob.source.section}" ({doc.id})'


@settings(deadline=None)  # a shared CI machine can pause any example
@given(st.integers(min_value=0, max_value=10 * 366 * 24 * 4))
@example(134114)  # 01:30 BST on 29 Oct 2023, the first of two
@example(134118)  # 01:30 GMT, the second
@example(148900)  # 02:00 BST on 31 Mar 2024, just after the gap
def test_offset_shown_exactly_when_the_local_time_happens_twice(quarters: int) -> None:
    """Any instant reads with its zone; the offset is added only in a repeated hour."""
    moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * quarters)
    local = moment.astimezone(LONDON)
    wall = local.replace(tzinfo=None)
    twice = (
        wall.replace(tzinfo=LONDON, fold=0).utcoffset()
        != wall.replace(tzinfo=LONDON, fold=1).utcoffset()
    )
    said = time_words(moment, LONDON)
    assert said.startswith(f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}")
    assert said.endswith(f", {local:%z}"[:-2] + ":" + f"{local:%z}"[-2:]) == twice
