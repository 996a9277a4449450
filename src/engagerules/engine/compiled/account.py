"""The accounting of a compiled check asked where the records live: how many counted, and
why each other one counted for nothing, in the reference's reasons and words
(`evaluate._Unmatched`), without a Python event per record.

Why a record counted for nothing depends, nearly always, on a few facts only: its type,
which duties of that type were in force on its local day, whether it is known at the
instant judged and inside the range, its unit, its role, whether it names a person and
other records, whether a trigger looked at it (`spare`), and, for a type some requirement
reads by condition, its attributes. So the query groups the unmatched records by those
facts (the local day as the span of days over which the same duties of a type are in
force, sent as UTC instants: no backend's time zones), and the reference's own `why` is
asked once per group, of a stand-in with the group's facts. A record naming its period
(of a type every duty reading it reads so) is asked as its group's stand-in at its own
instant, all else `why` reads of it being the group's. It is asked of the records
themselves, read back as events, where their own values decide: a follow-up naming
triggers, a repeat, and the records of the duties the reference judges (already read for
it). A group whose reason is a data-quality problem has its records listed (id, file,
line), in log order, as the reference lists them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Any

import attrs
import msgspec

from engagerules.engine.compiled import readback
from engagerules.engine.compiled.kinds.triggered import trigger_records
from engagerules.engine.compiled.query import Query, _aware, _listed, _numbered
from engagerules.engine.compiled.values import Values
from engagerules.engine.evaluate import _AT, _NEAREST, _Unmatched
from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import KINDS
from engagerules.model.event import Event, gc_paused
from engagerules.model.periods import Window, local_midnight
from engagerules.model.plan import Obligation
from engagerules.model.results import DataQuality
from engagerules.sources.vouched import Fact

__all__ = ["QueryAccount"]

#: The facts a group of unmatched records shares (beside its type).
_KEY = (
    "type",
    "g_regime",
    "g_known",
    "g_inside",
    "scope",
    "role",
    "g_nobody",
    "g_refs",
    "g_spare",
    "g_attrs",
    "g_before",
    "g_after",
)
#: The same, where the records' facts are numbered (`Fact`): the number stands for the type,
#: unit, role, whether a record names nobody or other records, and its attributes.
_BY_FACTS = ("facts", "g_regime", "g_known", "g_inside", "g_spare", "g_before", "g_after")
#: What a data-quality entry is made of (beside its problem), with its place in the log.
_LISTED = ("seq", "id", "file", "line")
#: Stand-ins for the ids and values `why` asks about: a spare follow-up, a person, a ref.
_SPARE, _PLAIN, _SOMEONE, _REF = "\0spare", "\0", "\0someone", "\0ref"
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_FIRST = itemgetter(0)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


class _Grouped(_Unmatched):
    """The reference's reasons asked of a group's stand-in: whether its records were made
    before a trigger they could have answered (`before_trigger`) is the group's fact
    `g_before`, found by the query from the spans `_before_spans` computed."""

    before = False
    #: Whether a group is asked (its stand-in), not one of its records: then a stand-in
    #: that gets as far as the period its records name leaves the rest to each record's
    #: instant (`_PerRow`); up to there, all `why` reads is the group's.
    whole = True

    def _before_trigger(self, event: Event, live: Any) -> bool:
        return self.before

    def _rest(self, event: Event, live: Any, inside: bool) -> tuple[str, str | None]:
        if self.whole and live.reqs and live.periodic:
            raise _PerRow
        return super()._rest(event, live, inside)


class _PerRow(Exception):
    """The group's reason depends on what its records name: ask of each record."""


def _per_row() -> dict[str, Event]:
    raise _PerRow


class QueryAccount:
    """`evaluate`'s accounting for a compiled check (its `Accounting`): `read` are the
    records already read back as events (all those of `read_types`), `repeats` the events
    that repeat another (`readback.repeated`), `count` all the records."""

    def __init__(
        self,
        query: Query,
        read: Sequence[Event],
        read_types: frozenset[str],
        repeats: Sequence[Event],
        count: int,
    ) -> None:
        self.query = query
        self.read = read
        self.read_types = read_types
        self.repeats = [e for e in repeats if e.type not in read_types]
        self.count = count
        #: Where the records' facts are numbered (`Query.facts`), they are grouped by number.
        self.facts = query.facts

    def __call__(
        self,
        judged: Sequence[Obligation],
        used: set[str],
        span: Window,
        as_of: datetime,
        index: EventIndex | None,
        spare: set[str],
    ) -> tuple[int, dict[str, int], tuple[DataQuality, ...]]:
        """The records matched, the unmatched by reason, and the data-quality entries."""
        query = self.query
        force = query.force
        grouped = _Grouped(
            force, judged, span, as_of, spare=frozenset({_SPARE}), repeated={}, triggers=_per_row
        )
        triggers = trigger_records(query)
        before = _before_spans(grouped, query, triggers)
        copies = {e.id for e in self.repeats}
        marks = _marks(query, used, copies, [i for i in spare if i not in copies])
        t = self._unmatched(marks, grouped, before, span, as_of)
        # each group's records (their places) come with the group: a second pass over the
        # unmatched records, to find those of the groups decided here, cost as much again;
        # as 32-bit numbers where each place is one (ingest numbers the records from 0),
        # a tenth less work for DuckDB's lists at 10M
        seq = t.seq.cast("int32") if self.count < 2**31 else t.seq
        by = _KEY if self.facts is None else _BY_FACTS
        groups = query.records.connection.to_pyarrow(
            t.group_by(list(by)).aggregate(g_n=t.count(), g_at=t.at.min(), g_seq=seq.collect())
        )
        if self.facts is not None:
            _numbered(groups.column("facts"), self.facts, query.records.where)
        rows = {name: _listed(groups.column(name)) for name in (*by, "g_n", "g_at")}
        by_reason: Counter[str] = Counter()
        problems: dict[int, str] = {}
        per_row: list[int] = []
        columns = zip(*(rows[k] for k in by), strict=True)
        if self.facts is None:
            keys = [dict(zip(_KEY, values, strict=True)) for values in columns]
        else:
            keys = _of_facts(columns, self.facts, _read_by_value(judged))
        # the groups whose records differ from their stand-in by their instant alone
        dated: dict[int, Event] = {}
        for n, (key, count, first) in enumerate(zip(keys, rows["g_n"], rows["g_at"], strict=True)):
            found = _decide(grouped, query.values, key, _aware(first))
            if found is None:
                stand_in = None if key["g_refs"] else _stand_in(query.values, key, _aware(first))
                if stand_in is None:
                    per_row.append(n)
                else:
                    dated[n] = stand_in
                continue
            reason, problem = found
            by_reason[reason] += count
            if problem is not None:
                problems[n] = problem
        chosen = sorted({*problems, *per_row, *dated})
        places = _places(groups.column("g_seq"), chosen, per_row, list(dated))
        del groups  # every unmatched record's place: let go before any record is read
        places = self._by_instant(places, grouped, keys, dated, by_reason, problems)
        own = {keys[n]["type"] for n in per_row}
        seqs, listed, asked = self._listed(places, problems, own)
        singles = _not_counted(query, [e for e in self.read if e.id not in used], marks)
        singles += self.repeats
        singles += asked
        unmatched = len(singles) + sum(by_reason.values())
        quality: list[tuple[int, DataQuality]] = []
        by_reason.update(self._one_by_one(singles, judged, span, as_of, spare, quality, triggers))
        return self.count - unmatched, dict(by_reason), _merged(seqs, listed, quality)

    def _unmatched(
        self,
        marks: _Marks,
        grouped: _Unmatched,
        before: list[tuple[str, str, datetime, datetime]],
        span: Window,
        as_of: datetime,
    ) -> Any:
        """The unmatched records not read back, with the facts of their group."""
        query = self.query
        ibis, pa = query.ibis, query._pa
        t = query.records.table
        if self.read_types and self.facts is None:
            t = t.filter(t.type.notin(sorted(self.read_types)))
        t = self._marked(t, marks)
        regimes = _regimes(grouped, query)
        if self.facts is not None:
            return self._by_facts(t, self.facts, regimes, before, span, as_of)
        r = query._table(
            {
                "r_type": [g[0] for g in regimes],
                "r_from": [g[1] for g in regimes],
                "r_to": [g[2] for g in regimes],
                "r_n": list(range(len(regimes))),
            },
            {
                "r_type": pa.string(),
                "r_from": pa.timestamp("us", tz="UTC"),
                "r_to": pa.timestamp("us", tz="UTC"),
                "r_n": pa.int64(),
            },
        )
        t = t.left_join(r, [t.type == r.r_type, t.at >= r.r_from, t.at < r.r_to])
        instant = pa.timestamp("us", tz="UTC")
        b = query._table(
            {
                "b_type": [g[0] for g in before],
                "b_scope": [g[1] for g in before],
                "b_from": [g[2] for g in before],
                "b_to": [g[3] for g in before],
            },
            {"b_type": pa.string(), "b_scope": pa.string(), "b_from": instant, "b_to": instant},
        )
        t = t.left_join(
            b, [t.type == b.b_type, t.scope == b.b_scope, t.at >= b.b_from, t.at < b.b_to]
        )
        conditional = sorted(_read_by_value(grouped.judged))
        attrs = t.attrs if conditional else ibis.null("string")
        if conditional:
            attrs = ibis.ifelse(t.type.isin(conditional), t.attrs, ibis.null("string"))
        return t.mutate(
            g_regime=t.r_n.fill_null(-1),
            g_nobody=t.person.isnull(),
            g_refs=ibis.coalesce(t.refs.length(), 0) > 0,
            g_spare=t.s_spare,
            g_attrs=attrs,
            g_before=t.b_type.notnull(),
            **_instants(t, span, as_of),
        ).select(*query.records.table.columns, *_KEY[1:4], *_KEY[6:])

    def _marked(self, t: Any, marks: _Marks) -> Any:
        """The records `t` but those counted or left out, the spare follow-ups marked
        (`s_spare`): by place (`p_`) and by id (`m_`), each by one join (in no order: a
        sort of a million ids cost more than the join), only where some record is marked
        that way."""
        ibis, pa = self.query.ibis, self.query._pa
        flags = []
        if len(marks.counted) or len(marks.spare):
            import numpy as np

            places = pa.array(np.concatenate([marks.counted, marks.spare]), pa.int64())
            spare = np.zeros(len(places), dtype=bool)
            spare[len(marks.counted) :] = True
            p = ibis.memtable(pa.table({"p_seq": places, "p_spare": pa.array(spare)}))
            t = t.left_join(p, t.seq == p.p_seq)
            t = t.filter(t.p_spare.isnull() | t.p_spare)
            flags.append("p_spare")
        if marks.counted_ids or marks.spare_ids:
            ids = (marks.counted_ids, marks.spare_ids)
            m = ibis.memtable(
                pa.table(
                    {
                        "m_id": pa.chunked_array([_texts(i) for i in ids], pa.string()),
                        "m_spare": pa.array(
                            [False] * len(ids[0]) + [True] * len(ids[1]), pa.bool_()
                        ),
                    }
                )
            )
            t = t.left_join(m, t.id == m.m_id)
            t = t.filter(t.m_spare.isnull() | t.m_spare)
            flags.append("m_spare")
        no = ibis.literal(False)  # noqa: FBT003 - a value, not a flag
        return t.mutate(s_spare=ibis.coalesce(*(t[f] for f in flags), no) if flags else no)

    def _by_facts(
        self,
        t: Any,
        facts: Sequence[Fact],
        regimes: list[tuple[str, datetime, datetime]],
        before: list[tuple[str, str, datetime, datetime]],
        span: Window,
        as_of: datetime,
    ) -> Any:
        """`_unmatched`'s records by the numbers of their facts: the records of the types
        read back left out, the spans of days and of instants before a trigger (per type,
        and per type and unit) joined per number of the facts they are of, so that the
        query reads no text but the ids (at 10M Gwent records, 2.1 s of CPU -> 1.5 s)."""
        query = self.query
        pa = query._pa
        kinds = [fact[0] for fact in facts]
        if self.read_types:
            kept = [n for n, kind in enumerate(kinds) if kind not in self.read_types]
            k = query._table({"k_facts": kept}, {"k_facts": pa.int32()})
            t = t.semi_join(k, t.facts == k.k_facts)
        by_type: dict[str, list[int]] = {}
        by_unit: dict[tuple[str, str | None], list[int]] = {}
        for n, fact in enumerate(facts):
            by_type.setdefault(fact[0], []).append(n)
            by_unit.setdefault((fact[0], fact[2]), []).append(n)
        spans = [
            (n, start, end, number)
            for number, (kind, start, end) in enumerate(regimes)
            for n in by_type.get(kind, ())
        ]
        instant = pa.timestamp("us", tz="UTC")
        names = ("r_facts", "r_from", "r_to", "r_n")
        r = query._of_rows(names, (pa.int32(), instant, instant, pa.int64()), spans)
        t = t.left_join(r, [t.facts == r.r_facts, t.at >= r.r_from, t.at < r.r_to])
        earlier = [
            (n, start, end)
            for kind, unit, start, end in before
            for n in by_unit.get((kind, unit), ())
        ]
        b = query._of_rows(("b_facts", "b_from", "b_to"), (pa.int32(), instant, instant), earlier)
        t = t.left_join(b, [t.facts == b.b_facts, t.at >= b.b_from, t.at < b.b_to])
        return t.mutate(
            g_regime=t.r_n.fill_null(-1),
            g_spare=t.s_spare,
            g_before=t.b_facts.notnull(),
            **_instants(t, span, as_of),
        ).select("facts", "at", "seq", *_BY_FACTS[1:])

    def _by_instant(
        self,
        places: Any,
        grouped: _Grouped,
        keys: Sequence[Mapping[str, Any]],
        dated: Mapping[int, Event],
        by_reason: Counter[str],
        problems: dict[int, str],
    ) -> Any:
        """The reasons of the records of the groups `dated` (those of a type every duty
        reading it reads by the period it names, whose reason is then the record's own),
        asked of each group's stand-in at each record's instant: all else `why` reads of
        them is the group's (their attributes among it), so their places and instants
        are read back, not their records (at 10M, 131,000 events made and asked). A record
        whose reason is a data-quality problem is listed with the groups': `places` is
        given back with those rows, as the listing takes them (a number of their own past
        the groups' for each problem), and the rest of the dated rows left out."""
        import pyarrow as pa
        import pyarrow.compute as pc

        dated_rows = places.column("l_dated")
        if not dated:
            return places.drop_columns(["l_dated"])
        query = self.query
        t = query.records.table
        theirs = query.ibis.memtable(places.filter(dated_rows).select(["l_seq", "l_n"]))
        chosen = t.filter(t.type.isin(sorted({keys[n]["type"] for n in dated})))
        expr = chosen.join(theirs, chosen.seq == theirs.l_seq).select(
            l_seq=chosen.seq, l_n=theirs.l_n, l_at=chosen.at
        )
        found = query._arrow(expr).sort_by([("l_n", "ascending")])
        del theirs
        numbers, ats = _listed(found.column("l_n")), _listed(found.column("l_at"))
        more = len(keys)
        kept: list[int] = []
        numbered: dict[str, int] = {}
        start = 0
        grouped.whole = False
        for n, rows in groupby(numbers):
            end = start + sum(1 for _ in rows)
            grouped.before = keys[n]["g_before"]
            asked = grouped.each(_at_instants(dated[n], ats[start:end]))
            for row, (reason, problem) in enumerate(asked, start):
                by_reason[reason] += 1
                if problem is not None:
                    if problem not in numbered:
                        numbered[problem] = more + len(numbered)
                        problems[numbered[problem]] = problem
                    numbers[row] = numbered[problem]
                    kept.append(row)
            start = end
        grouped.whole = True
        listed = places.filter(pc.invert(dated_rows)).drop_columns(["l_dated"])
        if not kept:
            return listed
        taken = found.take(pa.array(kept, pa.int64()))
        extra = pa.table(
            {
                "l_seq": taken.column("l_seq").cast(listed.schema.field("l_seq").type),
                "l_n": pa.array([numbers[k] for k in kept], pa.int64()),
                "l_own": pa.array([False] * len(kept), pa.bool_()),
            }
        )
        return pa.concat_tables([listed, extra])

    def _listed(
        self, places: Any, problems: Mapping[int, str], own: Collection[str]
    ) -> tuple[Any, list[DataQuality], list[Event]]:
        """The records of the groups with a data-quality problem (their places, a NumPy
        array, and their entries), and those of the groups whose reasons are their records'
        own (of the types `own`), as events: read by their places (`_places`), in log
        order. Each by a query of its own: a listed record is wanted for its id, file and
        line alone, and with the few asked per record in the same query every column of
        every record listed was decoded (at 10M, 712,000 records, a third of the time)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        query = self.query
        t = query.records.table
        own_rows = places.column("l_own")
        asked: list[Event] = []
        if own:
            theirs = query.ibis.memtable(places.filter(own_rows).select(["l_seq"]))
            chosen = t.filter(t.type.isin(sorted(own)))
            asked = readback.events(query, chosen.join(theirs, chosen.seq == theirs.l_seq))
            del theirs
        if not problems:
            return np.zeros(0, np.int64), [], asked
        k = query.ibis.memtable(places.filter(pc.invert(own_rows)).select(["l_seq", "l_n"]))
        expr = t.join(k, t.seq == k.l_seq).select(*(t[c] for c in _LISTED), k_n=k.l_n)
        # in no order: the places are sorted here, by NumPy (each record is listed once, so
        # no two places tie), and only the columns made into Python values are taken in
        # that order, the file's as the numbers of its few texts (`_repeated`): Arrow's
        # sort of the table took every column, the file's texts among them (at 10M,
        # 596,000 records listed: 0.05 s more CPU)
        mine = query._arrow(expr)
        del k
        seq = mine.column("seq").to_numpy()
        order = np.argsort(seq)
        seqs, places = seq[order], pa.array(order)
        ids, lines, found = (_listed(mine.column(c).take(places)) for c in ("id", "line", "k_n"))
        files = _repeated(mine.column("file"), order)
        del mine
        with gc_paused():  # many acyclic values: no collector passes over them
            quality = list(map(DataQuality, ids, files, lines, map(problems.__getitem__, found)))
        return seqs, quality, asked

    def _one_by_one(
        self,
        singles: list[Event],
        judged: Sequence[Obligation],
        span: Window,
        as_of: datetime,
        spare: set[str],
        quality: list[tuple[int, DataQuality]],
        triggers: list[Event],
    ) -> Counter[str]:
        """The reference's reasons for records read back, asked of each (of the triggers
        as the reference's index holds them), in one `each` (a call per record took nearly
        twice the time)."""
        query = self.query
        reasons = _Unmatched(
            query.force, judged, span, as_of, triggers, spare=spare, repeated=query.repeated
        )
        asked = reasons.each(singles)
        position = query.position
        for event, (_, problem) in zip(singles, asked, strict=True):
            if problem is not None:
                quality.append(
                    (position[event.id], DataQuality(event.id, event.file, event.line, problem))
                )
        return Counter(reason for reason, _ in asked)


def _instants(t: Any, span: Window, as_of: datetime) -> dict[str, Any]:
    """The facts of a record's instant a group shares: whether it is known at the instant
    judged, inside the range, and after it (a duty looking back reads records before the
    range, not after it)."""
    return {
        "g_known": t.at <= as_of.astimezone(UTC),
        "g_inside": (t.at >= span.start.astimezone(UTC)) & (t.at < span.end.astimezone(UTC)),
        "g_after": t.at >= span.end.astimezone(UTC),
    }


def _of_facts(
    columns: Iterable[tuple[Any, ...]], facts: Sequence[Fact], conditional: Collection[str]
) -> list[dict[str, Any]]:
    """The groups' keys (`_KEY`) from their rows by number (`_BY_FACTS`): each number's
    facts, its attributes kept only for the types read by value (as `_unmatched` keeps
    them), and the rest as found."""
    keys = []
    for number, regime, known, inside, spare, before, after in columns:
        kind, text, scope, role, nobody, naming = facts[number]
        keys.append(
            {
                "type": kind,
                "g_regime": regime,
                "g_known": known,
                "g_inside": inside,
                "scope": scope,
                "role": role,
                "g_nobody": nobody,
                "g_refs": naming,
                "g_spare": spare,
                "g_attrs": text if kind in conditional else None,
                "g_before": before,
                "g_after": after,
            }
        )
    return keys


def _merged(
    seqs: Any, listed: list[DataQuality], more: list[tuple[int, DataQuality]]
) -> tuple[DataQuality, ...]:
    """The data-quality entries of the groups listed (in log order, their places `seqs`)
    and those of the records asked one by one (`more`, with their places), in log order:
    the few of `more` put where they belong (a place each, in one NumPy search) rather than
    every entry sorted with its place (at 10M, 596,000 pairs made and sorted)."""
    import numpy as np

    more.sort(key=_FIRST)
    where = np.searchsorted(seqs, np.array([p for p, _ in more], np.int64)).tolist()
    found: list[DataQuality] = []
    last = 0
    for at, (_, entry) in zip(where, more, strict=True):
        found += listed[last:at]
        found.append(entry)
        last = at
    found += listed[last:]
    return tuple(found)


def _decide(
    grouped: _Grouped, values: Values, key: Mapping[str, Any], first: datetime
) -> tuple[str, str | None] | None:
    """The reason (and data-quality problem) of a group, from a stand-in with its facts; None
    where it is the records' own to give (the period they name, the triggers they name)."""
    stand_in = _stand_in(values, key, first)
    if stand_in is None:
        return None
    grouped.before = key["g_before"]
    try:
        return grouped.why(stand_in)
    except _PerRow:
        return None


def _stand_in(values: Values, key: Mapping[str, Any], first: datetime) -> Event | None:
    """A record with a group's facts, made at `first`; None where its attributes make no
    event (then its records are read back and asked each)."""
    kind = key["type"]
    attrs: Mapping[str, Any] = {}
    if key["g_attrs"] is not None:
        made = values.event(kind, key["g_attrs"])
        if made is None:
            return None
        attrs = made.attrs
    return Event(
        id=_SPARE if key["g_spare"] else _PLAIN,
        type=kind,
        at=first,
        scope=key["scope"],
        role=key["role"],
        person=None if key["g_nobody"] else _SOMEONE,
        attrs=attrs,
        refs=(_REF,) if key["g_refs"] else (),
    )


def _at_instants(stand_in: Event, instants: Sequence[datetime]) -> list[Event]:
    """A group's stand-in at each of its records' `instants` (as a backend gave them)."""
    replace = msgspec.structs.replace
    return [replace(stand_in, at=_aware(at)) for at in instants]


def _read_by_value(judged: Sequence[Obligation]) -> set[str]:
    """The types some judged requirement reads by condition or by the period it names:
    their records are grouped by attributes too."""
    return {
        kind
        for ob in judged
        for req in ob.evidence
        if req.where or req.for_period is not None
        for kind in req.types
    }


def _regimes(grouped: _Unmatched, query: Query) -> list[tuple[str, datetime, datetime]]:
    """Per type some judged duty reads, the spans of local days over which the same of its
    duties are in force, as UTC instants (the earliest and latest instants at the ends)."""
    zone = query.force.zone
    found = []
    for kind, readers in grouped.readers.items():
        days: set[date] = set()
        for ob in readers:
            if ob.effective_from is not None:
                days.add(ob.effective_from)
            if ob.effective_until is not None and ob.effective_until < date.max:
                days.add(ob.effective_until + timedelta(days=1))
        edges = [_EARLIEST, *(local_midnight(d, zone).astimezone(UTC) for d in sorted(days))]
        edges.append(_LATEST)
        found += [(kind, a, b) for a, b in pairwise(edges) if a < b]
    return found


def _before_spans(
    grouped: _Unmatched, query: Query, triggers: list[Event]
) -> list[tuple[str, str, datetime, datetime]]:
    """Per type some triggered duty reads and unit, the spans of instants at which a record
    of it there naming nothing was made before a trigger it could have answered: the
    reference's `_before_trigger`, which asks the `_NEAREST` triggers after a record (of
    each trigger type, in its unit and those enclosing it, up to the range's end and the
    instant judged), answered for every instant at once. The triggers after an instant
    change only at a trigger's, so between two triggers the answer is one; it is found per
    span of days over which the same duties are in force (`_regimes`), as UTC instants."""
    force = query.force
    later: dict[tuple[str, str | None], list[Event]] = {}
    for trigger in sorted(sorted(triggers, key=lambda e: e.id), key=_AT):
        later.setdefault((trigger.type, trigger.scope), []).append(trigger)
    found: list[tuple[str, str, datetime, datetime]] = []
    # a duty in force over several spans of days is asked of its triggers once
    asked: dict[tuple[int, str, str], list[tuple[datetime, datetime]]] = {}
    for kind, start, end in _regimes(grouped, query):
        live = grouped._live(kind, start.astimezone(force.zone).date())
        if live is None or not live.triggered:
            continue
        for unit in force.units:
            spans = _spans_before(grouped, live, kind, unit.id, later, asked)
            found += [
                (kind, unit.id, max(a, start), min(b, end))
                for a, b in spans
                if a < end and b > start
            ]
    return found


def _spans_before(
    grouped: _Unmatched,
    live: Any,
    kind: str,
    unit: str,
    later: dict[tuple[str, str | None], list[Event]],
    asked: dict[tuple[int, str, str], list[tuple[datetime, datetime]]],
) -> list[tuple[datetime, datetime]]:
    """The spans of instants, merged, at which a record of `kind` in `unit` naming nothing
    is `before_trigger` for the duties of `live`; each duty's (by its identity, with
    `kind` and `unit`) kept in `asked`."""
    edges: list[tuple[datetime, datetime]] = []
    for ob in live.live:
        key = (id(ob), kind, unit)
        if key not in asked:
            asked[key] = _edges_before(grouped, ob, kind, unit, later)
        edges += asked[key]
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(edges):
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _edges_before(
    grouped: _Unmatched,
    ob: Obligation,
    kind: str,
    unit: str,
    later: dict[tuple[str, str | None], list[Event]],
) -> list[tuple[datetime, datetime]]:
    """The spans of instants (not merged) at which a record of `kind` in `unit` naming
    nothing is `before_trigger` for the duty `ob`."""
    force, span, as_of = grouped.force, grouped.span, grouped.as_of
    stand_in = Event(id=_PLAIN, type=kind, at=_EARLIEST, scope=unit)
    edges: list[tuple[datetime, datetime]] = []
    module = KINDS[ob.kind]
    for trigger_kind in module.trigger_types(ob.rule):
        for scope in (*force.ancestry(unit), None):
            line = later.get((trigger_kind, scope), [])
            stop = next(
                (j for j, e in enumerate(line) if e.at > as_of or e.at >= span.end),
                len(line),
            )
            answers = [
                module.follow_up_reason(force, ob, ob.rule, stand_in, named, span)
                == "before_trigger"
                for named in line[:stop]
            ]
            for i in range(stop):
                if any(answers[i : i + _NEAREST]):
                    edges.append((_EARLIEST if i == 0 else line[i - 1].at, line[i].at))
    return edges


def _places(
    column: Any, chosen: Sequence[int], per_row: Sequence[int], dated: Sequence[int] = ()
) -> Any:
    """The places of the records of the groups numbered `chosen` (`l_seq`), each with its
    group (`l_n`), whether that is one of `per_row` (`l_own`) and whether one of `dated`
    (`l_dated`), as an Arrow table: from `column`, each group's places as a list."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = column.take(pa.array(chosen, pa.int64())).combine_chunks()
    groups = pa.array(chosen, pa.int64()).take(pc.list_parent_indices(lists))
    own = pc.is_in(groups, pa.array(per_row, pa.int64()))
    dates = pc.is_in(groups, pa.array(dated, pa.int64()))
    return pa.table(
        {"l_seq": pc.list_flatten(lists), "l_n": groups, "l_own": own, "l_dated": dates}
    )


@attrs.frozen
class _Marks:
    """The records counted or left out (`counted`) and the spare follow-ups not among them
    (`spare`), by their places in the log (sorted NumPy arrays, each place once), and by
    id those whose places the check does not know."""

    counted: Any
    spare: Any
    counted_ids: list[str]
    spare_ids: list[str]


def _marks(query: Query, used: set[str], copies: set[str], spared: list[str]) -> _Marks:
    """The marks of the records `used` (and those the compiled duties used by place,
    `Query.placed`), of the repeats `copies` and of the follow-ups `spared`: by place where
    the check knows it, which a query joins as one integer; a million ids made into Arrow
    text and joined by text to every record cost half a second at 10M Gwent records."""
    import numpy as np

    counted, counted_ids = _places_of(query, [*used, *copies])
    spare, spare_ids = _places_of(query, spared)
    flags = _flags([*(query.placed or ()), counted], spare)
    spare = np.flatnonzero(_flags([spare[~flags[spare]]]))  # a record counted is never spare
    return _Marks(np.flatnonzero(flags), spare, counted_ids, spare_ids)


def _places_of(query: Query, ids: list[str]) -> tuple[Any, list[str]]:
    """The places of the records of `ids` read back (`Query.position`) or found by the one
    pass (`Query.passed`), as a NumPy array, and the ids of the others; none but by id
    where the check does not mark by place (`Query.placed` is None)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if query.placed is None:
        return np.zeros(0, np.int64), ids
    position = query.position
    places: list[int] = []
    rest: list[str] = []
    for i in ids:  # one look-up each
        place = position.get(i)
        if place is None:
            rest.append(i)
        else:
            places.append(place)
    found = np.array(places, np.int64)
    if not rest or not query.passed:
        return found, rest
    seen = pa.concat_tables(query.passed)
    where = pc.index_in(_texts(rest), value_set=seen.column("id").combine_chunks())
    known = where.is_valid()
    seqs = seen.column("seq").take(where.filter(known)).to_numpy()
    known = known.to_numpy(zero_copy_only=False)
    return np.concatenate([found, seqs]), [rest[k] for k in np.flatnonzero(~known)]


def _not_counted(query: Query, events: list[Event], marks: _Marks) -> list[Event]:
    """`events` (read back: their places are known) but those at a place `marks` counts."""
    counted = marks.counted
    if not len(counted) or not events:
        return events
    import numpy as np

    wanted = np.array([query.position[e.id] for e in events], np.int64)
    found = counted[np.minimum(np.searchsorted(counted, wanted), len(counted) - 1)]
    return [e for e, hit in zip(events, found == wanted, strict=True) if not hit]


def _flags(places: Iterable[Any], also: Any = ()) -> Any:
    """A flag per place up to the last of `places` and `also` (NumPy arrays), set at each
    of `places`: marked, not sorted (NumPy's `isin` of a million places cost a second)."""
    import numpy as np

    arrays = [a for a in places if len(a)]
    top = max([int(a.max()) for a in (*arrays, also) if len(a)], default=-1)
    flags = np.zeros(top + 1, dtype=bool)
    for a in arrays:
        flags[a] = True
    return flags


def _texts(values: Collection[str]) -> Any:
    """Python strings as an Arrow array: joined by a line break and split again in C, half
    the time `pa.array` takes over a million ids (0.2 s against 0.4), unless some string
    holds a line break itself."""
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = "\n".join(values)
    if len(values) < 2 or joined.count("\n") != len(values) - 1 or len(joined) >= 2**29:
        return pa.array(list(values), pa.string())
    return pc.split_pattern(pa.array([joined], pa.string()), "\n").values


def _repeated(column: Any, order: Any = None) -> list[str]:
    """A result column of text with few distinct values (a record's file) as Python
    strings, each made once rather than once per row; with `order` (a NumPy array of
    places), its rows in that order (their numbers taken, not their texts)."""
    if not len(column):
        return []
    coded = column.combine_chunks().dictionary_encode()
    words = coded.dictionary.to_pylist()
    numbers = coded.indices.to_numpy()
    if order is not None:
        numbers = numbers[order]
    return list(map(words.__getitem__, numbers.tolist()))
