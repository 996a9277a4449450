"""The queries the compiled kinds share: records selected by type, instant, role and
accepted attributes, joined to the engine's windows by unit, person and instant.

Windows arrive as a table of UTC instants made by the engine; the query compares instants
and strings for equality only. Its rows come back unordered: the kinds put them in the
reference's order (time, then id) in Python, so no backend's collation decides it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import attrs
import msgspec

from engagerules.engine.compiled.evidence import Ask, Found, WindowRow, answer
from engagerules.engine.compiled.source import Records, ibis_module
from engagerules.engine.compiled.values import Values
from engagerules.errors import EventError
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Obligation, Operator, Requirement
from engagerules.sources.vouched import Fact

__all__ = [
    "Accepted",
    "Ask",
    "Found",
    "LineAsk",
    "LineRow",
    "Query",
    "SequenceAsk",
    "SequenceRow",
    "SpellAsk",
    "SpellRow",
    "WindowRow",
]

#: One record of a line of updates: (id, at, the instant of the one before it or None,
#: type, attrs, line).
LineRow = tuple[str, datetime, datetime | None, str, str, int]

#: One spell of assignment (or one clearing record): (id, at, when it ended or None, type,
#: attrs, line, (role, person)).
SpellRow = tuple[str, datetime, datetime | None, str, str, int, tuple[str | None, str | None]]

#: One record of a sequence rule's line: (the line: its unit or place, None for no unit or
#: force-wide; id, at, scope, role, person, type, attrs, line).
SequenceRow = tuple[str | None, str, datetime, str | None, str | None, str | None, str, str, int]

#: The columns of a `SequenceRow`, as `Query.sequence_rows` gives them.
_SEQUENCE = ["key", "id", "at", "scope", "role", "person", "type", "attrs", "line"]

#: A record's unit where it has none, for a join (no unit, role or JSON is this); and what
#: every record with a unit reaches (so a force-wide line takes each record once).
_NO_UNIT, _ANY_UNIT = "\x01none", "\x01any"

#: The parts of the one pass over the records (`_pass`): lines of updates, spells of
#: assignment, a sequence rule's lines, and the records naming others (their refs).
_IN_LINE, _IN_SPELL, _IN_SEQUENCE, _NAMING = 0, 1, 2, 3


@attrs.frozen
class LineAsk:
    """One line of updates `lines` finds: the records any of `reqs` accepts, per unit of
    `units` (force-wide: `(None,)`), from the last at or before `start`, before `limit`,
    made at or after `since`."""

    reqs: tuple[Requirement, ...]
    units: tuple[str | None, ...]
    start: datetime
    limit: datetime
    since: datetime | None = None

    @property
    def by_unit(self) -> bool:
        """Whether the records are keyed by unit (else every record is the one line)."""
        return any(unit is not None for unit in self.units)


@attrs.frozen
class SpellAsk:
    """One coverage lookup `spells` answers: the assignments any of `reqs` accepts and the
    records of `clears` types ending them, per unit of `units` (force-wide: `(None,)`),
    before `horizon`, reaching past `start`."""

    reqs: tuple[Requirement, ...]
    clears: tuple[str, ...]
    units: tuple[str | None, ...]
    start: datetime
    horizon: datetime


@attrs.frozen
class SequenceAsk:
    """The lines a sequence rule compares (`kinds/sequence.py`): the records any of `reqs`
    accepts, per unit of `units` and per place above them of `places` (records exactly
    there), and those with no unit; force-wide (`by_unit` false), one line of every
    record; from the last before `start` to the first at or after `end`."""

    reqs: tuple[Requirement, ...]
    units: tuple[str, ...]
    places: tuple[str, ...]
    start: datetime
    end: datetime
    by_unit: bool


#: One line of one ask of the one pass: (part, ask, what a record reaches, the line it is
#: in, whether only records exactly there, start, stop, since).
_LineKey = tuple[int, int, str, str | None, bool, datetime, datetime, datetime | None]


@attrs.define
class _Pending:
    """The asks of one instant judged not yet answered, for one pass over the records."""

    lines: dict[LineAsk, None] = attrs.Factory(dict)
    spells: dict[SpellAsk, None] = attrs.Factory(dict)
    sequences: dict[SequenceAsk, None] = attrs.Factory(dict)
    naming: set[str] = attrs.Factory(set)


#: One accepted `(type, attrs)` of a group of requirements, with a role it accepts (None: any):
#: (group, type, attrs, role).
Accepted = tuple[int, str, str, str | None]

_SPELL = ("key", "id", "at", "type", "attrs", "line", "role", "person")

#: What `spells` finds: the spells per unit, and the clearing records that ended one.
_Spells = tuple[dict[str | None, list[SpellRow]], dict[str | None, list[SpellRow]]]

_ORDER = attrgetter("at", "id")

#: The instant an Arrow timestamp counts from.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _by_type(pairs: Iterable[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """`(type, attrs)` pairs by their type, as `Query.pairs` hands them out."""
    found: dict[str, list[tuple[str, str]]] = {}
    for kind, text in pairs:
        found.setdefault(kind, []).append((kind, text))
    return found


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    """An instant a backend returned, as an aware UTC datetime (some drop the zone)."""
    if moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _part(table: Any, part: int, names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of one part of the one pass (`Query._pass`), in the query's order, as
    tuples of the columns named (instants as UTC datetimes): each part lists only the
    columns it reads."""
    if table is None:
        return iter(())
    kept = _kept(table, part)
    return zip(*(_instants(kept.column(c)) for c in names), strict=True)


def _kept(table: Any, part: int) -> Any:
    """The rows of one part of the one pass (`Query._pass`), as Arrow."""
    return table.filter(_equal(table.column("part"), part))


def _equal(column: Any, value: int) -> Any:
    import pyarrow.compute as pc

    return pc.equal(column, value)


def _not_in(column: Any, values: Iterable[str]) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.invert(pc.is_in(column, value_set=pa.array(sorted(values), pa.string())))


def _instants(column: Any) -> list[Any]:
    """`_listed(column)`, instants as aware UTC datetimes (as `_listed` makes those of a
    timestamp column without nulls, in bulk)."""
    import pyarrow as pa

    values = _listed(column)
    if not pa.types.is_timestamp(column.type) or (not column.null_count and len(column)):
        return values
    return [None if v is None else _aware(v) for v in values]


def _reaches(units: Sequence[str | None]) -> list[tuple[str, str]]:
    """(what a record reaches, the line it is in) of an ask keyed by `units`: each unit of
    them; force-wide (`(None,)`), every record, with a unit or not, in the line "" ."""
    if any(unit is not None for unit in units):
        return [(unit, unit) for unit in units if unit is not None]
    return [(_ANY_UNIT, ""), (_NO_UNIT, "")]


#: The columns of the records `_shared` finds: as read, or with the number of their facts
#: in place of their unit, role, type and attributes (`_facts_listed` puts them back).
_LISTED: tuple[str, ...] = ("id", "at", "prev", "scope", "role", "person", "type", "attrs")
_LISTED += ("line", "first", "part", "n", "key")
_BY_NUMBER = ("id", "at", "prev", "person", "facts", "line", "first", "part", "n", "key")
#: The columns a number of the facts stands for, with where each is in a `Fact`.
_OF_FACTS = {"type": 0, "attrs": 1, "scope": 2, "role": 3}


def _facts_listed(table: Any, facts: Sequence[Fact], where: str) -> Any:
    """`table` with the unit, role, type and attributes of each row's number of its facts
    in place of the number (`facts`), by Arrow, as the query would have read them."""
    import pyarrow as pa

    numbers = table.column("facts")
    _numbered(numbers, facts, where)
    for name, place in _OF_FACTS.items():
        values = pa.array([fact[place] for fact in facts], pa.string())
        table = table.append_column(name, values.take(numbers))
    return table.drop_columns(["facts"])


def _numbered(numbers: Any, facts: Sequence[Fact], where: str) -> None:
    """An `EventError` naming the records' file unless every one of `numbers` (an Arrow
    column) is one the footer says the facts of: the footer is vouched for by the rows'
    CRC-32, not by its own, so a footer edited by hand is a located error, not a crash."""
    import pyarrow.compute as pc

    low, high = pc.min_max(numbers).values()
    if low.is_valid and not (low.as_py() >= 0 and high.as_py() < len(facts)):
        msg = f"{where}: a record's facts number is not one its footer lists (not as written)"
        raise EventError(msg)


def _columns(table: Any) -> dict[str, list[Any]]:
    """An Arrow table's columns as Python values (`_listed`), by name."""
    return {name: _listed(table.column(name)) for name in table.column_names}


def _listed(column: Any) -> list[Any]:
    """A result column as Python values; integers (without nulls) by NumPy, and instants
    (without nulls) as UTC datetimes made in bulk: NumPy makes each its offset from the
    epoch (a `timedelta`, in C) and one addition each makes the instant, a thirtieth of
    the time Arrow takes to give each its `ZoneInfo` and a third of pandas' (which is
    then never imported: 0.27 s). A backend's naive instants are UTC (the sessions are
    pinned to it)."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_integer(kind) and not column.null_count:  # by NumPy: a third of the time
        numbers: list[Any] = column.to_numpy().tolist()
        return numbers
    if not pa.types.is_timestamp(kind) or column.null_count or not len(column):
        found: list[Any] = column.to_pylist()
        return found
    ticks = column.cast(pa.int64()).to_numpy().astype(f"timedelta64[{kind.unit}]")
    offsets = ticks.astype("timedelta64[us]").tolist()  # datetime's own resolution
    return list(map(_EPOCH.__add__, offsets))


def per_unit_by_value(obligation: Obligation) -> bool:
    """Whether a duty's windows are per unit or force-wide (no person, no roster) and its
    evidence is chosen by value tests alone (no sequence): what the gap, figure and
    in-place kinds compile; the reference judges the rest."""
    return (
        not obligation.scope.per_person
        and obligation.scope.roster is None
        and all(
            c.op is not Operator.DIFFERS_FROM_PREVIOUS
            for req in obligation.evidence
            for c in req.where
        )
    )


class Query:
    """The records of one check and what the compiled kinds ask of them."""

    def __init__(
        self, force: Force, records: Records, *, repeated: Mapping[str, str] | None = None
    ) -> None:
        self.force = force
        self.records = records
        #: Each repeat's id -> the id of the record it repeats (`engine.index.repeats`): a
        #: follow-up naming the copy follows up the original, as the reference's index has it.
        self.repeated: Mapping[str, str] = repeated or {}
        #: Each record's place in the log as read (its id -> position): where the reference
        #: takes records in log order (a trigger's follow-ups), rows are put back in it.
        self.position: dict[str, int] = {}
        left_out = frozenset(self.repeated)
        #: The ids of repeats, which count once (the first read): never evidence. A repeat
        #: has its original's unit and person, so the units and people found stay the same.
        self.left_out = left_out
        self.values = Values(force)
        self._pairs: dict[str, list[tuple[str, str]]] | None = None
        #: Each line of updates prefetched (with the instant judged), until used.
        self._lines: dict[tuple[LineAsk, datetime], dict[str | None, list[LineRow]]] = {}
        #: Each coverage lookup prefetched (with the instant judged), until used.
        self._spells: dict[tuple[SpellAsk, datetime], _Spells] = {}
        #: Each sequence rule's lines found (with the instant judged), until used.
        self._sequences: dict[tuple[SequenceAsk, datetime], Any] = {}
        #: Per instant judged: the types whose records naming others were found, and the
        #: refs of each such record.
        self._naming: dict[datetime, tuple[frozenset[str], dict[str, tuple[str, ...]]]] = {}
        #: Per instant judged, the asks of lines, spells, sequences and names not yet
        #: answered: all answered by one pass over the records when the first is wanted.
        self._pending: dict[datetime, _Pending] = {}
        #: Each evidence lookup answered (with the instant judged): what it found, and the
        #: ids left out then, kept until asked for as many times as it was prefetched
        #: (`_wanted`).
        self._answers: dict[tuple[Ask, datetime], tuple[Found, frozenset[str]]] = {}
        self._wanted: Counter[tuple[Ask, datetime]] = Counter()
        #: What each number of the records' `facts` column stands for, where a file's
        #: footer vouched for says (`sources.vouched.Facts`): then a query joins and
        #: groups by that number rather than by the columns it stands for.
        self.facts: Sequence[Fact] | None = None
        #: Where the check's accounting asks where the records live (`QueryAccount`), the
        #: places in the log (NumPy arrays) of the records the compiled duties used that
        #: are not in their outcomes' ids (`evidence.used`); None: every one is there.
        self.placed: list[Any] | None = None
        #: Where `placed` is kept, the ids and places of the records the one pass and the
        #: spells' queries found (Arrow tables, `_noted`), by which the accounting finds
        #: the places of the records used whose ids the outcomes give.
        self.passed: list[Any] = []
        self.ibis = ibis_module()
        import pyarrow as pa

        self._pa = pa
        # unit -> every unit it counts in (itself and those enclosing it), as the index files it
        pairs = [(u.id, a) for u in force.units for a in force.ancestry(u.id)]
        self._units = self._table(
            {"m_scope": [p[0] for p in pairs], "m_unit": [p[1] for p in pairs]},
            {"m_scope": pa.string(), "m_unit": pa.string()},
        )
        # the same, and every record (`_NO_UNIT`: none) in "" too, where force-wide asks look
        pairs += [(u.id, "") for u in force.units] + [(_NO_UNIT, "")]
        self._every_unit = self._table(
            {"m_scope": [p[0] for p in pairs], "m_unit": [p[1] for p in pairs]},
            {"m_scope": pa.string(), "m_unit": pa.string()},
        )

    def _table(self, columns: dict[str, list[Any]], types: dict[str, Any]) -> Any:
        pa = self._pa
        arrow = pa.table({k: pa.array(v, type=types[k]) for k, v in columns.items()})
        return self.ibis.memtable(arrow)

    def _of_rows(
        self, names: Sequence[str], kinds: Sequence[Any], rows: Sequence[Sequence[Any]]
    ) -> Any:
        """A table of `rows` (tuples), its columns `names` of the Arrow types `kinds`."""
        return self._table(
            {name: [row[i] for row in rows] for i, name in enumerate(names)},
            dict(zip(names, kinds, strict=True)),
        )

    def _run(self, expr: Any, *, noted: bool = False) -> dict[str, list[Any]]:
        """The rows of `expr` as Python values, by column; `noted`: their ids and places
        noted first (`_noted`)."""
        table = self._arrow(expr)
        if noted:
            self._noted(table)
        return _columns(table)

    def _arrow(self, expr: Any) -> Any:
        """The rows of `expr` as an Arrow table (for what is done to them in bulk first)."""
        return self.records.connection.to_pyarrow(expr)

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

    def pairs(self, types: Sequence[str] | None = None) -> list[tuple[str, str]]:
        """The distinct `(type, attrs)` of the records (of `types`), found by one query per
        check (or given, `known_pairs`): what a condition, a sum or the reader makes of a
        record is decided once per pair (`values.py`), never by a backend."""
        if self._pairs is None:
            rows = self._run(self.records.table.select("type", "attrs").distinct())
            self._pairs = _by_type(zip(rows["type"], rows["attrs"], strict=True))
        if types is None:
            return [pair for pairs in self._pairs.values() for pair in pairs]
        return [pair for kind in dict.fromkeys(types) for pair in self._pairs.get(kind, ())]

    @functools.cached_property
    def facts_of_pairs(self) -> dict[tuple[str, str], list[tuple[int, str | None, str | None]]]:
        """Per `(type, attrs)`, the numbers of the records' facts of it (`facts`), each with
        its unit and role."""
        found: dict[tuple[str, str], list[tuple[int, str | None, str | None]]] = {}
        for n, (kind, text, scope, role, *_) in enumerate(self.facts or ()):
            found.setdefault((kind, text), []).append((n, scope, role))
        return found

    def facts_accepted(self, accepted: Sequence[Accepted], types: Set[str]) -> list[int]:
        """The numbers of the records' facts (`facts`) of `types` that `accepted` accept."""
        of_pair = self.facts_of_pairs
        return sorted(
            {
                fact
                for _, kind, text, role in accepted
                if kind in types
                for fact, _, their_role in of_pair.get((kind, text), ())
                if role is None or role == their_role
            }
        )

    def facts_table(self, numbers: Sequence[int], prefix: str) -> Any:
        """The numbers of facts (`facts`) as a table, each with its type and unit (columns
        `{prefix}_facts`, `_type`, `_scope`)."""
        pa, facts = self._pa, self.facts or ()
        return self._of_rows(
            [f"{prefix}_{c}" for c in ("facts", "type", "scope")],
            (pa.int32(), pa.string(), pa.string()),
            [(n, facts[n][0], facts[n][2]) for n in numbers],
        )

    def rows(self, expr: Any, names: Sequence[str]) -> dict[str, list[Any]]:
        """The columns `names` of the rows of `expr` (records of the ingest layout), as
        Python values: where the records' facts are numbered, their type, attributes, unit
        and role are their number's (`facts`), not read."""
        if self.facts is None or not _OF_FACTS.keys() & set(names):
            return self._run(expr.select(*names))
        read = [name for name in names if name not in _OF_FACTS]
        table = self._arrow(expr.select(*read, "facts"))
        table = _facts_listed(table, self.facts, self.records.where)
        return {name: _listed(table.column(name)) for name in names}

    def known_pairs(self, pairs: Iterable[tuple[str, str]]) -> None:
        """The records' distinct `(type, attrs)`, where they are known without a query
        (what ingest found of a file's rows, `sources.vouched`)."""
        self._pairs = _by_type(pairs)

    def prefetch(self, asks: Sequence[Ask], as_of: datetime) -> None:
        """Answer many evidence lookups by one query, for `evidence` to hand back (each
        once per time it is asked here: then what it found is let go)."""
        wanted = [ask for ask in dict.fromkeys(asks) if (ask, as_of) not in self._answers]
        left_out = self.left_out
        for ask, found in zip(wanted, answer(self, wanted, as_of, left_out), strict=True):
            self._answers[(ask, as_of)] = (found, left_out)
        self._wanted.update((ask, as_of) for ask in asks)

    def evidence(
        self,
        req: Requirement,
        windows: Sequence[WindowRow],
        as_of: datetime,
        *,
        by_unit: bool,
        by_person: bool,
        scope_is: tuple[str | None] | None = None,
    ) -> Found:
        """Per window, the records `req` accepts inside it (`Found`); with `scope_is`, only
        records whose own unit is that one (None: no unit). Answered by `prefetch` when it
        was asked there, else by a query of its own."""
        ask = Ask(req, tuple(windows), by_unit=by_unit, by_person=by_person, scope_is=scope_is)
        return self.evidence_of(ask, as_of)

    def evidence_of(self, ask: Ask, as_of: datetime) -> Found:
        """What `ask` finds at `as_of` (`evidence`), the records this query leaves out left
        out (a copy leaving out more than the query that answered: those too)."""
        key = (ask, as_of)
        if key not in self._answers:
            self.prefetch([ask], as_of)
        found, without = self._answers[key]
        self._wanted[key] -= 1
        if self._wanted[key] <= 0:  # asked for as often as it was prefetched: let it go
            del self._answers[key], self._wanted[key]
        left_out = self.left_out
        if left_out is without:
            return found
        if not without <= left_out:  # answered leaving out what this query keeps
            return answer(self, [ask], as_of, left_out)[0]
        more = left_out - without
        if not more:
            return found
        kept = {w: rows.without(more) for w, rows in found.items()}
        return {w: rows for w, rows in kept.items() if rows}

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

    def stand_in(
        self,
        event_id: str,
        at: datetime,
        kind: str,
        text: str,
        line: int,
        who: tuple[str | None, str | None] = (None, None),
    ) -> Event | None:
        """A record as a stand-in event, with its role and person when `who` gives them
        (None where the reader rejects its attributes)."""
        stand_in = self.values.event(kind, text)
        if stand_in is None:
            return None
        role, person = who
        return msgspec.structs.replace(
            stand_in, id=event_id, at=at, line=line, role=role, person=person
        )

    def lines(
        self,
        reqs: Sequence[Requirement],
        units: Sequence[str | None],
        start: datetime,
        limit: datetime,
        as_of: datetime,
        since: datetime | None = None,
    ) -> dict[str | None, list[LineRow]]:
        """Per unit (None: force-wide), the records any of `reqs` accepts, known at `as_of`
        and made at or after `since` (when the duty came into force: an earlier record
        counts for nothing, so it is never the one a gap counts from):
        the last at or before `start` (with any at its instant) and those before `limit`,
        each with the instant of the record before it in its unit (`LAG(at)`, None for the
        first). A gap's length is the engine's to judge (calendar months, clock changes):
        the query only pairs each record with the one before it. Answered by the check's
        one pass over the records (`_pass`), with whatever else is asked by then."""
        key = (LineAsk(tuple(reqs), tuple(units), start, limit, since), as_of)
        if key not in self._lines:
            self._waiting(as_of).lines[key[0]] = None
            self._pass(as_of)
        return self._lines.pop(key)  # once used, let go

    def prefetch_lines(self, asks: Sequence[LineAsk], as_of: datetime) -> None:
        """Note many `lines` lookups, for the check's one pass over the records to answer."""
        self._waiting(as_of).lines.update((a, None) for a in asks if (a, as_of) not in self._lines)

    def expect_sequences(self, asks: Sequence[SequenceAsk], as_of: datetime) -> None:
        """Note sequence rules' lines (`sequence_rows`), for the check's one pass to answer."""
        found = self._sequences
        self._waiting(as_of).sequences.update((a, None) for a in asks if (a, as_of) not in found)

    def sequence_rows(self, ask: SequenceAsk, as_of: datetime) -> Any:
        """The records of a sequence rule's lines known at `as_of`, repeats left out: per
        line, those from the last instant before `ask.start` (all at that instant) to the
        first at or after `ask.end` (a sign that the line is there), unordered; an Arrow
        table of the columns of a `SequenceRow` (None: no record)."""
        key = (ask, as_of)
        if key not in self._sequences:
            self._waiting(as_of).sequences[ask] = None
            self._pass(as_of)
        return self._sequences.pop(key)  # once used, let go

    def expect_naming(self, types: Iterable[str], as_of: datetime) -> None:
        """Note that the refs of records of `types` will be asked (`naming`)."""
        known = self._naming.get(as_of, (frozenset(), {}))[0]
        self._waiting(as_of).naming.update(t for t in types if t not in known)

    def naming(self, types: Iterable[str], as_of: datetime) -> Mapping[str, tuple[str, ...]]:
        """Each record of `types` known at `as_of` that names others (its id -> its refs,
        as recorded), and maybe records of other types: found by the check's one pass."""
        wanted = frozenset(types)
        found = self._naming.get(as_of)
        if found is None or not wanted <= found[0]:
            self.expect_naming(wanted, as_of)
            self._pass(as_of)
            found = self._naming[as_of]
        return found[1]

    def _waiting(self, as_of: datetime) -> _Pending:
        return self._pending.setdefault(as_of, _Pending())

    def accepted(self, groups: Sequence[Sequence[Requirement]]) -> list[Accepted]:
        """(group, type, attrs, role) of every `(type, attrs)` a requirement of each group
        accepts (judged once per pair by the reference, `values.py`), with each role it
        accepts (None: any): what a query joins the records to, so that one scan answers
        many groups."""
        return [
            (n, kind, text, role)
            for n, reqs in enumerate(groups)
            for req in reqs
            for kind, text in self.pairs(req.types)
            if self.values.accepts(req, kind, text)
            for role in req.roles or (None,)
        ]

    def accepted_table(self, accepted: Sequence[Accepted], prefix: str) -> Any:
        """`accepted` as a table, its columns named `{prefix}_n`, `_type`, `_attrs`, `_role`."""
        pa = self._pa
        names = [f"{prefix}_{c}" for c in ("n", "type", "attrs", "role")]
        return self._table(
            {name: [a[i] for a in accepted] for i, name in enumerate(names)},
            dict(zip(names, (pa.int64(), pa.string(), pa.string(), pa.string()), strict=True)),
        )

    def _pass(self, as_of: datetime) -> None:
        """Answer every line, spell, sequence and naming ask waiting at `as_of` by one
        query: each of them reads most of the records' columns, so each query of its own
        scanned them all again (at 10M records, a second of decoding each)."""
        pending = self._pending.pop(as_of, _Pending())
        lines, spells = list(pending.lines), list(pending.spells)
        sequences, naming = list(pending.sequences), sorted(pending.naming)
        found_lines: list[dict[str | None, list[LineRow]]] = [{} for _ in lines]
        found_spells: list[dict[str | None, list[SpellRow]]] = [{} for _ in spells]
        found_sequences: list[Any] = [None for _ in sequences]
        refs: dict[str, tuple[str, ...]] = {}
        expr = self._shared(lines, spells, sequences, naming, as_of)
        table = None if expr is None else self._arrow(expr)
        if table is not None and self.facts is not None:
            table = _facts_listed(table, self.facts, self.records.where)
        if table is not None:
            self._noted(table)
        left_out = self.left_out
        # each part's rows apart, only the columns it reads listed (in the query's order)
        by_unit = [ask.by_unit for ask in lines]
        line_columns = ("n", "key", "id", "at", "prev", "first", "type", "attrs", "line")
        for n, key, i, at, prev, first, kind, text, line in _part(table, _IN_LINE, line_columns):
            # a repeat's gap from its original is nil: kept
            row = (i, at, None if first else prev, kind, text, line)
            found_lines[n].setdefault(key if by_unit[n] else None, []).append(row)
        # a repeat counts once (its first read): never a spell or in a sequence, and beside
        # its original (same instant, unit, role and details) it moved no window's bounds
        spell_columns = ("n", "key", "id", "at", "type", "attrs", "line", "role", "person")
        for n, key, i, at, kind, text, line, role, person in _part(table, _IN_SPELL, spell_columns):
            if i not in left_out:
                spell = (i, at, None, kind, text, line, (role, person))
                found_spells[n].setdefault(key or None, []).append(spell)
        # a sequence rule's records stay in Arrow: its lines are put in order and judged
        # in bulk (`kinds/sequence.py`), only the records a reason names made events
        if sequences and table is not None:
            rows = _kept(table, _IN_SEQUENCE).select([*_SEQUENCE, "n"])
            if left_out:
                rows = rows.filter(_not_in(rows.column("id"), left_out))
            number = rows.column("n")
            for n in range(len(sequences)):
                found_sequences[n] = rows.filter(_equal(number, n))
        for i, named in _part(table, _NAMING, ("id", "refs")):
            refs[i] = tuple(named)
        self._lines.update(((a, as_of), f) for a, f in zip(lines, found_lines, strict=True))
        self._spells.update(
            ((a, as_of), (f, {})) for a, f in zip(spells, found_spells, strict=True)
        )
        self._sequences.update(
            ((a, as_of), f) for a, f in zip(sequences, found_sequences, strict=True)
        )
        if naming or as_of not in self._naming:
            known, named_before = self._naming.get(as_of, (frozenset(), {}))
            self._naming[as_of] = (known | frozenset(naming), {**named_before, **refs})

    def _shared(
        self,
        lines: Sequence[LineAsk],
        spells: Sequence[SpellAsk],
        sequences: Sequence[SequenceAsk],
        naming: Sequence[str],
        as_of: datetime,
    ) -> Any:
        """The records every ask wants, by one scan (None when none is wanted): each
        record is joined to the asks accepting it (`part`, then `n` the ask, by its
        `(type, attrs, role)`), to the units it counts in, and to the lines of each ask
        (`key`) they reach; then one window per line finds what each part keeps of it.
        Lines of updates: from the last at or before the start, each with the instant of
        the one before it (`prev`). Spells (no clearing record ever ends one): all before
        the horizon. A sequence rule's lines: from the last instant before the start to
        the first at or after the end, repeats left out. Naming: every record naming
        others, with its `refs`."""
        accepted = [
            (part, *row)
            for part, asks in ((_IN_LINE, lines), (_IN_SPELL, spells), (_IN_SEQUENCE, sequences))
            for row in self.accepted([ask.reqs for ask in asks])
        ]
        accepted += [(_NAMING, 0, kind, text, None) for kind, text in self.pairs(naming)]
        if not accepted:
            return None
        # each record joins an ask once: a requirement accepting any role makes one
        # accepting a single role of the same (type, attrs) needless
        any_role = {row[:4] for row in accepted if row[4] is None}
        accepted = list(dict.fromkeys(r for r in accepted if r[4] is None or r[:4] not in any_role))
        # what each (type, attrs, role, unit) of a record is to every ask: its part, the ask,
        # the line it is in and the line's bounds (one join, so no record is multiplied by
        # the units it counts in before the few lines it is in are found)
        lines_of: dict[tuple[int, int], list[tuple[str, ...] | Any]] = {}
        for part, n, reach, key, exact, *bounds in self._line_keys(lines, spells, sequences, as_of):
            lines_of.setdefault((part, n), []).extend(
                (scope, key, *bounds) for scope in self._reached_by(reach, exact)
            )
        joined = [
            (*row[2:], *line, row[0], row[1]) for row in accepted for line in lines_of[row[:2]]
        ]
        if self.facts is not None:
            return self._shared_by_facts(joined, as_of)
        pa, ibis = self._pa, self.ibis
        text, number, instant = pa.string(), pa.int64(), pa.timestamp("us", tz="UTC")
        names = (
            "j_type",
            "j_attrs",
            "j_role",
            "j_scope",
            "key",
            "j_start",
            "j_stop",
            "j_since",
            "part",
            "n",
        )
        kinds = (text, text, text, text, text, instant, instant, instant, number, number)
        j = self._of_rows(names, kinds, joined)
        t = self.records.table
        t = t.filter(t.type.isin(sorted({row[2] for row in accepted})), t.at <= _utc(as_of))
        # of a type only naming reads, only a record naming others is wanted: the rest (at 10M
        # records, a million) left out before they are joined
        named = {row[2] for row in accepted if row[0] == _NAMING}
        named -= {row[2] for row in accepted if row[0] != _NAMING}
        if named:
            t = t.filter(~t.type.isin(sorted(named)) | (t.refs.length() > 0))
        t = t.join(
            j,
            [
                t.type == j.j_type,
                t.attrs == j.j_attrs,
                ibis.coalesce(t.scope, ibis.literal(_NO_UNIT)) == j.j_scope,
                j.j_role.isnull() | (t.role == j.j_role),
            ],
        )
        return self._in_lines(t, self._placed(_LISTED))

    def _placed(self, columns: tuple[str, ...]) -> tuple[str, ...]:
        """`columns`, and the records' places where the check marks the records used by
        place (`placed`)."""
        return columns if self.placed is None else (*columns, "seq")

    def _noted(self, table: Any) -> None:
        """The ids and places of `table` (a query's rows, with `_placed` columns) noted in
        `passed`, where the check marks the records used by place."""
        if self.placed is not None:
            self.passed.append(table.select(["id", "seq"]))

    def _shared_by_facts(self, joined: list[tuple[Any, ...]], as_of: datetime) -> Any:
        """`_shared`'s query where the records' facts are numbered (`facts`): each line's
        `(type, attrs, role, unit)` made the numbers of the facts it accepts (a record of a
        type only naming reads: those naming others), so the records are joined by one
        integer and no text of theirs is read but ids and people (their type, attributes,
        unit and role are their number's, `_facts_listed`)."""
        pa = self._pa
        number, instant = pa.int64(), pa.timestamp("us", tz="UTC")
        facts, of_pair = self.facts or (), self.facts_of_pairs
        rows = [
            (fact, *row[4:])
            for row in joined
            for fact, scope, role in of_pair.get(row[:2], ())
            if (_NO_UNIT if scope is None else scope) == row[3]
            and (row[2] is None or row[2] == role)
            and (row[8] != _NAMING or facts[fact][5])
        ]
        names = ("j_facts", "key", "j_start", "j_stop", "j_since", "part", "n")
        kinds = (pa.int32(), pa.string(), instant, instant, instant, number, number)
        j = self._of_rows(names, kinds, rows)
        t = self.records.table
        t = t.filter(t.at <= _utc(as_of))
        return self._in_lines(t.join(j, t.facts == j.j_facts), self._placed(_BY_NUMBER))

    def _in_lines(self, t: Any, columns: tuple[str, ...]) -> Any:
        """What each part keeps of the records `t` joined to the lines they are in
        (`_shared`), with `columns`."""
        ibis = self.ibis
        part, at = t.part, t.at
        t = t.filter(
            (
                (part == _IN_LINE)
                & ((at <= t.j_start) | (at < t.j_stop))
                & (t.j_since.isnull() | (at >= t.j_since))
            )
            | ((part == _IN_SPELL) & (at < t.j_stop))
            | (part == _IN_SEQUENCE)
            | ((part == _NAMING) & (t.refs.length() > 0))
        )
        never = ibis.null("timestamp")
        # a line of updates looks back to its last at or before the start, a sequence rule's
        # to its last before it: found per line by an aggregate joined back (a window over
        # every record of the whole log before the start, with all its columns, took as
        # long as the scan)
        bounded = t.filter(t.part.isin([_IN_LINE, _IN_SEQUENCE]))
        back = ibis.ifelse(
            bounded.part == _IN_LINE, bounded.at <= bounded.j_start, bounded.at < bounded.j_start
        )
        b = bounded.aggregate(
            by=[bounded.part.name("b_part"), bounded.n.name("b_n"), bounded.key.name("b_key")],
            before=ibis.ifelse(back, bounded.at, never).max(),
            after=ibis.ifelse(bounded.at >= bounded.j_stop, bounded.at, never).min(),
        )
        t = t.left_join(b, [t.part == b.b_part, t.n == b.b_n, t.key == b.b_key])
        part, at = t.part, t.at
        inside = (at >= t.j_start) & (at < t.j_stop)
        t = t.filter(
            part.isin([_IN_SPELL, _NAMING])
            | ((part == _IN_LINE) & ((at > t.j_start) | (at == t.before)))
            | ((part == _IN_SEQUENCE) & (inside | (at == t.before) | (at == t.after)))
        )
        # only a line of updates pairs each record with the one before it: the others are
        # never put in order
        u = t.filter(t.part == _IN_LINE)
        prev = u.at.lag().over(group_by=[u.n, u.key], order_by=u.at)
        # the first of a line says so (`first`): instants without nulls come back in bulk
        u = u.mutate(prev=prev.fill_null(u.at), first=prev.isnull())
        o = t.filter(t.part != _IN_LINE)
        o = o.mutate(prev=o.at, first=o.part == _IN_LINE)  # (false: `part` is not)
        named = ibis.ifelse(o.part == _NAMING, o.refs, ibis.null().cast(o.refs.type()))
        return u.select(*columns, refs=ibis.null().cast(u.refs.type())).union(
            o.select(*columns, refs=named), distinct=False
        )

    def _reached_by(self, reach: str, exact: bool) -> list[str]:
        """The units (`_NO_UNIT`: none) of the records reaching `reach`: those it encloses
        (itself too; only itself when `exact`), every unit for `_ANY_UNIT`."""
        if reach == _NO_UNIT or exact:
            return [reach]
        force = self.force
        if reach == _ANY_UNIT:
            return [u.id for u in force.units]
        return [u.id for u in force.units if reach in force.ancestry(u.id)]

    def _line_keys(
        self,
        lines: Sequence[LineAsk],
        spells: Sequence[SpellAsk],
        sequences: Sequence[SequenceAsk],
        as_of: datetime,
    ) -> list[_LineKey]:
        """(part, ask, what a record reaches, the line it is in, whether only records
        exactly there, start, stop, since) of every line of every ask: a record reaches
        each unit it counts in (its own and those enclosing it) and `_ANY_UNIT`, or
        `_NO_UNIT` when it has none."""
        keys: list[_LineKey] = []
        for n, line_ask in enumerate(lines):
            bounds = (_utc(line_ask.start), _utc(line_ask.limit))
            since = None if line_ask.since is None else _utc(line_ask.since)
            for reach, key in _reaches(line_ask.units):
                keys.append((_IN_LINE, n, reach, key, False, *bounds, since))
        for n, spell_ask in enumerate(spells):
            bounds = (_utc(spell_ask.start), _utc(spell_ask.horizon))
            for reach, key in _reaches(spell_ask.units):
                keys.append((_IN_SPELL, n, reach, key, False, *bounds, None))
        for n, ask in enumerate(sequences):
            bounds = (_utc(ask.start), _utc(ask.end))
            if ask.by_unit:
                found: list[tuple[str, str, bool]] = [(u, u, False) for u in ask.units]
                found += [(u, u, True) for u in ask.places]  # above the units: where it is
                found.append((_NO_UNIT, "", False))
            else:
                found = [(_ANY_UNIT, "", False), (_NO_UNIT, "", False)]
            keys += [
                (_IN_SEQUENCE, n, reach, key, exact, *bounds, None) for reach, key, exact in found
            ]
        judged = _utc(as_of)
        keys += [
            (_NAMING, 0, reach, key, False, judged, judged, None) for reach, key in _reaches(())
        ]
        return list(dict.fromkeys(keys))

    def spells(
        self,
        reqs: Sequence[Requirement],
        clears: Sequence[str],
        units: Sequence[str | None],
        start: datetime,
        horizon: datetime,
        as_of: datetime,
    ) -> tuple[dict[str | None, list[SpellRow]], dict[str | None, list[SpellRow]]]:
        """Per unit, the spells of assignment that reach past `start`: each record any of
        `reqs` accepts before `horizon`, with when it ended (the first later record of a
        `clears` type naming it in its refs, or naming none: an as-of join), None when
        not before `horizon`; and the clearing records that ended some spell, from the
        last at or before `start`. Known at `as_of`; never a repeat. Answered as
        `prefetch_spells` answers it."""
        key = (SpellAsk(tuple(reqs), tuple(clears), tuple(units), start, horizon), as_of)
        if key not in self._spells:
            self.prefetch_spells([key[0]], as_of)
            self._pass(as_of)
        return self._spells.pop(key)  # once used, let go

    def prefetch_spells(self, asks: Sequence[SpellAsk], as_of: datetime) -> None:
        """Answer many `spells` lookups: those whose clearing types have records the reader
        keeps by two queries of their own (`_spells_of`), now; the others (no spell of
        theirs ever ends) are noted for the check's one pass over the records."""
        wanted = [ask for ask in dict.fromkeys(asks) if (ask, as_of) not in self._spells]
        ending = [ask for ask in wanted if self._cleared(ask.clears)]
        for ask, found in zip(ending, self._spells_of(ending, as_of), strict=True):
            self._spells[(ask, as_of)] = found
        self._waiting(as_of).spells.update((a, None) for a in wanted if a not in ending)

    def _cleared(self, clears: Sequence[str]) -> bool:
        """Whether any record of `clears` types is one the reader keeps (one may end a spell)."""
        return any(self.values.event(*pair) is not None for pair in self.pairs(clears))

    def _spells_of(self, asks: Sequence[SpellAsk], as_of: datetime) -> list[_Spells]:
        """The spells and clearing records of each ask, by two queries (the spells, then
        the clearing records that ended one): what tells one ask from another (its
        accepted `(type, attrs, role)`, clearing types, instants and units) is tables
        joined to."""
        found: list[_Spells] = [({}, {}) for _ in asks]
        accepted = self.accepted([ask.reqs for ask in asks])
        if not accepted:
            return found
        ibis = self.ibis
        p = self.accepted_table(accepted, "s")
        t = self.records.table
        t = t.filter(t.type.isin(sorted({x[1] for x in accepted})), t.at <= _utc(as_of))
        t = self._without_repeats(t)
        t = t.join(
            p, [t.type == p.s_type, t.attrs == p.s_attrs, p.s_role.isnull() | (t.role == p.s_role)]
        )
        # a record two requirements accept is one assignment
        a = self._bounded(t.rename(n="s_n"), asks).distinct()
        c = self._clearing(asks, as_of)
        if c is None:
            ends = a.mutate(end=ibis.null("timestamp"))
        else:
            d = c.select(c_n=c.n, c_key=c.key, c_at=c.at, c_refs=c.refs)
            named = (d.c_refs.length().fill_null(0) == 0) | d.c_refs.contains(a.id)
            on = [a.n == d.c_n, a.key == d.c_key, d.c_at > a.at, named]
            joined = a.left_join(d, on)
            columns = ("n", "b_start", *self._placed(_SPELL))
            ends = joined.group_by(*columns).aggregate(end=joined.c_at.min())
        kept = ends.filter(ends.end.isnull() | (ends.end > ends.b_start))
        rows = self._run(kept.select("n", *self._placed(_SPELL), "end"), noted=True)
        for n, spells in self._spell_rows(rows).items():
            found[n] = (spells, found[n][1])
        if c is None:
            return found
        over = ends.filter(ends.end.notnull())
        over = over.select(e_n=over.n, e_key=over.key, e_at=over.end).distinct()
        ending = c.semi_join(over, [c.n == over.e_n, c.key == over.e_key, c.at == over.e_at])
        last = ibis.ifelse(ending.at <= ending.b_start, ending.at, ibis.null("timestamp"))
        ending = ending.mutate(last=last.max().over(group_by=[ending.n, ending.key]))
        ending = ending.filter((ending.at > ending.b_start) | (ending.at == ending.last))
        ending = ending.select("n", *self._placed(_SPELL)).mutate(end=ibis.null("timestamp"))
        rows = self._run(ending, noted=True)
        for n, clearing in self._spell_rows(rows).items():
            found[n] = (found[n][0], clearing)
        return found

    def _clearing(self, asks: Sequence[SpellAsk], as_of: datetime) -> Any:
        """The records of each ask's clearing types the reader keeps (`n`: the ask), keyed
        and bounded as its spells are, with their `refs`; None when no ask clears."""
        cleared = [(n, kind) for n, ask in enumerate(asks) for kind in ask.clears]
        kinds = sorted({kind for _, kind in cleared})
        ok = [pair for pair in self.pairs(kinds) if self.values.event(*pair) is not None]
        if not ok:
            return None
        pa = self._pa
        ct = self._table(
            {"c_n": [x[0] for x in cleared], "c_type": [x[1] for x in cleared]},
            {"c_n": pa.int64(), "c_type": pa.string()},
        )
        kept = self._table(
            {"a_type": [k for k, _ in ok], "a_attrs": [x for _, x in ok]},
            {"a_type": pa.string(), "a_attrs": pa.string()},
        )
        t = self.records.table
        t = t.filter(t.type.isin(kinds), t.at <= _utc(as_of))
        t = self._without_repeats(t)
        t = t.semi_join(kept, [t.type == kept.a_type, t.attrs == kept.a_attrs])
        t = t.join(ct, t.type == ct.c_type)
        return self._bounded(t.rename(n="c_n"), asks, "refs")

    def _bounded(self, t: Any, asks: Sequence[SpellAsk], *more: str) -> Any:
        """`t` (each record with its ask `n`) before its ask's horizon, keyed by the units
        it counts in that the ask reads ("" for a force-wide ask), with the ask's start."""
        pa, ibis = self._pa, self.ibis
        instant = pa.timestamp("us", tz="UTC")
        b = self._table(
            {
                "b_n": list(range(len(asks))),
                "b_start": [_utc(ask.start) for ask in asks],
                "b_horizon": [_utc(ask.horizon) for ask in asks],
            },
            {"b_n": pa.int64(), "b_start": instant, "b_horizon": instant},
        )
        keys = [
            (n, unit or "")
            for n, ask in enumerate(asks)
            for unit in ask.units
            if unit is not None or not any(u is not None for u in ask.units)
        ]
        k = self._table(
            {"k_n": [x[0] for x in keys], "k_key": [x[1] for x in keys]},
            {"k_n": pa.int64(), "k_key": pa.string()},
        )
        t = t.join(b, t.n == b.b_n)
        t = t.filter(t.at < t.b_horizon)
        m = self._every_unit
        t = t.join(m, ibis.coalesce(t.scope, ibis.literal(_NO_UNIT)) == m.m_scope)
        t = t.join(k, [t.n == k.k_n, t.m_unit == k.k_key])
        return t.select("n", "b_start", *self._placed(_SPELL[1:]), *more, key=t.k_key)

    def _spell_rows(
        self, rows: dict[str, list[Any]]
    ) -> dict[int, dict[str | None, list[SpellRow]]]:
        """Rows (with their ask `n`) per ask, per unit (None: force-wide)."""
        found: dict[int, dict[str | None, list[SpellRow]]] = {}
        columns = (rows[c] for c in ("n", *_SPELL, "end"))
        for n, key, i, at, k, a, line, role, person, end in zip(*columns, strict=True):
            row = (i, _aware(at), None if end is None else _aware(end), k, a, line, (role, person))
            found.setdefault(n, {}).setdefault(key or None, []).append(row)
        return found

    def _without_repeats(self, t: Any) -> Any:
        """`t` without the repeats (each counts once, as its first read)."""
        if not self.left_out:
            return t
        ids = self._table({"r_id": sorted(self.left_out)}, {"r_id": self._pa.string()})
        return t.anti_join(ids, t.id == ids.r_id)

    def _accepted(self, req: Requirement, t: Any) -> Any:
        """`t` kept to the records whose attributes meet `req`'s conditions, judged once per
        distinct set by the reference (`values.py`); None when no set does."""
        return self._kept(t, lambda k, a: self.values.accepts(req, k, a), req.types)

    def _kept(self, t: Any, test: Callable[[str, str], bool], types: Sequence[str]) -> Any:
        """`t` (records of `types`) kept to those whose `(type, attrs)` pass `test`, asked
        once per distinct pair; None when none does."""
        ok = [(k, a) for k, a in self.pairs(types) if test(k, a)]
        if not ok:
            return None
        pa = self._pa
        accepted = self._table(
            {"a_type": [k for k, _ in ok], "a_attrs": [a for _, a in ok]},
            {"a_type": pa.string(), "a_attrs": pa.string()},
        )
        joined = t.join(accepted, [t.type == accepted.a_type, t.attrs == accepted.a_attrs])
        return joined.select(*t.columns)
