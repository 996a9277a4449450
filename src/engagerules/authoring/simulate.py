"""A seeded simulator of activity logs: the demo's data and every benchmark's.

It reads a force's obligations and acts them out: each due window is honoured with
probability `compliance`, follow-ups come after triggers, constraints are kept or broken,
and the log is padded (or thinned) to the number of events asked for. The same force,
range, size and seed always give the same log.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from engagerules.engine.kinds.constraint import Constraint
from engagerules.engine.kinds.target import Target
from engagerules.engine.kinds.triggered import Triggered
from engagerules.engine.schedule import Due, dues, unit_slots
from engagerules.errors import UsageError
from engagerules.model.periods import Window, range_bounds
from engagerules.model.plan import (
    AttrSpec,
    AttrType,
    Condition,
    Force,
    Kind,
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
    span = range_bounds(start, end, force.zone)
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
            t
            for ob in force.obligations
            if isinstance(ob.rule, Triggered)
            for t in ob.rule.trigger.types
        }
        # The rules (constraints) each event type must keep, by the obligation setting them:
        # a compliant officer records every fact any rule asks of the event, not only the
        # facts of the duty being acted out.
        self.rules: dict[str, list[tuple[str, tuple[Condition, ...]]]] = {}
        for ob in force.obligations:
            if isinstance(ob.rule, Constraint):
                for kind in {t for req in ob.evidence for t in req.types}:
                    self.rules.setdefault(kind, []).append((ob.id, ob.rule.require))
        # Noise never includes triggers: a stray warrant would invent duties nobody had.
        self.quiet_types = [t.id for t in force.event_types if t.id not in triggers] or [
            t.id for t in force.event_types
        ]

    # -- obligations ---------------------------------------------------------------

    def act(self, ob: Obligation) -> Iterator[dict[str, Any]]:
        match ob.kind:
            case Kind.RECURRING:
                yield from self._recurring(ob)
            case Kind.TRIGGERED:
                yield from self._triggered(ob)
            case Kind.CONSTRAINT:
                yield from self._constraint(ob)
            case Kind.COVERAGE:
                yield from self._coverage(ob)
            case Kind.STANDING:
                yield from self._standing(ob)
            case Kind.TARGET:
                yield from self._target(ob)
            case _:
                return

    def _recurring(self, ob: Obligation) -> Iterator[dict[str, Any]]:
        people = self.people[:6] if ob.scope.per_person else []
        for due in dues(ob, self.span, people):
            roll = self.rng.random()
            if roll >= self.compliance and roll < self.compliance + (1 - self.compliance) / 2:
                continue  # missed outright
            partial = roll >= self.compliance
            for req in ob.evidence:
                yield from self._satisfy(ob, req, due, partial=partial)

    def _satisfy(
        self, ob: Obligation, req: Requirement, due: Due, *, partial: bool
    ) -> Iterator[dict[str, Any]]:
        person = due.scope if ob.scope.per_person else None
        scope = None if ob.scope.per_person else due.scope
        if req.sum is not None:
            goal = req.min * (0.5 if partial else 1.0)
            total = 0.0
            while total < goal:
                hours = float(self.rng.choice((1, 1.5, 2, 3)))
                total += hours
                yield self._record(ob, req, due.window, scope, person, {req.sum: hours})
            return
        count = int(req.min) if not partial else max(0, int(req.min) - 1)
        if partial and count == 0 and len(ob.evidence) == 1:
            return
        for n in range(count):
            extra = {req.distinct: f"venue-{n + 1}"} if req.distinct else {}
            yield self._record(ob, req, due.window, scope, person, extra)

    def _triggered(self, ob: Obligation) -> Iterator[dict[str, Any]]:
        if not isinstance(ob.rule, Triggered):
            return
        trigger = ob.rule.trigger
        units = list(unit_slots(ob))
        months = max(1, round((self.span.end - self.span.start).days / 30))
        for _ in range(months * 2):
            self.serial += 1
            key = f"trigger-{ob.id}-{self.serial}"
            unit = self.rng.choice(units)
            at = self._moment(self.span)
            fired = self._base(trigger.types[0], at, unit, ob.owner, None, {})
            fired.setdefault("attrs", {}).update(
                _satisfying(trigger.where, self.rng, self.specs.get(trigger.types[0]))
            )
            if not fired["attrs"]:
                del fired["attrs"]
            fired["_key"] = key
            yield fired
            window = Window(at, trigger.within.after(at))
            skip = None
            if self.rng.random() >= self.compliance:
                skip = self.rng.randrange(len(ob.evidence))
            for index, req in enumerate(ob.evidence):
                if index == skip:
                    continue
                step = self._record(ob, req, window, unit, None, {})
                step["_refs"] = [key]
                yield step

    def _constraint(self, ob: Obligation) -> Iterator[dict[str, Any]]:
        # The recurring twin of a constraint (monthly surgeries) may already produce the
        # events; a few more each month exercise the rule itself.
        units = list(unit_slots(ob))
        months = max(1, round((self.span.end - self.span.start).days / 30))
        for _ in range(months):
            for unit in units:
                req = ob.evidence[0]
                comply = self.rng.random() < self.compliance
                require = _require(ob)
                specs = self.specs.get(req.types[0])
                attrs_ = (
                    _satisfying(require, self.rng, specs)
                    if comply
                    else _breaking(require, self.rng, specs)
                )
                record = self._record(ob, req, self.span, unit, None, attrs_, comply=comply)
                yield record

    def _coverage(self, ob: Obligation) -> Iterator[dict[str, Any]]:
        for unit in list(unit_slots(ob)):
            if self.rng.random() < self.compliance:
                early = Window(self.span.start, self.span.start + timedelta(days=7))
                yield self._record(ob, ob.evidence[0], early, unit, None, {})

    def _standing(self, ob: Obligation) -> Iterator[dict[str, Any]]:
        cadence = ob.cadence
        if cadence is None:
            return
        for unit in list(unit_slots(ob)):
            moment = self.span.start
            while moment < self.span.end:
                gap = (cadence.after(moment) - moment) / 2
                moment += gap if self.rng.random() < self.compliance else gap * 3
                if moment < self.span.end:
                    yield self._record(
                        ob,
                        ob.evidence[0],
                        Window(moment, moment + timedelta(hours=8)),
                        unit,
                        None,
                        {},
                    )

    def _target(self, ob: Obligation) -> Iterator[dict[str, Any]]:
        if not isinstance(ob.rule, Target):
            return
        target = ob.rule
        groups = [f"account-{n}" for n in (1, 2, 3)] if target.group else [None]
        baseline = target.baseline if target.baseline is not None else target.value * 0.8
        reach = target.value * (0.9 + 0.2 * self.compliance)
        for due in dues(ob, self.span):
            steps = 6
            for step in range(1, steps + 1):
                level = baseline + (reach - baseline) * step / steps
                at = due.window.start + (due.window.end - due.window.start) * step / (steps + 1)
                if not self.span.contains(at):
                    continue
                for group in groups:
                    share = level / len(groups)
                    extra: dict[str, Any] = {target.attr: round(share)}
                    if target.group and group:
                        extra[target.group] = group
                    yield self._record(
                        ob,
                        ob.evidence[0],
                        Window(at, at + timedelta(hours=1)),
                        due.scope,
                        None,
                        extra,
                    )

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
        at = self._moment(self.span)
        return self._base(kind, at, unit.id if unit else None, role, None, extra)

    def _record(
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
        record = self._base(kind, self._moment(window), scope, role, person, attrs_)
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

    def _moment(self, window: Window) -> datetime:
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
            return 1
        case AttrType.DATE:
            return "2000-01-01"
        case AttrType.TIMESTAMP:
            return "2000-01-01T00:00:00+00:00"
        case _:
            return "recorded"


def _require(ob: Obligation) -> tuple[Condition, ...]:
    """The conditions a constraint sets; none for every other kind."""
    return ob.rule.require if isinstance(ob.rule, Constraint) else ()
