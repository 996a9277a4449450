"""Recurring duties whose steps are parts of one item (`one_item`: a walk and the tweet
promoting it, a survey and the priorities it led to), compiled.

Each step's records per window are found as any recurring duty's are (the asks answered
by the check's one evidence query); which of them are parts of one item is then decided by
the reference's own `item_steps` over those records, so the pairing rules (refs joined
directly or through others, a record naming another period's step, a `key` attribute,
the first step's record with most steps tied to it) are stated once. What it needs beyond
the evidence is what the records name: each evidence record's `refs`, and whether a record
named is a step of the duty anywhere in the log (known at the instant judged, as the
reader keeps it). One query per check finds both for every such duty's evidence, over the
ids the evidence query returned (`expect` says which before the first duty is judged).

A ref to a repeat names the record it repeats, as in the reference's index
(`index._named_once`). Left to the reference: a duty that leaves out what another duty
claims (`not_claimed_by`), whose reference index remembers the step ids of whichever
view asked first.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

import msgspec

from engagerules.engine.compiled.evidence import Rows, ids, stand_ins
from engagerules.engine.compiled.query import Ask, Query
from engagerules.engine.index import _named_once
from engagerules.engine.kinds.recurring import OneItem, _key, item_steps
from engagerules.model.event import Event
from engagerules.model.plan import Obligation

__all__ = ["by_key", "compiles", "expect", "tied"]


class _Named:
    """What one check's step records name, found at one instant judged."""

    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of
        #: The asks whose records' refs are wanted, and the types of the duties asking.
        self.asks: dict[Ask, frozenset[str]] = {}
        #: The expected asks whose records' ids were taken (each once: `asks` asked twice).
        self.taken: set[Ask] = set()
        #: The ids whose refs were asked for (those with none are not in `refs`).
        self.asked: set[str] = set()
        #: A record's id -> its refs as recorded (not yet read through the repeats).
        self.refs: dict[str, tuple[str, ...]] = {}
        #: An id some record names -> the type of the record it is, when that record is
        #: of a step type some duty asked for, known at `as_of` and kept by the reader.
        self.named: dict[str, str] = {}
        #: Per duty's step types, the ids named that are steps of it (`item_steps`).
        self.steps: dict[frozenset[str], frozenset[str]] = {}


#: Per query (one check): the asks expected, and what their records name.
_NAMED: WeakKeyDictionary[Query, _Named] = WeakKeyDictionary()


def compiles(obligation: Obligation) -> bool:
    """Whether the compiled engine pairs this duty's steps (else the reference judges it)."""
    return not obligation.not_claimed_by


def expect(query: Query, obligation: Obligation, asks: Sequence[Ask], as_of: datetime) -> None:
    """Note that the records `asks` find at `as_of` will be paired into items, so that one
    query finds what every such duty's records name."""
    types = frozenset(t for req in obligation.evidence for t in req.types)
    state = _state(query, as_of)
    for ask in asks:
        state.asks[ask] = types
    query.expect_naming(types, as_of)


def tied(
    query: Query,
    obligation: Obligation,
    tie: OneItem,
    steps: Sequence[Sequence[Event]],
    as_of: datetime,
) -> list[Sequence[Event]]:
    """One window's records of each step (stand-ins in the reference's order), kept to
    those of one item, as the reference's `item_steps` keeps them."""
    if not steps[0]:
        return list(steps)
    state = _state(query, as_of)
    types = frozenset(t for req in obligation.evidence for t in req.types)
    found = set().union(*map(ids, steps))
    missing = found - state.asked
    if missing:
        _find(query, state, missing, types)
    refs = state.refs
    if refs.keys().isdisjoint(found):
        return by_key(tie, steps)  # no record names another: ties by the key alone
    replace = msgspec.structs.replace
    named = [
        _named_once(
            query.repeated, [replace(e, refs=refs[e.id]) if e.id in refs else e for e in step]
        )
        for step in steps
    ]

    def step_ids() -> Container[str]:
        found = state.steps.get(types)
        if found is None:
            repeated = query.repeated
            found = state.steps[types] = frozenset(
                repeated.get(i, i) for i, kind in state.named.items() if kind in types
            ) - frozenset(query.left_out)
        return found

    return list(item_steps(tie, named, step_ids))


def by_key(tie: OneItem, steps: Sequence[Sequence[Event]]) -> list[Sequence[Event]]:
    """`item_steps` where no record names another (none has `refs`, so each is an item of
    its own and none is linked): records are tied when they are one record, or either has
    no value of the key, or both the same. The key depends on a record's attributes alone,
    so it is read once per stand-in (`Rows`: no event per record), and a step every record
    of which is kept is returned as it is."""
    first = steps[0]
    if not first:
        return list(steps)
    if tie.key is None:  # every record tied to every other: each step as it is
        return list(steps)
    keys: dict[int, str | None] = {}

    def key_of(stand_in: Event) -> str | None:
        found = keys.get(id(stand_in), _UNKNOWN)
        if found is _UNKNOWN:
            found = keys[id(stand_in)] = _key(stand_in, tie)
        return found  # type: ignore[return-value]

    named = [list(zip(ids(step), map(key_of, stand_ins(step)), strict=True)) for step in steps]
    best: list[list[int]] = []
    tried: set[str | None] = set()
    for anchor, mine in named[0]:
        if mine in tried:
            continue
        tried.add(mine)
        chosen = [
            [k for k, (i, theirs) in enumerate(step) if _one_item(anchor, mine, i, theirs)]
            for step in named
        ]
        if not best or sum(map(bool, chosen[1:])) > sum(map(bool, best[1:])):
            best = chosen
    return [_kept(step, places) for step, places in zip(steps, best, strict=True)]


#: No key worked out yet (a key may be None).
_UNKNOWN = object()


def _one_item(anchor: str, mine: str | None, other: str, theirs: str | None) -> bool:
    """The reference's `_tied` of two records neither of which names another."""
    return anchor == other or mine is None or theirs is None or mine == theirs


def _kept(step: Sequence[Event], places: list[int]) -> Sequence[Event]:
    """The records of `step` at `places` (in order): the step itself when all are."""
    if len(places) == len(step):
        return step
    if isinstance(step, Rows):
        everyone = step.ids
        kept = {everyone[k] for k in places}
        return step.without({i for i in everyone if i not in kept})
    return [step[k] for k in places]


def _state(query: Query, as_of: datetime) -> _Named:
    """The query's record of what is named at `as_of` (begun again at another instant, the
    asks expected kept)."""
    state = _NAMED.get(query)
    if state is None or state.as_of != as_of:
        fresh = _Named(as_of)
        if state is not None:
            fresh.asks = state.asks
        state = _NAMED[query] = fresh
    return state


def _find(query: Query, state: _Named, ids: set[str], types: frozenset[str]) -> None:
    """The refs of the records of `ids`, and of every record the expected asks found not
    yet asked, and what type of step each id they name is. Which records name others is
    found by the check's one pass over the records (`Query.naming`), so a check whose
    steps name nothing asks nothing more; only the records named are looked up here."""
    as_of = state.as_of
    wanted = set(ids)
    kinds = set(types)
    for ask, asking in state.asks.items():
        if ask not in state.taken:
            state.taken.add(ask)
            for rows in query.evidence_of(ask, as_of).values():
                wanted.update(rows.ids)
        kinds |= asking
    wanted -= state.asked
    state.asked |= wanted
    naming = query.naming(kinds, as_of)
    found = {i: naming[i] for i in wanted if i in naming}
    state.refs.update(found)
    named = sorted({name for refs in found.values() for name in refs})
    state.steps.clear()
    if not named:
        return
    chosen = query._table({"e_id": named}, {"e_id": query._pa.string()})
    t = query.records.table
    n = t.filter(t.type.isin(sorted(kinds)), t.at <= as_of.astimezone(UTC))
    n = n.semi_join(chosen, n.id == chosen.e_id)
    columns = query._run(n.select("id", "type", "attrs", "scope"))
    units = {u.id for u in query.force.units}
    values = query.values
    for name, kind, text, scope in zip(
        columns["id"], columns["type"], columns["attrs"], columns["scope"], strict=True
    ):
        if (scope is None or scope in units) and values.event(kind, text) is not None:
            state.named[name] = kind
