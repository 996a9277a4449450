"""The queries the compiled kinds share: records selected by type, instant, role and
accepted attributes, joined to the engine's windows by unit, person and instant.

Windows arrive as a table of UTC instants made by the engine; the query compares instants
and strings for equality only. Its rows come back unordered: the kinds put them in the
reference's order (time, then id) in Python, so no backend's collation decides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import msgspec

from engagerules.engine.compiled.source import Records, ibis_module
from engagerules.engine.compiled.values import Values
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Requirement

__all__ = ["Query", "WindowRow"]

#: One window of the engine's: (its number, unit or None, person or None, start, end).
WindowRow = tuple[int, str | None, str | None, datetime, datetime]


_ORDER = attrgetter("at", "id")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class Query:
    """The records of one check and what the compiled kinds ask of them."""

    def __init__(
        self, force: Force, records: Records, *, left_out: frozenset[str] = frozenset()
    ) -> None:
        self.force = force
        self.records = records
        #: The ids of repeats, which count once (the first read): never evidence. A repeat
        #: has its original's unit and person, so the units and people found stay the same.
        self.left_out = left_out
        self.values = Values(force)
        self.ibis = ibis_module()
        import pyarrow as pa

        self._pa = pa
        # unit -> every unit it counts in (itself and those enclosing it), as the index files it
        pairs = [(u.id, a) for u in force.units for a in force.ancestry(u.id)]
        self._units = self._table(
            {"m_scope": [p[0] for p in pairs], "m_unit": [p[1] for p in pairs]},
            {"m_scope": pa.string(), "m_unit": pa.string()},
        )

    def _table(self, columns: dict[str, list[Any]], types: dict[str, Any]) -> Any:
        pa = self._pa
        arrow = pa.table({k: pa.array(v, type=types[k]) for k, v in columns.items()})
        return self.ibis.memtable(arrow)

    def _run(self, expr: Any) -> dict[str, list[Any]]:
        table = self.records.connection.to_pyarrow(expr)
        result: dict[str, list[Any]] = table.to_pydict()
        return result

    def _of(self, types: Sequence[str], start: datetime, end: datetime, as_of: datetime) -> Any:
        t = self.records.table
        return t.filter(
            t.type.isin(list(types)), t.at >= _utc(start), t.at < _utc(end), t.at <= _utc(as_of)
        )

    def persons(
        self, requirements: Sequence[Requirement], span: Window, as_of: datetime
    ) -> tuple[str, ...]:
        """People seen doing any requirement's types in a role it accepts in `span` (known
        at `as_of`), as the reference's `persons_owing` finds them without a roster."""
        found: set[str] = set()
        for req in requirements:
            t = self._of(req.types, span.start, span.end, as_of)
            t = t.filter(t.person.notnull(), t.person != "")
            if req.roles:
                t = t.filter(t.role.isin(list(req.roles)))
            found.update(self._run(t.select("person").distinct())["person"])
        return tuple(sorted(found))

    def evidence(
        self,
        req: Requirement,
        windows: Sequence[WindowRow],
        as_of: datetime,
        *,
        by_unit: bool,
        by_person: bool,
        scope_is: tuple[str | None] | None = None,
    ) -> list[tuple[int, str, datetime, str, str, int]]:
        """(window, id, at, type, attrs, line) of each record `req` accepts inside each
        window; with `scope_is`, only records whose own unit is that one (None: no unit)."""
        pa = self._pa
        start = min(w[3] for w in windows)
        end = max(w[4] for w in windows)
        t = self._of(req.types, start, end, as_of)
        if req.roles:
            t = t.filter(t.role.isin(list(req.roles)))
        if scope_is is not None:
            t = t.filter(t.scope.isnull() if scope_is[0] is None else t.scope == scope_is[0])
        if req.where:
            t = self._accepted(req, t)
            if t is None:
                return []
        ws = self._table(
            {
                "w": [w[0] for w in windows],
                "w_unit": [w[1] for w in windows],
                "w_person": [w[2] for w in windows],
                "w_start": [_utc(w[3]) for w in windows],
                "w_end": [_utc(w[4]) for w in windows],
            },
            {
                "w": pa.int64(),
                "w_unit": pa.string(),
                "w_person": pa.string(),
                "w_start": pa.timestamp("us", tz="UTC"),
                "w_end": pa.timestamp("us", tz="UTC"),
            },
        )
        if by_unit:
            t = t.join(self._units, t.scope == self._units.m_scope)
            on = [t.m_unit == ws.w_unit]
        elif by_person:
            on = [t.person == ws.w_person]
        else:
            on = []
        joined = t.join(ws, [*on, t.at >= ws.w_start, t.at < ws.w_end])
        rows = self._run(joined.select("w", "id", "at", "type", "attrs", "line"))
        return [
            (w, i, at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC), k, a, n)
            for w, i, at, k, a, n in zip(
                rows["w"],
                rows["id"],
                rows["at"],
                rows["type"],
                rows["attrs"],
                rows["line"],
                strict=True,
            )
            if i not in self.left_out
        ]

    def scopes(self, types: Sequence[str], req: Requirement, as_of: datetime) -> list[str | None]:
        """The units (None: no unit) of the records of any time up to `as_of` that `req`
        accepts."""
        t = self.records.table
        t = t.filter(t.type.isin(list(types)), t.at <= _utc(as_of))
        if req.roles:
            t = t.filter(t.role.isin(list(req.roles)))
        if req.where:
            t = self._accepted(req, t)
            if t is None:
                return []
        found: list[str | None] = self._run(t.select("scope").distinct())["scope"]
        return found

    def grouped(
        self, rows: Sequence[tuple[int, str, datetime, str, str, int]]
    ) -> dict[int, list[Event]]:
        """Rows by window, as stand-in events (the reader's attributes, the record's id,
        instant and line), each once, in the reference's order: time, then id. A record
        whose attributes the reader would reject is never evidence."""
        found: dict[int, dict[str, Event]] = {}
        for w, event_id, at, kind, text, line in rows:
            stand_in = self.values.event(kind, text)
            if stand_in is not None:
                made = msgspec.structs.replace(stand_in, id=event_id, at=at, line=line)
                found.setdefault(w, {})[event_id] = made
        return {w: sorted(got.values(), key=_ORDER) for w, got in found.items()}

    def _accepted(self, req: Requirement, t: Any) -> Any:
        """`t` kept to the records whose attributes meet `req`'s conditions, judged once per
        distinct set by the reference (`values.py`); None when no set does."""
        pairs = self._run(t.select("type", "attrs").distinct())
        ok = [
            (k, a)
            for k, a in zip(pairs["type"], pairs["attrs"], strict=True)
            if self.values.accepts(req, k, a)
        ]
        if not ok:
            return None
        pa = self._pa
        accepted = self._table(
            {"a_type": [k for k, _ in ok], "a_attrs": [a for _, a in ok]},
            {"a_type": pa.string(), "a_attrs": pa.string()},
        )
        joined = t.join(accepted, [t.type == accepted.a_type, t.attrs == accepted.a_attrs])
        return joined.select(*t.columns)
