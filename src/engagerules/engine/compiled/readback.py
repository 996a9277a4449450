"""The few records a compiled check still needs as Python events, read back by query: the
records of the duties left to the reference, those that may repeat another, and the odd
unmatched record whose reason is the record's own (`account.py`).

A check over an ingested file reads it back through the reader's checks against the force
as it is now (`read_parquet`): an event type or unit no longer declared, an attribute its
declaration now refuses, an id used twice. Whether any such record is there is asked of the
whole table here (`as_read`), so that the compiled check may skip reading it; when one is,
the check reads every record in Python as before, and the rejections are the reader's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from engagerules.engine.compiled.query import Query, _aware
from engagerules.engine.index import repeats
from engagerules.model.event import Event
from engagerules.model.plan import Force

__all__ = ["COLUMNS", "MORE", "as_read", "events", "made", "repeated"]

#: The columns a record is rebuilt from (`seq`: its place in the log as read).
COLUMNS = ("seq", "id", "type", "at", "scope", "role", "person", "refs", "attrs")
MORE = ("all_day", "file", "line")


def as_read(query: Query, count: int) -> bool:
    """Whether the records are `count` rows in log order that the reader, with the force as
    it is now, would keep as they are: declared types and units, each id once, and every
    distinct set of attributes accepted by its type's declarations."""
    if not query.records.ordered:
        return False
    force: Force = query.force
    t = query.records.table
    facts = query._run(
        t.aggregate(
            rows=t.count(),
            ids=t.id.nunique(),
        )
    )
    if facts["rows"][0] != count or facts["ids"][0] != count:
        return False
    types = {e.id for e in force.event_types}
    units = {u.id for u in force.units}
    scopes = query._run(t.select("scope").distinct())["scope"]
    if any(s is not None and s not in units for s in scopes):
        return False
    pairs = query.pairs()
    return all(k in types and query.values.event(k, a) is not None for k, a in pairs)


def events(query: Query, expr: Any) -> list[Event]:
    """The records `expr` selects (the ingest layout's columns) as the reader's events, in
    log order; their places are remembered in `query.position`."""
    return made(query, query._run(expr.select(*COLUMNS, *MORE)))


def made(query: Query, rows: dict[str, list[Any]]) -> list[Event]:
    """The rows of a query that returned the `COLUMNS` and `MORE` of the ingest layout
    (and may return more) as the reader's events, in log order; their places are
    remembered in `query.position`."""
    found: list[tuple[int, Event]] = []
    values = query.values
    replace = msgspec.structs.replace
    for seq, i, kind, at, scope, role, person, refs, text, all_day, file, line in zip(
        *(rows[c] for c in (*COLUMNS, *MORE)), strict=True
    ):
        stand_in = values.event(kind, text)
        if stand_in is None:  # `as_read` saw to it that none is
            continue
        made = replace(
            stand_in,
            id=i,
            at=_aware(at),
            scope=scope,
            role=role,
            person=person,
            refs=tuple(refs or ()),
            all_day=all_day,
            file=file,
            line=line,
        )
        found.append((seq, made))
    found.sort(key=lambda pair: pair[0])
    query.position.update((e.id, seq) for seq, e in found)
    return [e for _, e in found]


def of_types(query: Query, types: Sequence[str]) -> list[Event]:
    """Every record of `types`, as events in log order."""
    if not types:
        return []
    t = query.records.table
    return events(query, t.filter(t.type.isin(sorted(set(types)))))


def repeated(query: Query) -> tuple[dict[str, str], list[Event]]:
    """Each repeat's id -> the id of the record it repeats (`engine.index.repeats`), asked
    only of the records sharing an instant, type, unit, role and person with another; and
    the repeats as events."""
    t = query.records.table
    ibis = query.ibis
    same = ibis.window(group_by=[t.at, t.type, t.scope, t.role, t.person])
    t = t.mutate(shared=t.id.count().over(same))
    found = events(query, t.filter(t.shared > 1).drop("shared"))
    if not found:
        return {}, []
    ordered = sorted(found, key=lambda e: e.id)
    ordered.sort(key=lambda e: e.at)
    found_repeats = repeats(ordered, found, query.force)
    return found_repeats, [e for e in found if e.id in found_repeats]
