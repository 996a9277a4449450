"""A subscribed duty calendar: `calendar`'s bytes for one role and unit, over a horizon
that moves a month at a time.

Outlook refreshes a subscription by itself (on the web about every three hours), and
refetches it whole unless the server says nothing changed. So the horizon is month-aligned
(from the first of last month, twelve months on): the bytes, and so the ETag, change only
when the plan, the overrides or the rota change, or a month turns. The properties Outlook
and Apple read for a published calendar are added: `METHOD:PUBLISH`, the calendar's name
(`X-WR-CALNAME`), and how often to refresh (`REFRESH-INTERVAL` and `X-PUBLISHED-TTL`, an
hour).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import attrs
import icalendar

from engagerules.engine.filters import check_filters
from engagerules.model.plan import Force
from engagerules.model.words import role_words, unit_words
from engagerules.outputs.calendar import calendar_stamp, duty_calendar

__all__ = ["Feed", "feed", "horizon"]

#: How often a subscriber should fetch the feed again.
REFRESH = timedelta(hours=1)


def horizon(today: date) -> tuple[date, date]:
    """From the first of last month, twelve whole months on (the last day inclusive): the
    same all month long."""
    first = today.replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    months = start.year * 12 + start.month - 1 + 12
    end = date(months // 12, months % 12 + 1, 1) - timedelta(days=1)
    return start, end


@attrs.frozen
class Feed:
    """A feed's bytes and their strong validator."""

    body: bytes
    etag: str
    name: str


def feed(force: Force, role: str, unit: str, today: date) -> Feed:
    """The feed of `role`'s duties in `unit` (UsageError for a role or unit the force does
    not have), as `engagerules calendar --role ROLE --scope UNIT` writes them over the
    horizon of `today`, with the published-calendar properties."""
    check_filters(force, role=role, scope=unit)
    start, end = horizon(today)
    cal = duty_calendar(force, start, end, role=role, scope=unit, stamp=calendar_stamp(force))
    name = f"{force.name}: {role_words(force, role)}, {unit_words(force, unit)}"
    published = icalendar.Calendar()
    for key, value in cal.property_items(recursive=False):
        if key not in ("BEGIN", "END", "METHOD", "X-WR-CALNAME"):
            published.add(key, value)
    published.add("method", "PUBLISH")
    published.add("x-wr-calname", name)
    published.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    published.add("x-published-ttl", icalendar.vText("PT1H"))
    for component in cal.subcomponents:
        published.add_component(component)
    body = published.to_ical()
    return Feed(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', name)
