"""Triggered duties compiled: the query selects the triggers and, per trigger, the records
that may follow it up; which record counts for which trigger is then decided by the
reference's own assignment (`kinds/triggered._assign`), over those rows alone.

A follow-up counts for one trigger only (one record, one trigger; `shared_with`; the item a
`key` names; a trigger naming a person followed up by that person), earliest deadline
first, over the whole log: that is a greedy sweep in time order whose every step depends
on the steps before it, which no SQL window function states as exactly as the reference
does. So the query does what a query is good at, and nothing else:

1. **triggers**: the records of every triggered duty's trigger types known at `as_of`
   whose attributes some duty's trigger conditions accept (`values.py`), in any unit and
   at any time, not only in the range: which record counts for which trigger is a fact of
   the whole log (the reference's too), so no range can change a follow-up's trigger;
2. **follow-ups**, in one query (one pass over the records): those of an evidence type
   whose type, attributes and role some triggered duty's requirement accepts (no other is
   ever counted, nor is it spare: the assignment tests each record with `qualifies`),
   with `trigger.at <= at < deadline` and either **linked**, naming the trigger in `refs`,
   or **unlinked** (`refs_or_scope`), naming nothing, in the trigger's unit or one within
   it (anywhere, for a trigger owed force-wide), by the trigger's person when it names
   one: a range join on a key, each trigger a record names, or else its unit and
   `_ANYWHERE` (not three queries, linked, unlinked and force-wide, each a pass).

Deadlines are the engine's (`_deadline`: `within` after the trigger in the force's zone, or
the day the trigger names), sent as UTC instants; no backend's time functions are used.
Each query may select more than the reference counts (the tests of `_assign` and of the
verdict are applied to every row it returns), never less: the rows are every record the
reference's assignment and verdicts look at, so the reference's `evaluate`, run over an
index of those rows only (told the log's repeats, not finding them again among rows whose
refs are read through them), gives its own results, word for word. The assignment is made
once per check and shared by every triggered duty, as the reference's is.

A duty whose follow-up answers every open trigger (`answers: all_open`) needs no other
rows: it reads the same records, inside some trigger's window, only giving each to more
of them, which the reference's assignment does.

Compiled: every triggered duty. The records a duty claims (`claimed`) are also what a
compiled recurring duty leaves out when it is `not_claimed_by` it (`run.py`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

import msgspec

from engagerules.engine.compiled.query import Query
from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import triggered as reference
from engagerules.engine.kinds.recurring import Recurring
from engagerules.engine.kinds.triggered import (
    Triggered,
    _deadline,
    _early,
    _owes_trigger,
    _routes,
    _trigger_of,
    _trigger_units,
)
from engagerules.engine.verdicts import Outcome
from engagerules.model.conditions import failed_condition
from engagerules.model.event import Event
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Kind, Obligation, Requirement

__all__ = [
    "KIND",
    "claimed",
    "claims_left_out",
    "compiles",
    "evaluate",
    "merged",
    "trigger_records",
]

#: The kind this module compiles.
KIND = Kind.TRIGGERED

#: The columns of a record a trigger or follow-up is rebuilt from.
_COLUMNS = ("id", "type", "at", "scope", "role", "person", "refs", "attrs", "line")

#: Per query (one check), the instant judged and the index of the rows found for it.
_FOUND: WeakKeyDictionary[Query, tuple[datetime, EventIndex]] = WeakKeyDictionary()
#: Per query, every record of a trigger type (`trigger_records`).
_TRIGGERS: WeakKeyDictionary[Query, list[Event]] = WeakKeyDictionary()


def compiles(obligation: Obligation) -> bool:
    """Whether this triggered duty is compiled: every one is (the assignment and the
    verdict are the reference's own, over the rows the query selects)."""
    # (`reaches: within` finds follow-ups in units above the trigger's: the reference does)
    return isinstance(obligation.rule, Triggered) and not any(
        req.reaches_within for req in obligation.evidence
    )


def evaluate(query: Query, obligation: Obligation, span: Window, as_of: datetime) -> Outcome:
    """Every trigger of one triggered duty version owed in `span`, judged at `as_of`."""
    rule = obligation.rule
    assert isinstance(rule, Triggered)  # noqa: S101 - `compiles` chose it
    return reference.evaluate(query.force, obligation, rule, _found(query, as_of), span, as_of)


def claimed(query: Query, duties: Collection[str], as_of: datetime) -> frozenset[str]:
    """The ids of the records counted as follow-ups of the triggered duties named, as the
    reference's `claimed` finds them (the one assignment of the check)."""
    index = _found(query, as_of)
    force = query.force
    return frozenset(
        record
        for ob in force.obligations
        if ob.id in duties and isinstance(ob.rule, Triggered)
        for record in reference.claimed(force, ob, index)
    )


def claims_left_out(obligation: Obligation) -> bool:
    """Whether the compiled engine can leave what triggered duties claim out of this duty
    (`not_claimed_by`; the reference hides it from the whole index) by leaving out ids: a
    recurring duty's evidence, found per window and filtered by id, can; the people owing a
    per-person duty and the places a constraint's records are found in are not filtered."""
    return isinstance(obligation.rule, Recurring) and not obligation.scope.per_person


def _found(query: Query, as_of: datetime) -> EventIndex:
    """The triggers and candidate follow-ups of every triggered duty known at `as_of`, as
    an index: made once per check, so every duty reads one assignment."""
    cached = _FOUND.get(query)
    if cached is not None and cached[0] == as_of:
        return cached[1]
    force = query.force
    duties = [ob for ob in force.obligations if isinstance(ob.rule, Triggered)]
    triggers = _triggers(query, duties, as_of)
    windows = list(_windows(force, duties, triggers))
    found = {e.id: e for e in triggers}
    for event in _follow_ups(query, duties, windows, as_of):
        found.setdefault(event.id, event)
    # in log order, as the reference's index holds them (a trigger's follow-ups in it);
    # the repeats are the whole log's, not found again among these rows: their refs are
    # read through the repeats (two tweets naming two copies of a warrant would look like
    # one tweet twice) and they carry no `all_day` (a day's record, one at its midnight)
    place = query.position
    rows = sorted(found.values(), key=lambda e: place.get(e.id, -1))
    index = EventIndex(rows, force, repeated=query.repeated)
    _FOUND[query] = (as_of, index)
    return index


#: One owed trigger's follow-up window: (duty number, trigger, unit owing it, window).
_Owed = tuple[int, Event, str | None, Window]


def _windows(force: Force, duties: list[Obligation], triggers: list[Event]) -> Iterable[_Owed]:
    """Every trigger of each duty, with its window and the units owing it, as `_assign`
    makes its instances (deadlines by the engine, in the force's zone)."""
    for n, ob in enumerate(duties):
        trigger = _trigger_of(ob)
        for fired in triggers:
            if fired.type not in trigger.types:
                continue
            if failed_condition(trigger.where, fired) is not None:
                continue
            deadline = _deadline(force, trigger, fired)
            if not _owes_trigger(ob, trigger, fired, deadline, force.zone):
                continue
            window = Window(fired.at, deadline, force.zone)
            for unit in _trigger_units(force, ob, trigger, fired):
                yield n, fired, unit, window


def _triggers(query: Query, duties: list[Obligation], as_of: datetime) -> list[Event]:
    """The records of the duties' trigger types known at `as_of` that some duty's trigger
    conditions accept."""
    wanted: dict[str, list[Obligation]] = {}
    for ob in duties:
        for kind in _trigger_of(ob).types:
            wanted.setdefault(kind, []).append(ob)
    return [
        e
        for e in trigger_records(query)
        if e.at <= as_of
        and e.type in wanted
        and any(failed_condition(_trigger_of(ob).where, e) is None for ob in wanted[e.type])
    ]


def trigger_records(query: Query) -> list[Event]:
    """Every record of a trigger type of the force's triggered duties, at any time and
    whatever its attributes, repeats left out: what the triggered duties choose their
    triggers from and what the accounting asks whether a record came before
    (`account.py`), the same records as the reference's index holds. Found once per check
    (a few hundred in a million records)."""
    found = _TRIGGERS.get(query)
    if found is None:
        kinds = sorted(
            {
                kind
                for ob in query.force.obligations
                if isinstance(ob.rule, Triggered)
                for kind in _trigger_of(ob).types
            }
        )
        t = query.records.table
        found = _events(query, t.filter(t.type.isin(kinds))) if kinds else []
        _TRIGGERS[query] = found
    return found


def _follow_ups(
    query: Query, duties: list[Obligation], windows: list[_Owed], as_of: datetime
) -> list[Event]:
    """The records of a type some duty's evidence reads, whose type, attributes and role
    some requirement of a triggered duty accepts (`qualifies`: no other is ever counted,
    nor looked at as spare), and that, inside some trigger's window, either name it in
    `refs` or, naming nothing, are in the unit owing it or one within it (anywhere, for a
    trigger owed force-wide), by the trigger's person when it names one: one query, each
    record joined on each trigger it names, or else on its unit and on `_ANYWHERE`."""
    rows = _linked_windows(query, duties, windows) | _unlinked_windows(query, duties, windows)
    accepted = query.accepted([_counted_for(duties)])
    if not rows or not accepted:
        return []
    w = _table(query, ("w_type", "w_key", "w_person", "w_start", "w_end"), merged(rows))
    ibis = query.ibis
    types = {r[0] for r in rows}
    t = query.records.table
    t = t.filter(t.at <= _utc(as_of))
    if query.facts is not None:  # by the numbers of the facts accepted: no text read
        f = query.facts_table(query.facts_accepted(accepted, types), "f")
        t = t.join(f, t.facts == f.f_facts).rename(f_kind="f_type")
        kind, unit = t.f_kind, t.f_scope
    else:
        a = query.accepted_table(accepted, "a")
        t = t.filter(t.type.isin(sorted(types)))
        t = t.semi_join(
            a, [t.type == a.a_type, t.attrs == a.a_attrs, a.a_role.isnull() | (t.role == a.a_role)]
        )
        kind, unit = t.type, t.scope
    keys = ibis.ifelse(t.refs.length() > 0, t.refs, ibis.array([unit, ibis.literal(_ANYWHERE)]))
    t = t.mutate(key=keys.unnest(), kind=kind)
    on = [t.kind == w.w_type, t.key == w.w_key, t.at >= w.w_start, t.at < w.w_end]
    on.append(w.w_person.isnull() | (t.person == w.w_person))
    return _events(query, t.semi_join(w, on).drop("key"))


def merged(rows: Iterable[_Row]) -> list[_Row]:
    """The windows of each (type, key, person) merged where they overlap or meet: a record
    is inside one of them exactly when it is inside one of the windows merged, and each
    record is tested against every window of its key (the force-wide key, a few hundred
    windows, read by most records), so fewer windows cost less."""
    spans: dict[tuple[str, str, str | None], list[tuple[datetime, datetime]]] = {}
    for kind, key, person, start, end in rows:
        spans.setdefault((kind, key, person), []).append((start, end))
    found: list[_Row] = []
    for (kind, key, person), windows in spans.items():
        windows.sort()
        start, end = windows[0]
        for later, until in windows[1:]:
            if later > end:
                found.append((kind, key, person, start, end))
                start, end = later, until
            else:
                end = max(end, until)
        found.append((kind, key, person, start, end))
    return found


def _counted_for(duties: list[Obligation]) -> list[Requirement]:
    """Every requirement a record may count for as a follow-up: each step of every
    triggered duty, linked (`refs`) or not."""
    return [req for ob in duties for req in ob.evidence]


#: The key of an unlinked follow-up's window owed force-wide, which every record has
#: (a trigger or unit id equal to it would only select more rows, never fewer).
_ANYWHERE = "\x01anywhere"

#: A window a follow-up is joined on: (type, trigger named or unit, person, start, end).
_Row = tuple[str, str, str | None, datetime, datetime]


def _linked_windows(query: Query, duties: list[Obligation], windows: list[_Owed]) -> set[_Row]:
    """Per trigger (and each repeat of it) and type its duty's evidence reads, its window:
    a record naming it, inside it, may follow it up."""
    copies: dict[str, list[str]] = {}  # a trigger's id -> the ids of its repeats
    for copy, original in query.repeated.items():
        copies.setdefault(original, []).append(copy)
    # a duty counting follow-ups made ahead of the trigger (`linked_before`) reads them from
    # the day it came into force; its assignment (the reference's) decides which count
    early = [_early(query.force, ob) for ob in duties]
    return {
        (kind, named, None, early[n] or window.start, window.end)
        for n, fired, _, window in windows
        for named in (fired.id, *copies.get(fired.id, ()))
        for req in duties[n].evidence
        for kind in req.types
    }


def _unlinked_windows(query: Query, duties: list[Obligation], windows: list[_Owed]) -> set[_Row]:
    """Per trigger of a `refs_or_scope` duty, type it reads and unit a record naming
    nothing may follow it up in (`_ANYWHERE` for a trigger owed force-wide), its window,
    with the trigger's person."""
    force = query.force
    reads: dict[int, set[str]] = {}
    for kind, pairs in _routes(duties).items():
        for n, _ in pairs:
            reads.setdefault(n, set()).add(kind)
    inside: dict[str, list[str]] = {}
    for u in force.units:
        for a in force.ancestry(u.id):
            inside.setdefault(a, []).append(u.id)
    # a duty whose steps reach within (`reaches`) also reads records of the units above
    reaching = [any(req.reaches_within for req in ob.evidence) for ob in duties]
    return {
        (kind, scope, fired.person, window.start, window.end)
        for n, fired, unit, window in windows
        for kind in reads.get(n, ())
        for scope in (
            [_ANYWHERE]
            if unit is None
            else [*inside.get(unit, [unit]), *(force.ancestry(unit) if reaching[n] else ())]
        )
    }


#: The columns of the engine's tables holding instants (the others hold text).
_INSTANTS = frozenset({"w_start", "w_end"})


def _table(query: Query, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Any:
    """A table of the engine's rows (instants as UTC) for a query to join to."""
    import pyarrow as pa

    columns = {
        name: [_utc(r[i]) if name in _INSTANTS else r[i] for r in rows]
        for i, name in enumerate(names)
    }
    instant, text = pa.timestamp("us", tz="UTC"), pa.string()
    return query._table(columns, {n: instant if n in _INSTANTS else text for n in names})


def _events(query: Query, expr: Any) -> list[Event]:
    """The rows of `expr` as events (attributes as the reader keeps them), repeats and
    records whose attributes the reader would reject left out."""
    ordered = query.records.ordered  # each record's place in the log comes with it
    rows = query.rows(expr, (*_COLUMNS, *(("seq",) if ordered else ())))
    if ordered:
        query.position.update(zip(rows["id"], rows["seq"], strict=True))
    found = []
    event, left_out, repeated = query.values.event, query.left_out, query.repeated
    replace = msgspec.structs.replace
    for i, kind, at, scope, role, person, refs, text, line in zip(
        *(rows[c] for c in _COLUMNS), strict=True
    ):
        stand_in = event(kind, text)
        if stand_in is None or i in left_out:
            continue
        # most name nothing: no ref to read through the repeats
        named = tuple(dict.fromkeys([repeated.get(r, r) for r in refs])) if refs else ()
        found.append(
            replace(
                stand_in,
                id=i,
                at=at if at.tzinfo is UTC else _utc(at),
                scope=scope,
                role=role,
                person=person,
                refs=named,
                line=line,
            )
        )
    return found


def _utc(moment: datetime) -> datetime:
    """An instant as UTC (a database may give it naive in UTC, or in another zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
