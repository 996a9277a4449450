"""An adversary for a force's encoding that needs no hand-written scenario.

From each obligation's structure alone (its kind's simulated compliant records, its units,
roles, evidence conditions, trigger, periods and dates) the audit builds small activity
logs and judges them with the public `evaluate`: a *positive control* (a compliant log,
which must be met, so an encoding cannot pass by failing everything) and *adversaries*, logs
a reader of the plan would call not done, which must not be met. A verdict the other way
is a finding, with the log and the command that reproduces it.

The adversary classes are a small registry (`ADVERSARIES`): one function per class, its
docstring saying which reading of a plan it defends. Nothing here branches on a duty's
kind: the kind's own module makes the compliant records (`act`, as the simulator does) and
says which types set duties off and which rules every record must keep; the rest is read
from the obligation (requirements, scope, dates) and from the control's own verdicts
(windows, triggers, evidence). The audit is pure: it reads no file and no clock.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

import attrs

from engagerules.authoring.simulate import _Actor
from engagerules.engine.evaluate import evaluate
from engagerules.engine.kinds import kind_module
from engagerules.model.conditions import failed_condition
from engagerules.model.durations import Duration
from engagerules.model.periods import Window, local_midnight, range_bounds
from engagerules.model.plan import (
    AttrType,
    Condition,
    Force,
    Obligation,
    Operator,
    Requirement,
)
from engagerules.model.results import Result, Status
from engagerules.model.words import attr_words
from engagerules.sources.events import parse_events

__all__ = [
    "ADVERSARIES",
    "Adversary",
    "Audit",
    "Context",
    "DutyAudit",
    "Expect",
    "Finding",
    "Probe",
    "accepted_roles",
    "audit",
    "audit_duty",
    "context",
    "judge",
]


class Expect(enum.StrEnum):
    """What must come of a probe's log, for the results it is about."""

    #: Every one is met (a compliant log).
    MET = "met"
    #: None is met (an adversary).
    NOT_MET = "not met"
    #: Each is a breach (a record breaking a constraint's rule).
    BREACH = "breach"
    #: Not every one is met (one record for two triggers: one may be, not both).
    NOT_ALL_MET = "not all met"
    #: Some result of the duty is a breach (a breaking record it cannot place in a unit).
    ANY_BREACH = "a breach somewhere"


MET, NOT_MET, BREACH = Expect.MET, Expect.NOT_MET, Expect.BREACH
NOT_ALL_MET, ANY_BREACH = Expect.NOT_ALL_MET, Expect.ANY_BREACH

#: A result's identity across logs: a triggered result by its trigger, any other by its
#: unit (or person) and window.
Key = tuple[Any, ...]

#: The log file name a finding's command reads, and the date the audit falls back to for a
#: force and duty with no effective date.
LOG_NAME: Final = "audit.jsonl"
FALLBACK_START: Final = date(2024, 1, 1)


@attrs.frozen
class Probe:
    """One log to judge and what must come of it."""

    adversary: str
    #: What this log is, in words ("every update by a Special Constable").
    words: str
    records: tuple[Mapping[str, Any], ...]
    start: date
    end: date
    expect: Expect = attrs.field(converter=Expect)
    #: The results the expectation is about (empty: every result of the duty).
    keys: tuple[Key, ...] = ()
    #: The unit the expectation is about, for `explain --scope` (None: force-wide or a person).
    scope: str | None = None


#: What an adversary class yields: its probes, then (returned) why it did not apply, if so.
Probes = Generator[Probe, None, str | None]


@attrs.frozen
class Finding:
    """A probe whose verdict went the wrong way: a comforting met (an adversary) or a
    false missed (a control), with what reproduces it."""

    obligation: str
    title: str
    adversary: str
    words: str
    expected: Expect
    #: The statuses judged for the results the probe is about, with their reasons.
    got: tuple[tuple[str, str, str], ...]
    records: tuple[Mapping[str, Any], ...]
    start: date
    end: date
    as_of: datetime
    scope: str | None

    def command(self, force: str, overrides: Sequence[str] = ()) -> str:
        """The command that shows the verdict, window by window, on the finding's log."""
        extra = "".join(f" --overrides {path}" for path in overrides)
        scope = f" --scope {self.scope}" if self.scope else ""
        return (
            f"engagerules explain {force}{extra} {self.obligation} {LOG_NAME} "
            f"--from {self.start} --to {self.end} --as-of {self.as_of.isoformat()}{scope}"
        )


@attrs.frozen
class DutyAudit:
    """What the audit made of one version of one duty."""

    obligation: str
    title: str
    kind: str
    #: How many logs were judged.
    probes: int
    findings: tuple[Finding, ...]
    #: Why the duty could not be audited (no control could be built), or None.
    not_auditable: str | None = None
    #: Adversary classes that do not apply to this duty, each with why.
    not_applicable: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class Audit:
    """Every duty of a force, audited."""

    force: str
    duties: tuple[DutyAudit, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for duty in self.duties for f in duty.findings)


# ---------------------------------------------------------------- the probing context


class _Maker(_Actor):
    """The simulator's actor at full compliance, marking which records are evidence (and
    of which requirement), so an adversary can take them away or change them."""

    def __init__(self, force: Force, span: Window, judged: Window, seed: str) -> None:
        super().__init__(force, span, random.Random(seed), 1.0)  # noqa: S311 (a seed, not a secret)
        self.judged = judged
        self.named: dict[tuple[str, str], Any] = {}

    def moment(self, window: Window) -> datetime:
        """Early in each window (an hour in, or half way through a shorter one), so the
        records of consecutive windows are never more than a cadence apart; where the
        kind asks for any moment of the whole range (a trigger, a record a rule judges),
        a seeded one inside the range judged."""
        if window == self.span:
            return super().moment(self.judged)
        lo, hi = max(window.start, self.span.start), min(window.end, self.span.end)
        if hi <= lo:
            lo, hi = window.start, window.end
        step = min(timedelta(hours=1), (hi - lo) / 2)
        return (lo + step).replace(microsecond=0).astimezone(lo.tzinfo)

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
        made = super().record(ob, req, window, scope, person, extra, comply=comply)
        made["_req"] = ob.evidence.index(req)
        # The simulator names venues, groups and accounts freely; where the requirement
        # lists the values it accepts, or the type declares codes, a compliant record uses
        # them: each made-up name mapped to one of them in turn, so names that differ still do.
        specs = self.specs.get(made["type"], {})
        values = made.get("attrs", {})
        for name, value in values.items():
            allowed = _allowed(req.where, name)
            spec = specs.get(name)
            if allowed is None and spec is not None and spec.type is AttrType.CODE:
                allowed = set(spec.code_ids)
            if allowed and value not in allowed:
                choices = sorted(allowed, key=str)
                key = (name, str(value))
                if key not in self.named:
                    self.named[key] = choices[len(self.named) % len(choices)]
                values[name] = self.named[key]
        return made


@attrs.frozen
class Context:
    """A compliant log of one duty over a small range, as judged: what adversaries change."""

    force: Force
    obligation: Obligation
    label: str
    start: date
    end: date
    as_of: datetime
    records: tuple[Mapping[str, Any], ...]
    #: Record id -> the index of the requirement it is evidence for.
    evidence: Mapping[str, int]
    results: tuple[Result, ...]
    #: The records by id.
    by_id: Mapping[str, Mapping[str, Any]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "by_id", {r["id"]: r for r in self.records})

    @property
    def targets(self) -> tuple[Result, ...]:
        """The control's met results that rest on evidence: what adversaries attack."""
        return tuple(r for r in self.results if r.status is Status.MET and self.evidence_of(r))

    def of_scope(self, scope: str | None) -> list[str]:
        """The evidence records made for one unit or person (every one, force-wide)."""
        if scope is None or self.obligation.scope.per is None:
            return list(self.evidence)
        field = "person" if self.obligation.scope.per_person else "scope"
        return [e for e in self.evidence if self.by_id[e].get(field) == scope]

    def evidence_in(self, result: Result) -> list[str]:
        """The result's evidence and every other evidence record of its unit or person dated
        in its window: all that could stand for it (a target's earlier readings too)."""
        listed = self.evidence_of(result)
        inside = [
            e
            for e in self.of_scope(result.scope)
            if e not in listed and result.window.start <= _at(self.by_id[e]) < result.window.end
        ]
        return listed + inside

    def evidence_of(self, result: Result) -> list[str]:
        return [e for e in result.evidence if e in self.evidence]

    def first_target(self) -> Result | None:
        found = self.targets
        return found[0] if found else None

    def changed(
        self, changes: Mapping[str, Mapping[str, Any]], drop: Sequence[str] = ()
    ) -> tuple[dict[str, Any], ...]:
        """The control's records with some changed (id -> fields replaced; a field set to
        None is removed) and some dropped."""
        out = []
        for record in self.records:
            if record["id"] in drop:
                continue
            new = _copy(record)
            for field, value in changes.get(record["id"], {}).items():
                if value is None:
                    new.pop(field, None)
                else:
                    new[field] = value
            out.append(new)
        return tuple(out)

    def probe(
        self,
        adversary: str,
        words: str,
        changes: Mapping[str, Mapping[str, Any]],
        expect: str,
        keys: tuple[Key, ...],
        scope: str | None,
        *,
        drop: Sequence[str] = (),
        extra: Sequence[Mapping[str, Any]] = (),
    ) -> Probe:
        """A probe about the results `keys` of one unit or person (`scope`): the control
        changed, in time order, keeping only the records that could bear on that scope
        (its own, those of units enclosing it or within it, those with none, and those the
        probe changed), so the log a finding shows is short."""
        records = [*self.changed(changes, drop), *extra]
        touched = {*changes, *(r["id"] for r in extra)}
        ob = self.obligation
        unit = None
        if scope is not None and ob.scope.per_person:
            records = [r for r in records if r.get("person") in (None, scope) or r["id"] in touched]
        elif scope is not None and ob.scope.per is not None:
            unit = scope
            near = set(self.force.ancestry(scope))
            near.update(u.id for u in self.force.units if scope in self.force.ancestry(u.id))
            records = [r for r in records if r.get("scope") in (None, *near) or r["id"] in touched]
        records.sort(key=_when)
        return Probe(adversary, words, tuple(records), self.start, self.end, expect, keys, unit)


def _apart(records: list[dict[str, Any]], force: Force) -> None:
    """Each record of a type that does not `repeat` a second after any earlier one saying
    the same (type, unit, role, person, instant, attributes): a compliant log holds
    separate activities, and two identical records would be one exported twice, which
    counts once."""
    many = {t.id for t in force.event_types if t.repeats}
    seen: set[tuple[Any, ...]] = set()
    for record in records:
        if record["type"] in many:
            continue
        while (key := _said(record)) in seen:
            record["at"] = _iso(_at(record) + timedelta(seconds=1), force)
        seen.add(key)


def _said(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a record says, for `_apart`: all but its id (refs are made distinct apart)."""
    fields = ("type", "scope", "role", "person")
    attrs_said = tuple(sorted((k, repr(v)) for k, v in record.get("attrs", {}).items()))
    return (*(record.get(f) for f in fields), _at(record), attrs_said, repr(record.get("_refs")))


def _copy(record: Mapping[str, Any]) -> dict[str, Any]:
    new = dict(record)
    if "attrs" in new:
        new["attrs"] = dict(new["attrs"])
    if "refs" in new:
        new["refs"] = list(new["refs"])
    return new


def key_of(result: Result) -> Key:
    if result.trigger is not None:
        return ("trigger", result.trigger, result.scope)
    return ("window", result.scope, result.window.start)


def _as_of(force: Force, end: date) -> datetime:
    """Late enough that every window and deadline of the range has closed."""
    return local_midnight(end + timedelta(days=400), force.zone)


def _judge(
    force: Force, ob: Obligation, records: Sequence[Mapping[str, Any]], start: date, end: date
) -> tuple[Result, ...]:
    log = parse_events(((LOG_NAME, n, dict(r)) for n, r in enumerate(records, 1)), force)
    report = evaluate(force, log, start, end, _as_of(force, end), obligations=[ob.id])
    return tuple(r for r in report.results if r.obligation == ob.id)


def context(
    force: Force, ob: Obligation, start: date, end: date, label: str, *, lead: bool = True
) -> Context:
    """The kind's compliant records for `ob` over `start`..`end`, judged. They are made from
    a week before (so something that must be in place throughout is in place from the
    start) and, with `lead`, from a cadence before (so a duty kept up to date has its last
    update before the range, as a real log in mid-life would)."""
    before = timedelta(days=7)
    cadence = ob.cadence
    if lead and cadence is not None:
        first = local_midnight(start, force.zone)
        before = max(before, cadence.after(first, force.zone) - first)
    span = range_bounds(start - before, end, force.zone)
    judged = range_bounds(start, end, force.zone)
    if ob.cycle is not None:  # moments anywhere in the range: in the windows it judges
        whole = [w for w in ob.cycle.windows(judged, force.zone) if w.start >= judged.start]
        if whole and whole[0].start < judged.end:
            judged = Window(whole[0].start, judged.end, force.zone)
    maker = _Maker(force, span, judged, f"{force.id}|{ob.id}|{start}|{label}")
    made = [dict(r) for r in maker.act(ob)]
    made.sort(key=lambda r: (datetime.fromisoformat(r["at"]).timestamp(), r["type"]))
    maker.vary(made)
    _apart(made, force)
    evidence: dict[str, int] = {}
    keys: dict[str, str] = {}
    for number, record in enumerate(made, 1):
        record["id"] = f"a{number:04d}"
        if "_key" in record:
            keys[record.pop("_key")] = record["id"]
        if "_req" in record:
            evidence[record["id"]] = record.pop("_req")
    for record in made:
        refs = [keys[k] for k in record.pop("_refs", ()) if k in keys]
        if refs:
            record["refs"] = refs
    records = tuple(made)
    return Context(
        force,
        ob,
        label,
        start,
        end,
        _as_of(force, end),
        records,
        evidence,
        _judge(force, ob, records, start, end),
    )


# ------------------------------------------------------------------ the adversary classes


@attrs.frozen
class Adversary:
    """One class of adversary: a name, what a finding of it means, and its probes."""

    name: str
    meaning: str
    probes: Callable[[Context], Probes]

    @property
    def defends(self) -> str:
        """The plan-reading the class defends: its function's docstring."""
        return " ".join((self.probes.__doc__ or "").split())


def _met_as_made(ctx: Context, adversary: str, words: str) -> Probe | None:
    """A context's compliant log, which must be met in every window it judges (bar those
    with nothing to check); None when it leaves nothing to judge."""
    keys = tuple(
        key_of(r) for r in ctx.results if r.status not in (Status.UNCHECKED, Status.WAIVED)
    )
    if not keys:
        return None
    return Probe(adversary, words, ctx.records, ctx.start, ctx.end, MET, keys)


def _control(ctx: Context) -> Probes:
    """A compliant log is met: the least the kind's own module makes at full compliance
    (the minimum count in every window, each follow-up inside its deadline, updates within
    the cadence), so an encoding that fails everything cannot pass the adversaries."""
    probe = _met_as_made(ctx, "control", "the compliant log")
    if probe is None:
        return "the compliant log left every window with nothing to check"
    yield probe
    return None
    return None


def _empty(ctx: Context) -> Probes:
    """No record, no met: with every evidence record taken away (triggers and people's
    joining kept), nothing is met, over the range starting on the first day in force and
    over that day alone (a range shorter than any cadence)."""
    drop = list(ctx.evidence)
    records = ctx.changed({}, drop)
    yield Probe("empty", "no evidence at all", records, ctx.start, ctx.end, NOT_MET)
    yield Probe(
        "empty",
        "no evidence, judged on the first day alone",
        records,
        ctx.start,
        ctx.start,
        NOT_MET,
    )
    return None


def _wrong_role(ctx: Context) -> Probes:
    """Who did it matters: evidence by a role the duty does not accept (outside its listed
    roles, or, where it lists none, outside the owner and the roles that are members of the
    owner's team), or by no recorded role, does not meet the duty."""
    force, ob = ctx.force, ctx.obligation
    module = kind_module(ob.kind)
    if module.record_rule(ob.rule):
        return "a rule every record keeps, whoever made it (a breach by anyone is a breach)"
    if module.READINGS:
        return "readings of a figure: who read it does not change the figure"
    outsiders: dict[int, str] = {}
    for n, req in enumerate(ob.evidence):
        if req.any_role:
            continue
        accepted = set(accepted_roles(force, ob, req))
        other = next((r.id for r in force.roles if r.id not in accepted), None)
        if other is not None:
            outsiders[n] = other
    if not outsiders:
        return "every role of the force is accepted for every requirement"
    target = ctx.first_target()
    if target is None:
        return "the control met no window with evidence"
    scope = target.scope
    mine = ctx.of_scope(scope)
    keys = tuple(key_of(r) for r in ctx.targets if r.scope == scope)
    changes = {
        e: {"role": outsiders[ctx.evidence[e]]} for e in mine if ctx.evidence[e] in outsiders
    }
    named = " or ".join(sorted(set(outsiders.values())))
    whose = f"{scope}'s" if scope else "every"
    words = f"{whose} evidence by {named}"
    yield ctx.probe("wrong_role", words, changes, NOT_MET, keys, scope)
    nobody = {e: {"role": None} for e in mine}
    words = f"{whose} evidence with no role recorded"
    yield ctx.probe("wrong_role", words, nobody, NOT_MET, keys, scope)
    return None


def accepted_roles(force: Force, ob: Obligation, req: Requirement) -> tuple[str, ...]:
    """The roles whose records a requirement accepts: those it lists, or else the owner and
    the roles that are members of the owner (a team), as issue 19's principle reads it."""
    if req.roles:
        return req.roles
    owner = req.owner or ob.owner
    return tuple(r.id for r in force.roles if owner in force.teams_of(r.id)) or (owner,)


def _wrong_unit(ctx: Context) -> Probes:
    """Where it was done matters: a unit's evidence recorded in a sibling unit, in the unit
    enclosing it, or with no unit, does not meet that unit's duty (a follow-up is moved
    without the refs naming its trigger: one that names it is that trigger's wherever it
    was logged)."""
    force, ob = ctx.force, ctx.obligation
    if ob.scope.per is None or ob.scope.per_person:
        return "owed force-wide or per person, not per unit"
    target = next((r for r in ctx.targets if r.scope is not None), None)
    if target is None:
        return "the control met no unit's window"
    unit = str(target.scope)
    mine = [
        rid
        for rid in ctx.evidence
        if unit in force.ancestry(str(ctx.by_id[rid].get("scope")))  # the unit or within it
    ]
    if not mine:
        return "the control's evidence was recorded in no unit"
    keys = tuple(key_of(r) for r in ctx.targets if r.scope == unit)
    here = force.unit(unit)
    kin = [u for u in force.units if u.id != unit and here is not None and u.kind == here.kind]
    kin.sort(key=lambda u: u.within != (here.within if here else None))
    places: list[tuple[str, str | None]] = []
    if kin:
        places.append((f"in the sibling unit {kin[0].id}", kin[0].id))
    if here is not None and here.within is not None:
        places.append((f"in the enclosing unit {here.within}", here.within))
    places.append(("with no unit", None))
    for where, place in places:
        # A follow-up naming its trigger in refs is that trigger's wherever it was logged;
        # the adversary is one resting on unit and time alone, so its refs go.
        changes = {rid: {"scope": place, "refs": None} for rid in mine}
        words = f"{unit}'s evidence recorded {where}"
        yield ctx.probe("wrong_unit", words, changes, NOT_MET, keys, unit)
    return None


def _late(ctx: Context) -> Probes:
    """On time matters: a window's evidence made one second after its last second (at its
    exclusive end, the next period's first second), or a follow-up made one second after
    its deadline, does not meet it."""
    target = ctx.first_target()
    if target is None:
        return "the control met no window with evidence"
    after = timedelta(seconds=1 if target.trigger is not None else 0)
    moved = _iso(target.window.end + after, ctx.force)
    changes = {rid: {"at": moved} for rid in ctx.evidence_in(target)}
    words = f"the evidence of the window {_window(target, ctx.force)} made at {moved}"
    yield ctx.probe("late", words, changes, NOT_MET, (key_of(target),), target.scope)
    return None


def _before_trigger(ctx: Context) -> Probes:
    """A follow-up follows: a step made one second before the event that set the duty off
    does not answer it (where the duty counts a step naming its trigger though entered
    ahead of it, `linked_before`, one naming nothing)."""
    target = next((r for r in ctx.targets if r.trigger is not None), None)
    if target is None:
        return "no duty set off by an event"
    fired = ctx.by_id[target.trigger or ""]
    at = datetime.fromisoformat(fired["at"]) - timedelta(seconds=1)
    change: dict[str, Any] = {"at": _iso(at, ctx.force)}
    words = f"every step of {fired['id']} made one second before it"
    ob = ctx.obligation
    if _trigger_json(ob).get("linked_before"):
        # the duty reads a step naming its trigger as entered ahead of it: only one that
        # names nothing must not count
        change["refs"] = None
        words += ", naming nothing"
    changes = {rid: dict(change) for rid in ctx.evidence_of(target)}
    yield ctx.probe("before_trigger", words, changes, NOT_MET, (key_of(target),), target.scope)
    return None


def _trigger_json(ob: Obligation) -> dict[str, Any]:
    """The duty's `trigger` object as the contract writes it (empty for other kinds)."""
    trigger: dict[str, Any] = kind_module(ob.kind).json_fields(ob.rule).get("trigger", {})
    return trigger


def _shared_record(ctx: Context) -> Probes:
    """One record, one obligation instance: two events that each set the duty off, with
    one unlinked record per step after both, are not both answered. A duty whose follow-up
    answers every open trigger (`answers: all_open`, a reading) is held to what it still
    refuses: a second event a second after the steps is not answered by them."""
    target = next((r for r in ctx.targets if r.trigger is not None), None)
    if target is None:
        return "no duty set off by an event"
    fired = ctx.by_id[target.trigger or ""]
    twin = _copy(fired)
    twin["id"] = f"{fired['id']}-twin"
    steps = ctx.evidence_of(target)
    if _trigger_json(ctx.obligation).get("answers") == "all_open":
        last = max(datetime.fromisoformat(ctx.by_id[rid]["at"]) for rid in steps)
        twin["at"] = _iso(last + timedelta(seconds=1), ctx.force)
        after = f"a second {fired['type']} a second after the follow-ups of {fired['id']}"
        unlinked: dict[str, dict[str, Any]] = {rid: {"refs": None} for rid in steps}
        later: tuple[Key, ...] = (("trigger", twin["id"], target.scope),)
        yield ctx.probe(
            "shared_record", after, unlinked, NOT_MET, later, target.scope, extra=[twin]
        )
        return None
    at = datetime.fromisoformat(fired["at"]) + timedelta(seconds=1)
    twin["at"] = _iso(at, ctx.force)
    changes: dict[str, dict[str, Any]] = {}
    for rid in steps:
        when = datetime.fromisoformat(ctx.by_id[rid]["at"])
        changes[rid] = {"refs": None, "at": _iso(max(when, at + timedelta(seconds=1)), ctx.force)}
    keys = (key_of(target), ("trigger", twin["id"], target.scope))
    words = (
        f"{fired['id']} and a second {fired['type']} a second later, one unlinked record per step"
    )
    yield ctx.probe("shared_record", words, changes, NOT_ALL_MET, keys, target.scope, extra=[twin])
    return None


def _next_period(ctx: Context) -> Probes:
    """A record names its period: evidence naming the next period counts for it, not for
    the window it was made in, and (made before that period starts) not for that one either."""
    ob = ctx.obligation
    named = [(n, req) for n, req in enumerate(ob.evidence) if req.for_period is not None]
    if not named:
        return "no evidence names its period (for_period)"
    target = ctx.first_target()
    if target is None:
        return "the control met no window with evidence"
    following = next(
        (r for r in ctx.targets if r.scope == target.scope and r.window.start == target.window.end),
        None,
    )
    label = _period_label(ob.cadence, target.window.end.astimezone(ctx.force.zone).date())
    # The window's last hour; where a step may be made ahead of the period it names
    # (`early`), the last hour before that allowance opens, which is still too early.
    opens = min(
        (r.early.before(target.window.end, ctx.force.zone) for _, r in named if r.early),
        default=target.window.end,
    )
    late = _iso(opens - timedelta(hours=1), ctx.force)
    changes: dict[str, dict[str, Any]] = {}
    for rid in ctx.evidence_in(target):
        req = ob.evidence[ctx.evidence[rid]]
        if req.for_period is not None:
            values = {**ctx.by_id[rid].get("attrs", {}), req.for_period: label}
            changes[rid] = {"attrs": values, "at": late}
    drop = ctx.evidence_in(following) if following is not None else []
    keys = (key_of(target),) + ((key_of(following),) if following is not None else ())
    words = f"the evidence of {_window(target, ctx.force)} naming the next period, {label}"
    if drop:
        hour = "its last hour" if opens == target.window.end else "the hour before its allowance"
        words += f", made in {hour} (the next period's own evidence taken away)"
    yield ctx.probe("next_period", words, changes, NOT_MET, keys, target.scope, drop=drop)
    return None


def _attributes(ctx: Context) -> Probes:
    """Conditions are kept: evidence with a code-listed attribute outside its list, with a
    value a condition forbids or beyond its bound, or with an attribute a condition needs
    left out, does not meet the duty; where the condition is
    a rule every record must keep (a constraint's), the window is a breach, so
    `check --fail-on breach` fails, never `unchecked`."""
    force, ob = ctx.force, ctx.obligation
    target = ctx.first_target()
    if target is None:
        return "the control met no window with evidence"
    rule = kind_module(ob.kind).record_rule(ob.rule)
    ruled = {c.attr for c in rule}
    # A code outside the list of an attribute some constraint judges is read, and is that
    # constraint's breach (its own probes show it); for a duty that does not judge the
    # attribute, the record is still the activity it records.
    judged_elsewhere = {
        c.attr
        for other in force.obligations
        if other.id != ob.id
        for c in kind_module(other.kind).record_rule(other.rule)
    } - ruled
    specs = {t.id: {a.name: a for a in t.attributes} for t in force.event_types}
    mine = ctx.evidence_in(target)
    plans: dict[tuple[str, str], tuple[str, Any, list[str]]] = {}
    for rid in mine:
        record = ctx.by_id[rid]
        req = ob.evidence[ctx.evidence[rid]]
        conds = [c for c in (*req.where, *rule) if c.applies_to(record["type"])]
        needed = {c.attr for c in conds if c.op not in _NEEDS_NOTHING}
        needed.update(a for a in (req.sum, req.distinct) if a)
        for attr in sorted(needed):
            plans.setdefault(("missing", attr), (f"{attr} left out", None, []))[2].append(rid)
        declared = specs.get(record["type"], {})
        listed = {c.attr for c in conds if c.op in (Operator.IN, Operator.EQUALS)}
        listed.update(
            a
            for a, s in declared.items()
            if s.type is AttrType.CODE
            and a in record.get("attrs", {})
            and a not in judged_elsewhere
        )
        for attr in sorted(listed):
            plans.setdefault(
                ("outside", attr), (f"{attr} = 'not-a-listed-code'", "not-a-listed-code", [])
            )[2].append(rid)
            allowed = _allowed(conds, attr)
            spec = declared.get(attr)
            other = next(
                (
                    c
                    for c in (spec.code_ids if spec else ())
                    if allowed is not None and c not in allowed
                ),
                None,
            )
            if other is not None:
                plans.setdefault(
                    ("declared", attr), (f"{attr} = {other!r} (declared, not allowed)", other, [])
                )[2].append(rid)
        for cond in conds:
            broken = _breaking_value(cond)
            typed = declared.get(cond.attr)
            text = typed is None or typed.type is AttrType.TEXT
            if _asks_there(cond) and cond.attr not in ruled and text:
                # A record that says the thing did not happen: evidence of nothing.
                broken = f"No {attr_words(cond.attr)} - cancelled"
            if broken is not None:
                what = f"{cond.attr} = {broken!r}, against '{cond.describe()}'"
                plans.setdefault(("broken", cond.attr), (what, broken, []))[2].append(rid)
    if not plans:
        return "no attribute is listed or needed"
    for (how, attr), (what, value, rids) in plans.items():
        changes = {}
        for rid in rids:
            values = dict(ctx.by_id[rid].get("attrs", {}))
            if how == "missing":
                values.pop(attr, None)
            else:
                values[attr] = value
            changes[rid] = {"attrs": values or None}
        expect = BREACH if attr in ruled else NOT_MET
        words = f"the evidence of {_window(target, force)} with {what}"
        yield ctx.probe("attributes", words, changes, expect, (key_of(target),), target.scope)
        if attr in ruled and how == "missing" and target.scope is not None:
            placed = {rid: {**change, "scope": None} for rid, change in changes.items()}
            words += " and no unit"
            yield ctx.probe("attributes", words, placed, ANY_BREACH, (), None)
    return None


#: Operators a record without the attribute keeps.
_NEEDS_NOTHING = frozenset({Operator.ABSENT, Operator.DIFFERS_FROM_PREVIOUS})


def _breaking_value(cond: Condition) -> Any:
    """A value that breaks a condition naming what is forbidden or a bound (one of the
    values `not_in` lists, the value `not_equals` names, one below a minimum or above a
    maximum); None for the other operators, which `outside` and `missing` break."""
    match cond.op:
        case Operator.NOT_IN:
            return cond.value[0] if isinstance(cond.value, tuple) and cond.value else None
        case Operator.NOT_EQUALS:
            return cond.value
        case Operator.MIN if isinstance(cond.value, int | float):
            return cond.value - 1
        case Operator.MAX if isinstance(cond.value, int | float):
            return cond.value + 1
        case _:
            return None


def _asks_there(cond: Condition) -> bool:
    """Whether a condition asks that the thing be there (evidence's `present`), which a
    value denying it ("No partners - cancelled") does not meet."""
    return cond.op is Operator.PRESENT and cond.asks == "there"


def _allowed(conds: Sequence[Condition], attr: str) -> set[Any] | None:
    """The values the `in`/`equals` conditions on `attr` allow (None: not restricted)."""
    allowed: set[Any] | None = None
    for c in conds:
        if c.attr != attr or c.op not in (Operator.IN, Operator.EQUALS):
            continue
        values = set(c.value) if isinstance(c.value, tuple) else {c.value}
        allowed = values if allowed is None else allowed & values
    return allowed


def _spellings(ctx: Context) -> Probes:
    """'Different' means different things: one value written several ways (in capitals,
    with spaces round it) is one value, so a count of different ones (`distinct`) falls
    short, and a repeat where a rule asks each record to differ from the previous is a
    breach."""
    ob = ctx.obligation
    target = ctx.first_target()
    if target is None:
        return "the control met no window with evidence"
    found = False
    mine = ctx.evidence_of(target)
    for n, req in enumerate(ob.evidence):
        records = [ctx.by_id[e] for e in mine if ctx.evidence[e] == n]
        if req.distinct is None or req.min < 2 or len(records) < 2:
            continue
        first = records[0].get("attrs", {}).get(req.distinct)
        if not isinstance(first, str):
            continue
        changes = {
            r["id"]: {"attrs": {**r.get("attrs", {}), req.distinct: _spelling(first, i)}}
            for i, r in enumerate(records)
        }
        found = True
        window = _window(target, ctx.force)
        words = f"{req.distinct} of {window}'s evidence: {first!r} spelt {len(records)} ways"
        yield ctx.probe("spellings", words, changes, NOT_MET, (key_of(target),), target.scope)
    rule = kind_module(ob.kind).record_rule(ob.rule)
    for cond in rule:
        if cond.op is not Operator.DIFFERS_FROM_PREVIOUS or not mine:
            continue
        source = ctx.by_id[mine[0]]
        value = source.get("attrs", {}).get(cond.attr)
        if not isinstance(value, str):
            continue
        at = min(_at(source) + timedelta(minutes=1), target.window.end - timedelta(seconds=1))
        repeat = _copy(source)
        repeat.update(id=f"{source['id']}-again", at=_iso(at, ctx.force))
        repeat["attrs"] = {**repeat.get("attrs", {}), cond.attr: _spelling(value, 1)}
        found = True
        words = f"{source['id']} repeated a minute later with {cond.attr} {_spelling(value, 1)!r}"
        keys = (key_of(target),)
        yield ctx.probe("spellings", words, {}, BREACH, keys, target.scope, extra=[repeat])
    return None if found else "no attribute must differ (distinct, differs_from_previous)"


def _spelling(value: str, n: int) -> str:
    """The `n`th way of writing `value`: as given, in capitals, capitalised with spaces."""
    ways = (value, value.upper(), f" {value.capitalize()} ", f"{value.lower()}  ")
    return ways[n % len(ways)]


def _month_end(ctx: Context) -> Probes:
    """Calendar arithmetic: one month after the last day of a month is the last day of the
    next, so a window's worth of evidence at noon on the last day of every month (31
    December, 31 January, 28 or 29 February, 31 March, 30 April ...) meets every window
    holding one, for any cadence of whole months."""
    ob, force = ctx.obligation, ctx.force
    cadence = ob.cadence
    if cadence is None or not (cadence.months or cadence.years):
        return "no cadence of whole months or years"
    year = _full_year(ctx, month=1)
    if year is None:
        return "not in force from December to July of any year probed"
    chained = context(force, ob, date(year, 1, 1), date(year, 6, 30), "month-end")
    made_met = _met_as_made(chained, "month_end", f"the compliant log, January to June {year}")
    if made_met is not None:
        yield made_met
    target = next((r for r in chained.targets if r.trigger is None), None)
    if target is None:
        return "the control met no window with evidence"
    bundle = _bundle(chained, target)
    ends = [date(year, m, 1) - timedelta(days=1) for m in range(1, 7)] + [date(year, 6, 30)]
    instants = [local_midnight(d, force.zone) + timedelta(hours=12) for d in ends]
    made = []
    for n, moment in enumerate(instants):
        for k, source in enumerate(bundle):
            copy = _copy(source)
            copy.pop("refs", None)
            # a second apart: two copies saying the same at one instant would count once
            at = moment + timedelta(seconds=k)
            copy.update(id=f"{source['id']}-m{n}", at=_iso(at, force))
            made.append(copy)
    keys = tuple(
        key_of(r)
        for r in chained.targets
        if r.scope == target.scope and any(r.window.start <= i < r.window.end for i in instants)
    )
    if not keys:
        return "no window holds the last day of a month"
    words = "a window's evidence made at noon on the last day of each month, December to June"
    drop = list(chained.evidence)
    yield chained.probe("month_end", words, {}, MET, keys, target.scope, drop=drop, extra=made)
    return None


def _bundle(ctx: Context, result: Result) -> list[Mapping[str, Any]]:
    """The least of a result's evidence that meets each requirement: the minimum count of
    records, or records until their sum reaches the minimum."""
    taken: list[Mapping[str, Any]] = []
    for n, req in enumerate(ctx.obligation.evidence):
        mine = [ctx.by_id[e] for e in ctx.evidence_of(result) if ctx.evidence[e] == n]
        total = 0.0
        for count, record in enumerate(mine):
            if req.sum is None and count >= max(1, math.ceil(req.min)):
                break
            if req.sum is not None and total >= req.min:
                break
            taken.append(record)
            value = record.get("attrs", {}).get(req.sum or "", 0)
            total += value if isinstance(value, int | float) else 0
    return taken


def _clock_change(ctx: Context) -> Probes:
    """Time survives clock changes: a record made at 01:30 local on a night the clocks
    change (the last Sundays of March and October in Europe/London: in March 01:30 read
    with the offset before and after the jump, in October both 01:30s) counts for the
    window holding that instant, as any other hour would."""
    ob, force = ctx.obligation, ctx.force
    year = _full_year(ctx, month=3)
    if year is None:
        return "not in force through any spring and autumn probed"
    found = False
    for day in _changes(force, year):
        around = context(
            force, ob, day - timedelta(days=7), day + timedelta(days=7), f"clock {day}"
        )
        made_met = _met_as_made(
            around, "clock_change", f"the compliant log the week either side of {day}"
        )
        if made_met is not None:
            yield made_met
        for fold in (0, 1):
            instant = datetime.combine(day, time(1, 30), tzinfo=force.zone).replace(fold=fold)
            probe = _moved_to(around, instant.astimezone(UTC), day)
            if probe is not None:
                found = True
                yield probe
    return None if found else "no window met by a record holds 01:30 on a clock-change night"


def _moved_to(ctx: Context, instant: datetime, day: date) -> Probe | None:
    """The first met result whose window holds `instant` (after its trigger, if any), with
    its evidence record nearest that instant moved to it; None when no window holds it."""
    for result in ctx.targets:
        if not result.window.start <= instant < result.window.end:
            continue
        if result.trigger is not None and instant < _at(ctx.by_id[result.trigger]):
            continue
        inside = [
            e
            for e in ctx.evidence_of(result)
            if result.window.start <= _at(ctx.by_id[e]) < result.window.end
        ]
        if not inside:
            continue
        nearest = min(inside, key=lambda e: abs(_at(ctx.by_id[e]) - instant))
        at = _iso(instant, ctx.force)
        words = f"a record moved to {at}, 01:30 on the clock-change night of {day}"
        changes = {nearest: {"at": at}}
        return ctx.probe("clock_change", words, changes, MET, (key_of(result),), result.scope)
    return None


def _at(record: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(record["at"])


def _changes(force: Force, year: int) -> list[date]:
    """The local days of `year` on which the zone's offset changes."""
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        before = datetime.combine(day, time(0), tzinfo=force.zone).utcoffset()
        after = datetime.combine(day, time(23, 59), tzinfo=force.zone).utcoffset()
        if before != after:
            days.append(day)
        day += timedelta(days=1)
    return days


def _edges(ctx: Context) -> Probes:
    """The dates in force are whole: the last windows before a duty's `effective` end are
    judged like any other (a compliant log met, an empty one not), as the first windows are
    (the control and the empty log judge the range starting on the first day in force)."""
    ob, force = ctx.obligation, ctx.force
    if ob.effective_until is None:
        return "in force with no end date (the first windows are the control's)"
    length = ctx.end - ctx.start
    start = max(ob.effective_until - length, _first_day(force, ob))
    last = context(force, ob, start, ob.effective_until, "last windows")
    if not last.results:
        return "no window judged before the end date"
    made_met = _met_as_made(last, "edges", "the compliant log in the last windows in force")
    if made_met is not None:
        yield made_met
    empty = last.changed({}, list(last.evidence))
    words = "no evidence in the last windows in force"
    yield Probe("edges", words, empty, start, ob.effective_until, NOT_MET)
    return None


#: The adversary classes, in the order reports list them.
ADVERSARIES: Final[tuple[Adversary, ...]] = (
    Adversary("control", "a compliant log was not met (a false missed)", _control),
    Adversary("empty", "met with no evidence at all", _empty),
    Adversary("wrong_role", "met by records of a role the duty does not accept", _wrong_role),
    Adversary(
        "wrong_unit", "met by records of another unit, the enclosing one, or none", _wrong_unit
    ),
    Adversary("late", "met by records made after the window or deadline", _late),
    Adversary("before_trigger", "met by a follow-up made before its trigger", _before_trigger),
    Adversary(
        "shared_record",
        "one unlinked record answered two triggers (under answers: all_open, one fired after it)",
        _shared_record,
    ),
    Adversary("next_period", "met by a record naming another period", _next_period),
    Adversary(
        "attributes", "met (or not a breach) with a value outside its list or missing", _attributes
    ),
    Adversary("spellings", "one value in several spellings counted as different", _spellings),
    Adversary("month_end", "records on the last day of every month were not met", _month_end),
    Adversary(
        "clock_change", "a record at 01:30 on a clock-change night was not counted", _clock_change
    ),
    Adversary("edges", "the last windows in force judged wrongly", _edges),
)


# ------------------------------------------------------------------------ the audit


def audit(force: Force, obligations: Sequence[str] | None = None) -> Audit:
    """Audit every judged duty of `force` (or those named), each version on its own."""
    duties = []
    for ob in force.obligations:
        if obligations is not None and ob.id not in obligations:
            continue
        duties.append(audit_duty(force, ob))
    return Audit(force.id, tuple(duties))


def audit_duty(force: Force, ob: Obligation) -> DutyAudit:
    """The control and every adversary class of one duty version, judged."""
    module = kind_module(ob.kind)
    if not ob.scored:
        why = module.unchecked_reason(ob.rule) or "never judged"
        return DutyAudit(ob.id, ob.title, ob.kind.value, 0, (), f"never judged: {why}")
    start = _first_day(force, ob)
    ctx = _first_context(force, ob, start)
    if ctx is None:
        why = "no window is judged in the first three years in force"
        return DutyAudit(ob.id, ob.title, ob.kind.value, 1, (), why)
    unkept = _unkept(ctx)
    if unkept is not None:
        why = f"the compliant records its kind makes do not keep its own condition ({unkept})"
        return DutyAudit(ob.id, ob.title, ob.kind.value, 1, (), why)
    findings: list[Finding] = []
    skipped: list[tuple[str, str]] = []
    count = 0
    for adversary in ADVERSARIES:
        made = adversary.probes(ctx)
        before = count
        while True:
            try:
                probe = next(made)
            except StopIteration as stop:
                why = stop.value
                break
            count += 1
            finding = judge(force, ob, probe)
            if finding is not None:
                findings.append(finding)
        if count == before:
            skipped.append((adversary.name, why or "no probe could be built"))
    not_auditable = None
    if not ctx.targets:
        statuses = ", ".join(sorted({r.status.value for r in ctx.results})) or "no window"
        not_auditable = f"the compliant log met no window with evidence ({statuses})"
    return DutyAudit(
        ob.id, ob.title, ob.kind.value, count, tuple(findings), not_auditable, tuple(skipped)
    )


def _unkept(ctx: Context) -> str | None:
    """The first of a requirement's conditions an evidence record of the control breaks (a
    simulator that cannot make the duty's evidence gives no control to judge), or None."""
    log = parse_events(((LOG_NAME, n, dict(r)) for n, r in enumerate(ctx.records, 1)), ctx.force)
    for event in log.events:
        n = ctx.evidence.get(event.id)
        if n is None:
            continue
        failed = failed_condition(ctx.obligation.evidence[n].where, event)
        if failed is not None:
            return failed.describe()
    return None


def _first_context(force: Force, ob: Obligation, start: date) -> Context | None:
    """The control over the first windows in force: two cadences (two months where the
    duty does not recur), and if no window is judged there (a target due later), the
    first three years."""
    cadence = ob.cadence or Duration(months=1)
    first = local_midnight(start, force.zone)
    end = cadence.after(cadence.after(first, force.zone), force.zone).astimezone(force.zone).date()
    end = max(end - timedelta(days=1), start)
    limit = start + timedelta(days=3 * 366)
    if ob.effective_until is not None:
        limit = min(limit, ob.effective_until)
    for tried in (min(end, limit), limit):
        ctx = context(force, ob, start, tried, "first windows", lead=False)
        if not ctx.results:
            continue
        # A window judged whole that runs past the range (a target due months later) is
        # made whole too, so its compliant records are all there.
        reach = max(r.window.end for r in ctx.results).astimezone(force.zone)
        whole = min((reach - timedelta(microseconds=1)).date(), limit)
        if whole > tried:
            ctx = context(force, ob, start, whole, "first windows", lead=False)
        return ctx
    return None


def _first_day(force: Force, ob: Obligation) -> date:
    days = [d for d in (ob.effective_from, force.effective_from) if d is not None]
    return max(days) if days else FALLBACK_START


def _full_year(ctx: Context, *, month: int) -> int | None:
    """The first year after the first day in force whose Dec (before) to Jun, or Feb to Nov,
    the duty is in force throughout."""
    ob = ctx.obligation
    for year in range(ctx.start.year + 1, ctx.start.year + 4):
        first, last = (
            (date(year - 1, 12, 1), date(year, 7, 31))
            if month == 1
            else (
                date(year, 2, 1),
                date(year, 11, 30),
            )
        )
        if ob.in_force_on(first) and ob.in_force_on(last) and first >= _first_day(ctx.force, ob):
            return year
    return None


#: The most results a finding lists (the log reproduces the rest).
_SHOWN = 5


def judge(force: Force, ob: Obligation, probe: Probe) -> Finding | None:
    """The probe's log judged; a finding when its expectation is not kept."""
    results = _judge(force, ob, probe.records, probe.start, probe.end)
    by_key = {key_of(r): r for r in results}
    about = [by_key[k] for k in probe.keys if k in by_key] if probe.keys else list(results)
    unjudged = len(probe.keys) - len(about) if probe.keys else 0
    wrong: list[Result]
    if probe.expect is MET:
        wrong = [r for r in about if r.status is not Status.MET]
    elif probe.expect is NOT_MET:
        wrong, unjudged = [r for r in about if r.status is Status.MET], 0
    elif probe.expect is BREACH:
        wrong = [r for r in about if r.status is not Status.BREACH]
    elif probe.expect is ANY_BREACH:
        wrong = [] if any(r.status is Status.BREACH for r in about) else about
        unjudged = 0 if wrong or about else 1
    else:  # NOT_ALL_MET: one of them may be met, not every one
        met = unjudged == 0 and all(r.status is Status.MET for r in about)
        wrong, unjudged = (about if met else []), 0
    if not wrong and not unjudged:
        return None
    got = [(_where(r, force), r.status.value, r.reason) for r in wrong[:_SHOWN]]
    if len(wrong) > _SHOWN:
        got.append((f"and {len(wrong) - _SHOWN} more", "", ""))
    if unjudged:
        got.append(("the window the probe is about", "not judged", "no result for it"))
    return Finding(
        ob.id,
        ob.title,
        probe.adversary,
        probe.words,
        probe.expect,
        tuple(got),
        probe.records,
        probe.start,
        probe.end,
        _as_of(force, probe.end),
        probe.scope,
    )


# ------------------------------------------------------------------------ small helpers


def _iso(moment: datetime, force: Force) -> str:
    return moment.astimezone(force.zone).isoformat()


def _when(record: Mapping[str, Any]) -> float:
    return datetime.fromisoformat(record["at"]).timestamp()


def _window(result: Result, force: Force) -> str:
    start = result.window.start.astimezone(force.zone)
    end = result.window.end.astimezone(force.zone)
    return f"{start.isoformat()}..{end.isoformat()}"


def _where(result: Result, force: Force) -> str:
    what = f"after {result.trigger}" if result.trigger else _window(result, force)
    return f"{result.scope or 'force-wide'} {what}"


def _period_label(cadence: Duration | None, day: date) -> str:
    """The period starting on `day` as a record would name it: YYYY-MM, YYYY-Qn or YYYY
    where the period is that calendar month, quarter or year, else the day itself (a
    contract year starting in August is named by its first day)."""
    months = (
        None
        if cadence is None
        else (cadence.years * 12 + cadence.months, cadence.weeks, cadence.days)
    )
    if day.day == 1 and months == (1, 0, 0):
        return f"{day.year}-{day.month:02d}"
    if day.day == 1 and months == (3, 0, 0) and day.month in (1, 4, 7, 10):
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if (day.month, day.day) == (1, 1) and months == (12, 0, 0):
        return str(day.year)
    return day.isoformat()
