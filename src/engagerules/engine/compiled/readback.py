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

from collections.abc import Collection, Sequence
from functools import cache
from itertools import pairwise
from typing import Any

import msgspec

from engagerules.engine.compiled.query import Query, _aware, _columns, _listed
from engagerules.engine.compiled.source import ibis_module
from engagerules.engine.index import repeats
from engagerules.model.event import Event
from engagerules.model.plan import Force
from engagerules.sources.vouched import COLUMNS, MORE, Found

__all__ = ["BY_VALUE", "COLUMNS", "MORE", "as_read", "events", "made", "repeated"]

#: At most this many instants where records may repeat are read back by value, so that a
#: file's statistics skip the parts holding none of them (each value costs its compiling,
#: 0.2 ms); more, by a semi-join with a table of them.
BY_VALUE = 1_000


def as_read(query: Query, count: int, found: Found | None = None) -> bool:
    """Whether the records are `count` rows in log order that the reader, with the force as
    it is now, would keep as they are: declared types and units, each id once, and every
    distinct set of attributes accepted by its type's declarations. How many rows and
    whether each id is once are what ingest `found`, where it vouches for the rows; else
    asked, with whether each `seq` is its record's place, 0 to `count` - 1 each once (as
    the reader reads a file back: a place written twice, or below 0, it refuses, and the
    check would mark a record used by place that was not)."""
    if not query.records.ordered:
        return False
    force: Force = query.force
    t = query.records.table
    if found is not None and found.ids_once:
        if found.rows != count:
            return False
    else:
        if query._run(t.aggregate(rows=t.count()))["rows"][0] != count:
            return False
        # each id once (none null): asked alone, as the row count is (which DuckDB takes
        # from the file's metadata), it costs less than with it
        if query._run(t.aggregate(ids=t.id.nunique()))["ids"][0] != count:
            return False
        if count and _places(query) != (count, 0, count - 1):
            return False
    types = {e.id for e in force.event_types}
    units = {u.id for u in force.units}
    # the distinct units and (type, attrs) pairs, where ingest kept them, are the rows'
    if found is not None and found.scopes is not None:
        scopes: Collection[str | None] = found.scopes
    else:
        scopes = query._run(t.select("scope").distinct())["scope"]
    if any(s is not None and s not in units for s in scopes):
        return False
    if found is not None and found.pairs is not None:
        query.known_pairs(found.pairs)
    pairs = query.pairs()
    return all(k in types and query.values.event(k, a) is not None for k, a in pairs)


def _places(query: Query) -> tuple[int, int, int]:
    """How many distinct places (`seq`) the records have, the lowest and the highest (of
    records there are: a backend may refuse a null minimum of a column without nulls)."""
    t = query.records.table
    row = query._run(t.aggregate(n=t.seq.nunique(), low=t.seq.min(), high=t.seq.max()))
    return row["n"][0], row["low"][0], row["high"][0]


def events(query: Query, expr: Any) -> list[Event]:
    """The records `expr` selects (the ingest layout's columns) as the reader's events, in
    log order; their places are remembered in `query.position`."""
    table = query._arrow(expr.select(*COLUMNS, *MORE)).sort_by("seq")
    return made(query, _columns(table))


def made(query: Query, rows: dict[str, list[Any]]) -> list[Event]:
    """The rows of a query that returned the `COLUMNS` and `MORE` of the ingest layout
    (and may return more) as the reader's events, in log order (rows in it, as `events`
    sorts them, are put in it in one pass); their places are remembered in
    `query.position`."""
    found: list[Event] = []
    places: list[int] = []
    values = query.values
    replace = msgspec.structs.replace
    for seq, i, kind, at, scope, role, person, refs, text, all_day, file, line in zip(
        *(rows[c] for c in (*COLUMNS, *MORE)), strict=True
    ):
        stand_in = values.event(kind, text)
        if stand_in is None:  # `as_read` saw to it that none is
            continue
        found.append(
            replace(
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
        )
        places.append(seq)
    if any(a > b for a, b in pairwise(places)):
        order = sorted(range(len(places)), key=places.__getitem__)
        found, places = [found[k] for k in order], [places[k] for k in order]
    query.position.update(zip((e.id for e in found), places, strict=True))
    return found


def of_types(query: Query, types: Sequence[str]) -> list[Event]:
    """Every record of `types`, as events in log order."""
    if not types:
        return []
    t = query.records.table
    return events(query, t.filter(t.type.isin(sorted(set(types)))))


def repeated(query: Query, found: Found | None = None) -> tuple[dict[str, str], list[Event]]:
    """Each repeat's id -> the id of the record it repeats (`engine.index.repeats`), asked
    only of the records at an instant where two share a type, unit, role and person; and
    the repeats as events.

    Those instants are found by grouping on the instant and the four columns (nulls group
    together, as `repeats` compares them) and read back whole, so that every group the
    rule looks at is whole; `repeats` then decides in Python. Grouping costs a hash table
    of every record where a window kept every record's columns (10M Gwent events: 5.4 s
    CPU); on DuckDB the four columns are grouped by their hash (strings in the table cost
    three times as much), which may put two groups together but never splits one: more
    instants read back, the same repeats found. Where ingest `found` the records sharing
    an instant and who made it, those are the records read (`sources.vouched`)."""
    if found is not None and found.sharing is not None:
        shared = found.sharing
        return _repeats(
            query, made(query, {c: _listed(shared.column(c)) for c in (*COLUMNS, *MORE)})
        )
    t = query.records.table
    if query.records.connection.name == "duckdb":
        keys = [t.at, _duckdb_hash()(t.type, t.scope, t.role, t.person).name("who")]
    else:
        keys = [t.at, t.type, t.scope, t.role, t.person]
    shared = t.group_by(keys).having(t.count() > 1).aggregate().select("at").distinct()
    instants = query._run(shared)["at"]
    if not instants:
        return {}, []
    wanted: Any = instants
    if len(instants) > BY_VALUE:
        kind = query._pa.timestamp("us", tz="UTC")
        wanted = query._table({"at": instants}, {"at": kind}).at
    return _repeats(query, events(query, t.filter(t.at.isin(wanted))))


def _repeats(query: Query, read: list[Event]) -> tuple[dict[str, str], list[Event]]:
    """`repeated`, of the records read back (in log order) that may repeat another."""
    ordered = sorted(read, key=lambda e: e.id)
    ordered.sort(key=lambda e: e.at)
    found = repeats(ordered, read, query.force)
    return found, [e for e in read if e.id in found]


@cache
def _duckdb_hash() -> Any:
    """DuckDB's `hash` of four strings (nulls too), one 64-bit value: Ibis's own hashes one
    column, through a bit-string cast that costs more than the hash."""
    ibis = ibis_module()

    def hashed(a: Any, b: Any, c: Any, d: Any) -> Any: ...

    return ibis.udf.scalar.builtin(hashed, name="hash", signature=(("string",) * 4, "uint64"))
