"""Evidence of many requirements found by one query: every lookup a check's compiled
duties ask (`Ask`: a requirement, its windows, how records reach them) answered together.

Compiling an Ibis expression costs tens of milliseconds (sqlglot), far more than DuckDB
takes to run it over a million records; one expression per requirement made the compiled
engine slower than the reference. So what distinguishes one lookup from another is data,
not expression: the asks' accepted `(type, attrs, role)` and their windows are tables the
query joins to, and the expression has one part per way of reaching a window (by unit, by
person, anywhere, or at one place): at most four, however many duties there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from engagerules.model.plan import Requirement

if TYPE_CHECKING:
    from engagerules.engine.compiled.query import Query

__all__ = ["Ask", "EvidenceRow", "WindowRow", "answer"]

#: One window of the engine's: (its number, unit or None, person or None, start, end).
WindowRow = tuple[int, str | None, str | None, datetime, datetime]

#: A record found in a window: (window, id, at, type, attrs, line).
EvidenceRow = tuple[int, str, datetime, str, str, int]


@attrs.frozen
class Ask:
    """One lookup: the records `req` accepts inside each window, reached by unit (a record
    counts in its unit and those enclosing it), by person, or anywhere; with `scope_is`,
    only records whose own unit is that one (None: no unit)."""

    req: Requirement
    windows: tuple[WindowRow, ...]
    by_unit: bool = False
    by_person: bool = False
    scope_is: tuple[str | None] | None = None

    @property
    def way(self) -> str:
        """How records reach this ask's windows: one part of the query each."""
        if self.scope_is is not None:
            return "none" if self.scope_is[0] is None else "at"
        return "unit" if self.by_unit else "person" if self.by_person else "any"


def _query_module() -> Any:
    """The query module (which imports this one), for its conversions of instants."""
    from engagerules.engine.compiled import query

    return query


def _utc(moment: datetime) -> datetime:
    """The query module's conversion of the engine's instants (one place to break them)."""
    return _query_module()._utc(moment)  # type: ignore[no-any-return]


def answer(query: Query, asks: Sequence[Ask], as_of: datetime) -> list[list[EvidenceRow]]:
    """The rows each ask finds (repeats included: the caller leaves out what it must),
    unordered, from one query."""
    found: list[list[EvidenceRow]] = [[] for _ in asks]
    # the accepted (type, attrs) pairs, numbered: a row names its pair by number, so the
    # type and attributes of each row are shared strings, not one decoded per row
    pairs: dict[tuple[str, str], int] = {}
    accepted: list[tuple[int, int, str | None]] = []
    for n, ask in enumerate(asks):
        if not ask.windows:
            continue
        roles: Sequence[str | None] = ask.req.roles or (None,)
        accepted += [
            (n, pairs.setdefault(pair, len(pairs)), role)
            for pair in query.pairs(ask.req.types)
            if query.values.accepts(ask.req, *pair)
            for role in roles
        ]
    if not accepted:
        return found
    chosen = {a[0] for a in accepted}
    asked = [(n, ask) for n, ask in enumerate(asks) if n in chosen]
    expr = _expression(query, asked, list(pairs), accepted, as_of)
    rows = query._run(expr)
    aware = _query_module()._aware  # once: a row costs a call, not an import
    named = list(pairs)
    for n, w, i, at, pair, line in zip(
        rows["n"], rows["w"], rows["id"], rows["at"], rows["pair"], rows["line"], strict=True
    ):
        kind, text = named[pair]
        found[n].append((w, i, aware(at), kind, text, line))
    return found


_DAY = timedelta(days=1)

#: The record's columns each row carries (its type and attributes: by `pair`).
_ROW = ("id", "at", "line")


def _expression(
    query: Query,
    asked: list[tuple[int, Ask]],
    pairs: list[tuple[str, str]],
    accepted: list[tuple[int, int, str | None]],
    as_of: datetime,
) -> Any:
    """The union, one part per way of reaching windows, of the records joined to the
    asks that accept them (by the number of their `(type, attrs)` pair among `pairs`) and
    to those asks' windows."""
    pa = query._pa
    text, instant = pa.string(), pa.timestamp("us", tz="UTC")
    parts = []
    for way in ("unit", "person", "any", "at", "none"):
        mine = [(n, ask) for n, ask in asked if ask.way == way]
        if not mine:
            continue
        # each part reads the records of its own asks' types and time alone: a scan tests
        # those first, and the parts are scans of their own (a query per part, in one)
        numbers = {n for n, _ in mine}
        chosen = [a for a in accepted if a[0] in numbers]
        p = query._table(
            {
                "p_n": [a[0] for a in chosen],
                "p_pair": [a[1] for a in chosen],
                "p_type": [pairs[a[1]][0] for a in chosen],
                "p_attrs": [pairs[a[1]][1] for a in chosen],
                "p_role": [a[2] for a in chosen],
            },
            {
                "p_n": pa.int64(),
                "p_pair": pa.int64(),
                "p_type": text,
                "p_attrs": text,
                "p_role": text,
            },
        )
        starts = [w[3] for _, ask in mine for w in ask.windows]
        ends = [w[4] for _, ask in mine for w in ask.windows]
        t = query.records.table
        t = t.filter(
            t.type.isin(sorted({pairs[a[1]][0] for a in chosen})),
            t.at >= _utc(min(starts)),
            t.at < _utc(max(ends)),
            t.at <= _utc(as_of),
        )
        t = t.join(
            p,
            [t.type == p.p_type, t.attrs == p.p_attrs, p.p_role.isnull() | (t.role == p.p_role)],
        )
        t = t.mutate(r_day=t.at.date())
        rows = [
            (n, *w, ask.scope_is, day) for n, ask in mine for w in ask.windows for day in _days(w)
        ]
        ws = query._table(
            {
                "w_n": [r[0] for r in rows],
                "w": [r[1] for r in rows],
                "w_unit": [r[2] for r in rows],
                "w_person": [r[3] for r in rows],
                "w_start": [_utc(r[4]) for r in rows],
                "w_end": [_utc(r[5]) for r in rows],
                "w_scope": [None if r[6] is None else r[6][0] for r in rows],
                "w_day": [r[7] for r in rows],
            },
            {
                "w_n": pa.int64(),
                "w": pa.int64(),
                "w_unit": text,
                "w_person": text,
                "w_start": instant,
                "w_end": instant,
                "w_scope": text,
                "w_day": pa.date32(),
            },
        )
        s = t
        if way == "unit":
            m = query._units
            s = s.join(m, s.scope == m.m_scope)
        on = [s.p_n == ws.w_n, s.r_day == ws.w_day, s.at >= ws.w_start, s.at < ws.w_end]
        if way == "unit":
            on.append(s.m_unit == ws.w_unit)
        elif way == "person":
            on.append(s.person == ws.w_person)
        elif way == "at":
            on.append(s.scope == ws.w_scope)
        elif way == "none":
            s = s.filter(s.scope.isnull())
            on = [s.p_n == ws.w_n, s.r_day == ws.w_day, s.at >= ws.w_start, s.at < ws.w_end]
        joined = s.join(ws, on)
        parts.append(joined.select(*_ROW, n=joined.p_n, w=joined.w, pair=joined.p_pair))
    return parts[0] if len(parts) == 1 else query.ibis.union(*parts, distinct=False)


def _days(window: WindowRow) -> list[date]:
    """The days a record inside `window` may be filed under (`r_day`): its UTC days, and
    one more each side, because a backend takes a record's date in its session's zone
    (hours from UTC, never a day). The join matches a record only with the windows filed
    under its day, a few, not every window of its ask (a year of daily windows: 365); the
    instants alone decide whether it is inside one, so no zone decides a verdict."""
    first = window[3].astimezone(UTC).date()
    last = window[4].astimezone(UTC).date()
    lo = first - _DAY if first > date.min else first
    hi = last + _DAY if last < date.max else last
    return [lo + timedelta(days=k) for k in range((hi - lo).days + 1)]
