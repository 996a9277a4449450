"""A seeded simulator of activity logs: the demo's data and every benchmark's.

It reads a force's obligations and acts them out: each due window is honoured with
probability `compliance`, follow-ups come after triggers, constraints are kept or broken,
and the log is padded (or thinned) to the number of events asked for. The same force,
range, size and seed always give the same log.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from engagerules.engine.kinds import kind_module
from engagerules.errors import UsageError
from engagerules.model.periods import Window, judged_bounds
from engagerules.model.plan import (
    AttrSpec,
    AttrType,
    Condition,
    Force,
    Obligation,
    Operator,
    Requirement,
)

__all__ = ["simulate"]


def simulate(
    force: Force,
    start: date,
    end: date,
    *,
    events: int,
    compliance: float = 0.8,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """About `events` activity records (exactly that many when any duty is due) between
    `start` and `end`, in the contract's event format, sorted by time."""
    if not 0.0 <= compliance <= 1.0:
        msg = f"compliance {compliance} must be between 0 and 1"
        raise UsageError(msg)
    if events < 0:
        msg = f"events {events} must not be negative"
        raise UsageError(msg)
    rng = random.Random(seed)
    span = judged_bounds(start, end, force.zone)
    actor = _Actor(force, span, rng, compliance)
    planned = [record for ob in force.obligations if ob.scored for record in actor.act(ob)]
    if len(planned) > events:
        planned = rng.sample(planned, events)
    while len(planned) < events:
        planned.append(actor.background())
    planned.sort(key=lambda r: (datetime.fromisoformat(r["at"]).timestamp(), r["type"]))
    actor.vary(planned)
    for number, record in enumerate(planned, start=1):
        record["id"] = f"e{number:06d}"
    by_key = {r.pop("_key"): r["id"] for r in planned if "_key" in r}
    for record in planned:
        keys = record.pop("_refs", ())
        refs = [by_key[k] for k in keys if k in by_key]
        if refs:
            record["refs"] = refs
    return planned


class _Actor:
    def __init__(self, force: Force, span: Window, rng: random.Random, compliance: float) -> None:
        self.force = force
        self.span = span
        self.rng = rng
        self.compliance = compliance
        self.people = [f"p{n:03d}" for n in range(1, 13)]
        self.serial = 0
        # What each event type's attributes must hold: every value made keeps these, so
        # the log reads with no rejection (a broken rule picks another declared code).
        self.specs: dict[str, dict[str, AttrSpec]] = {
            t.id: {a.name: a for a in t.attributes} for t in force.event_types
        }
        triggers = {
            t for ob in force.obligations for t in kind_module(ob.kind).trigger_types(ob.rule)
        }
        # The rules (constraints) each event type must keep, by the obligation setting them:
        # a compliant officer records every fact any rule asks of the event, not only the
        # facts of the duty being acted out.
        self.rules: dict[str, list[tuple[str, tuple[Condition, ...]]]] = {}
        for ob in force.obligations:
            kept = _require(ob)
            if kept:
                for kind in {t for req in ob.evidence for t in req.types}:
                    self.rules.setdefault(kind, []).append((ob.id, kept))
        # Noise never includes triggers: a stray warrant would invent duties nobody had.
        self.quiet_types = [t.id for t in force.event_types if t.id not in triggers] or [
            t.id for t in force.event_types
        ]

    # -- what a kind module acts with (the `Actor` protocol) ---------------------------

    def act(self, ob: Obligation) -> Iterable[dict[str, Any]]:
        return kind_module(ob.kind).act(ob, ob.rule, self)

    def key(self, ob: Obligation) -> str:
        self.serial += 1
        return f"trigger-{ob.id}-{self.serial}"

    def satisfying(self, conditions: tuple[Condition, ...], type_id: str) -> dict[str, Any]:
        mine = tuple(c for c in conditions if c.applies_to(type_id))
        return _satisfying(mine, self.rng, self.specs.get(type_id))

    def breaking(self, conditions: tuple[Condition, ...], type_id: str) -> dict[str, Any]:
        mine = tuple(c for c in conditions if c.applies_to(type_id))
        return _breaking(mine, self.rng, self.specs.get(type_id))

    def codes(self, type_id: str, attr: str) -> tuple[str, ...]:
        spec = self.specs.get(type_id, {}).get(attr)
        return spec.code_ids if spec is not None and spec.type is AttrType.CODE else ()

    def base(
        self, type_id: str, at: datetime, scope: str | None, role: str | None
    ) -> dict[str, Any]:
        return self._base(type_id, at, scope, role, None, {})

    # -- records -------------------------------------------------------------------

    def background(self) -> dict[str, Any]:
        """An event that no particular duty asked for: the noise of a real log. It keeps
        the rules on its type as often as the simulated force complies."""
        kind = self.rng.choice(self.quiet_types)
        unit = self.rng.choice([*self.force.units, None])
        role = self.rng.choice(self.force.roles).id
        extra: dict[str, Any] = {}
        if kind in self.rules and self.rng.random() < self.compliance:
            for _, conditions in self.rules[kind]:
                extra.update(_satisfying(conditions, self.rng, self.specs.get(kind)))
        at = self.moment(self.span)
        return self._base(kind, at, unit.id if unit else None, role, None, extra)

    def record(
        self,
        ob: Obligation,
        req: Requirement,
        window: Window,
        scope: str | None,
        person: str | None,
        extra: dict[str, Any],
        *,
        comply: bool = True,
    ) -> dict[str, Any]:
        role = req.roles[0] if req.roles else (req.owner or ob.owner)
        kind = req.types[0]
        specs = self.specs.get(kind)
        attrs_: dict[str, Any] = {}
        for rule_of, conditions in self.rules.get(kind, ()):
            if comply or rule_of != ob.id:
                attrs_.update(_satisfying(conditions, self.rng, specs))
        attrs_.update(_satisfying(req.where, self.rng, specs))
        attrs_.update(extra)
        attrs_.setdefault("location", self._location(scope))
        record = self._base(kind, self.moment(window), scope, role, person, attrs_)
        if not comply and any(c.op is Operator.DIFFERS_FROM_PREVIOUS for c in _require(ob)):
            record["_repeat"] = True  # settled by _vary once the log is in time order
        return record

    def _location(self, scope: str | None) -> str:
        return self.rng.choice([f"{scope or 'force'}-venue-{n}" for n in range(1, 6)])

    def vary(self, records: list[dict[str, Any]]) -> None:
        """Settle 'differs from the previous' rules on the time-ordered log: a compliant
        record moves away from the previous value in its unit, a breaking one repeats it.
        Records are made duty by duty, so only the finished log knows what came before."""
        for ob in self.force.obligations:
            attrs_varied = [c.attr for c in _require(ob) if c.op is Operator.DIFFERS_FROM_PREVIOUS]
            types = {t for req in ob.evidence for t in req.types}
            for attr in attrs_varied:
                previous: dict[str | None, Any] = {}
                for record in records:
                    if record["type"] not in types:
                        continue
                    unit = record.get("scope")
                    values = record.setdefault("attrs", {})
                    before = previous.get(unit)
                    if record.get("_repeat") and before is not None:
                        values[attr] = before
                    elif before is not None and values.get(attr) == before:
                        others = [f"{unit or 'force'}-venue-{n}" for n in range(1, 7)]
                        values[attr] = self.rng.choice([v for v in others if v != before])
                    previous[unit] = values.get(attr)
        for record in records:
            record.pop("_repeat", None)

    def _base(
        self,
        kind: str,
        at: datetime,
        scope: str | None,
        role: str | None,
        person: str | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        record: dict[str, Any] = {"type": kind, "at": at.astimezone(self.force.zone).isoformat()}
        if scope:
            record["scope"] = scope
        if role:
            record["role"] = role
        if person:
            record["person"] = person
        if extra:
            record["attrs"] = dict(extra)
        return record

    def moment(self, window: Window) -> datetime:
        lo, hi = max(window.start, self.span.start), min(window.end, self.span.end)
        if hi <= lo:
            lo, hi = window.start, window.end
        seconds = int((hi - lo).total_seconds())
        offset = self.rng.randrange(max(seconds, 1))
        return (lo + timedelta(seconds=offset)).replace(microsecond=0).astimezone(lo.tzinfo)


def _satisfying(
    conditions: tuple[Condition, ...],
    rng: random.Random,
    specs: dict[str, AttrSpec] | None = None,
) -> dict[str, Any]:
    """Attributes that meet every condition (what a compliant officer records), each of
    its declared type: a value to avoid becomes another of the declared codes."""
    specs = specs or {}
    found: dict[str, Any] = {}
    for cond in conditions:
        match cond.op:
            case Operator.PRESENT:
                found[cond.attr] = _present(specs.get(cond.attr))
            case Operator.EQUALS:
                found[cond.attr] = cond.value
            case Operator.IN:
                options = cond.value if isinstance(cond.value, tuple) else (cond.value,)
                found[cond.attr] = rng.choice(options)
            case Operator.NOT_IN | Operator.NOT_EQUALS:
                other = _other(specs.get(cond.attr), _options(cond), "general", rng)
                if other is not None:
                    found[cond.attr] = other
            case Operator.MIN:
                found[cond.attr] = cond.value
            case Operator.MAX:
                found[cond.attr] = cond.value
            case _:
                pass
    return found


def _breaking(
    conditions: tuple[Condition, ...],
    rng: random.Random | None = None,
    specs: dict[str, AttrSpec] | None = None,
) -> dict[str, Any]:
    """Attributes that break the first condition (what an audit should catch), each of
    its declared type: a code attribute takes a declared code the rule does not allow,
    or is left out (missing is never a pass) when every declared code is allowed."""
    specs = specs or {}
    found: dict[str, Any] = {}
    for cond in conditions[:1]:
        spec = specs.get(cond.attr)
        match cond.op:
            case Operator.PRESENT:
                pass
            case Operator.ABSENT:
                found[cond.attr] = _present(spec)
            case Operator.EQUALS | Operator.IN:
                default = f"not-{cond.value}" if cond.op is Operator.EQUALS else "something-else"
                other = _other(spec, _options(cond), default, rng)
                if other is not None:
                    found[cond.attr] = other
            case Operator.NOT_IN:
                options = cond.value if isinstance(cond.value, tuple) else (cond.value,)
                found[cond.attr] = options[0]
            case Operator.NOT_EQUALS:
                found[cond.attr] = cond.value
            case Operator.MIN:
                found[cond.attr] = (
                    float(cond.value) if isinstance(cond.value, int | float) else 0
                ) - 1
            case Operator.MAX:
                found[cond.attr] = (
                    float(cond.value) if isinstance(cond.value, int | float) else 0
                ) + 1
            case Operator.DIFFERS_FROM_PREVIOUS:
                pass  # the location is repeated by the caller
    return found


def _options(cond: Condition) -> tuple[Any, ...]:
    """The value or values a comparing condition names."""
    return cond.value if isinstance(cond.value, tuple) else (cond.value,)


def _other(
    spec: AttrSpec | None, avoid: tuple[Any, ...], default: Any, rng: random.Random | None
) -> Any:
    """A value that is none of `avoid`: for a declared code, another declared code (None
    when there is none); for a boolean, the other truth value; else `default`."""
    if spec is not None and spec.type is AttrType.CODE:
        others = [code for code in spec.code_ids if code not in avoid]
        if not others:
            return None
        return rng.choice(others) if rng is not None else others[0]
    if spec is not None and spec.type is AttrType.BOOLEAN:
        return not avoid[0] if avoid and isinstance(avoid[0], bool) else None
    return default


def _present(spec: AttrSpec | None) -> Any:
    """Some value of the declared type, for a rule that asks only that one is recorded."""
    if spec is None:
        return "recorded"
    match spec.type:
        case AttrType.CODE:
            return spec.code_ids[0]
        case AttrType.BOOLEAN:
            return True
        case AttrType.NUMBER | AttrType.INTEGER:
            low = -math.inf if spec.min is None else spec.min
            high = math.inf if spec.max is None else spec.max
            return min(max(1, math.ceil(low)), math.floor(high))  # 1, within any bounds
        case AttrType.DATE:
            return "2000-01-01"
        case AttrType.TIMESTAMP:
            return "2000-01-01T00:00:00+00:00"
        case AttrType.PERIOD:
            return "2000"
        case _:
            return "recorded"


def _require(ob: Obligation) -> tuple[Condition, ...]:
    """The conditions every event of the duty's types must keep (a constraint's rule)."""
    return kind_module(ob.kind).record_rule(ob.rule)
