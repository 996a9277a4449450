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
from datetime import datetime
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


def _utc(moment: datetime) -> datetime:
    """The query module's conversion of the engine's instants (one place to break them)."""
    from engagerules.engine.compiled import query

    return query._utc(moment)


def _aware(moment: datetime) -> datetime:
    """The query module's reading of an instant a backend returned."""
    from engagerules.engine.compiled import query

    return query._aware(moment)


def answer(query: Query, asks: Sequence[Ask], as_of: datetime) -> list[list[EvidenceRow]]:
    """The rows each ask finds (repeats included: the caller leaves out what it must),
    unordered, from one query."""
    found: list[list[EvidenceRow]] = [[] for _ in asks]
    accepted: list[tuple[int, str, str, str | None]] = []
    for n, ask in enumerate(asks):
        if not ask.windows:
            continue
        roles: Sequence[str | None] = ask.req.roles or (None,)
        accepted += [
            (n, kind, text, role)
            for kind, text in query.pairs(ask.req.types)
            if query.values.accepts(ask.req, kind, text)
            for role in roles
        ]
    if not accepted:
        return found
    chosen = {a[0] for a in accepted}
    asked = [(n, ask) for n, ask in enumerate(asks) if n in chosen]
    expr = _expression(query, asked, accepted, as_of)
    rows = query._run(expr)
    for n, w, i, at, k, a, line in zip(
        rows["n"],
        rows["w"],
        rows["id"],
        rows["at"],
        rows["type"],
        rows["attrs"],
        rows["line"],
        strict=True,
    ):
        found[n].append((w, i, _aware(at), k, a, line))
    return found


#: The record's columns each row carries.
_ROW = ("id", "at", "type", "attrs", "line")


def _expression(
    query: Query,
    asked: list[tuple[int, Ask]],
    accepted: list[tuple[int, str, str, str | None]],
    as_of: datetime,
) -> Any:
    """The union, one part per way of reaching windows, of the records joined to the
    asks that accept them and to those asks' windows."""
    pa = query._pa
    text, instant = pa.string(), pa.timestamp("us", tz="UTC")
    p = query._table(
        {
            "p_n": [a[0] for a in accepted],
            "p_type": [a[1] for a in accepted],
            "p_attrs": [a[2] for a in accepted],
            "p_role": [a[3] for a in accepted],
        },
        {"p_n": pa.int64(), "p_type": text, "p_attrs": text, "p_role": text},
    )
    starts = [w[3] for _, ask in asked for w in ask.windows]
    ends = [w[4] for _, ask in asked for w in ask.windows]
    t = query.records.table
    t = t.filter(t.at >= _utc(min(starts)), t.at < _utc(max(ends)), t.at <= _utc(as_of))
    t = t.join(
        p,
        [t.type == p.p_type, t.attrs == p.p_attrs, p.p_role.isnull() | (t.role == p.p_role)],
    )
    parts = []
    for way in ("unit", "person", "any", "at", "none"):
        mine = [(n, ask) for n, ask in asked if ask.way == way]
        if not mine:
            continue
        rows = [(n, *w, ask.scope_is) for n, ask in mine for w in ask.windows]
        ws = query._table(
            {
                "w_n": [r[0] for r in rows],
                "w": [r[1] for r in rows],
                "w_unit": [r[2] for r in rows],
                "w_person": [r[3] for r in rows],
                "w_start": [_utc(r[4]) for r in rows],
                "w_end": [_utc(r[5]) for r in rows],
                "w_scope": [None if r[6] is None else r[6][0] for r in rows],
            },
            {
                "w_n": pa.int64(),
                "w": pa.int64(),
                "w_unit": text,
                "w_person": text,
                "w_start": instant,
                "w_end": instant,
                "w_scope": text,
            },
        )
        s = t
        on = [s.p_n == ws.w_n, s.at >= ws.w_start, s.at < ws.w_end]
        if way == "unit":
            m = query._units
            s = s.join(m, s.scope == m.m_scope)
            on = [s.p_n == ws.w_n, s.m_unit == ws.w_unit, s.at >= ws.w_start, s.at < ws.w_end]
        elif way == "person":
            on.append(s.person == ws.w_person)
        elif way == "at":
            on.append(s.scope == ws.w_scope)
        elif way == "none":
            s = s.filter(s.scope.isnull())
        joined = s.join(ws, on)
        parts.append(joined.select(*_ROW, n=joined.p_n, w=joined.w))
    return parts[0] if len(parts) == 1 else query.ibis.union(*parts, distinct=False)
