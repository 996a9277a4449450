"""A small mutation run over the engine and conditions: would the tests notice?

Each mutant is one deliberate defect, written down below as a textual change to one source
file (a list, not a random generator, so the run is reproducible and each mutant is a bug
a reviewer recognises: UTC instead of Europe/London, `--as-of` ignored, `>=` turned into
`>`, inclusive window ends ...). For each mutant the source tree is copied to a scratch
directory, the change applied there (the checkout is never touched) and the tests run
against the copy; a failing run kills the mutant.

Two questions are asked of every mutant:

* per force: do the force's own scenarios (`forces/<force>/tests/*.json`), with no unit
  test, notice it? Every force's scenarios run in one pytest per mutant, with this module
  loaded as a pytest plugin (`-p mutate`) to note which scenarios failed, so each force
  gets its own verdict. A mutant is "n.a." for a force whose configuration has no duty the
  mutated code can reach (no coverage duty, no `deadline_attr` ...): `REACH` below decides
  that from the configuration, and `--why` prints the reason;
* the union: every force's scenarios and the engine's unit tests (`UNIT_TESTS`, run only
  when no force's scenarios killed the mutant, since the union includes them).

    .venv/bin/python benchmarks/mutate.py                   # matrix and union, every mutant
    .venv/bin/python benchmarks/mutate.py --per-force       # the matrix only (no unit tests)
    .venv/bin/python benchmarks/mutate.py --only zone-utc   # one, by name (repeatable)
    .venv/bin/python benchmarks/mutate.py --force notts     # one force's column (repeatable)
    .venv/bin/python benchmarks/mutate.py --why             # what each mutant reaches, per force
    .venv/bin/python benchmarks/mutate.py --list

The matrix and the survivors are recorded in docs/mutation.md. This is a documented
command, not part of CI: it runs the tests once or twice per mutant.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from engagerules.model.plan import Force, Obligation

ROOT = Path(__file__).resolve().parents[1]
ENGINE = "src/engagerules/engine"

#: The engine's unit tests, which the union run adds to every force's scenarios.
UNIT_TESTS = [
    "tests/test_verdicts.py",
    "tests/test_engine.py",
    "tests/test_conditions.py",
    "tests/test_periods.py",
    "tests/test_events.py",
    "tests/test_gating.py",
    "tests/test_roles.py",
    "tests/test_named_periods.py",
    "tests/test_part_windows.py",
]

#: Where the plugin appends the node id of each failed test (set for the subprocess only).
FAILURES_ENV = "ENGAGERULES_MUTATE_FAILURES"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    changes: tuple[tuple[str, str], ...]


def m(name: str, file: str, *changes: tuple[str, str]) -> Mutant:
    return Mutant(name, file, changes)


MUTANTS = [
    # -- time and zone
    m(
        "zone-utc",
        "src/engagerules/sources/config.py",
        ('zone=ZoneInfo(raw["timezone"])', 'zone=ZoneInfo("UTC")'),
    ),
    m(
        "as-of-ignored",
        f"{ENGINE}/evaluate.py",
        ("known = _known(log.events, as_of)", "known = list(log.events)"),
    ),
    m(
        "inclusive-window-end",
        "src/engagerules/model/periods.py",
        ("return self.start <= moment < self.end", "return self.start <= moment <= self.end"),
    ),
    m(
        "index-inclusive-end",
        f"{ENGINE}/index.py",
        ("hi = bisect_left(times, window.end, lo)", "hi = bisect_right(times, window.end, lo)"),
        ("from bisect import bisect_left", "from bisect import bisect_left, bisect_right"),
    ),
    m(
        "range-end-exclusive",
        "src/engagerules/model/periods.py",
        ("local_midnight(last + timedelta(days=1), zone))", "local_midnight(last, zone))"),
    ),
    m(
        "localize-naive-utc",
        "src/engagerules/model/periods.py",
        (
            "return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)",
            "return naive.replace(tzinfo=UTC).astimezone(zone)",
        ),
    ),
    # -- effective dates
    m(
        "effective-ignored",
        "src/engagerules/model/plan.py",
        ("if self.effective_from is not None and day < self.effective_from:", "if False:"),
    ),
    m(
        "plan-effective-ignored",
        "src/engagerules/sources/config.py",
        (
            "    if plan_from is None:\n        return obligation\n",
            "    if True:\n        return obligation\n",
        ),
    ),
    m(
        "effective-span-ignored",
        f"{ENGINE}/schedule.py",
        ("start = max(start, local_midnight(obligation.effective_from, zone))", "pass"),
    ),
    # -- follow-ups and deadlines
    m(
        "follow-up-before-trigger",
        f"{ENGINE}/kinds/triggered.py",
        (  # a step referring to the trigger counts up to one deadline's length before it
            "    if event.at < window.start:\n        return Code.BEFORE_TRIGGER",
            "    if event.at < window.start - (window.end - window.start):\n"
            "        return Code.BEFORE_TRIGGER",
        ),
        (  # and so does a step matched by unit and time: its trigger opens a deadline early
            "and pending[opened].fired.at <= record.at:",
            "and pending[opened].fired.at - (pending[opened].window.end - "
            "pending[opened].window.start) <= record.at:",
        ),
        (  # (the sweep reading records from that earlier start)
            "        window = inst.window\n",
            "        window = Window(inst.window.start - (inst.window.end - inst.window.start), "
            "inst.window.end, inst.window.zone)\n",
        ),
        (
            "if not e.refs and e.id != fired.id and e.at >= fired.at",
            "if not e.refs and e.id != fired.id",
        ),
    ),
    m(
        "match-scope-always",
        f"{ENGINE}/kinds/triggered.py",
        ('        if _trigger_of(ob).match == "refs_or_scope":', "        if True:"),
    ),
    m(
        "one-record-many-triggers",
        f"{ENGINE}/kinds/triggered.py",
        (  # an unlinked record counts for every open trigger of every duty, as before issue 19
            "            allowed = shared if allowed is None else allowed & shared",
            "            allowed = None",
        ),
        ("or ((duty_id, record.id) in placed):", "or False:"),
    ),
    m(
        "item-key-ignored",
        f"{ENGINE}/kinds/triggered.py",
        ("inst.item = None if trigger.key is None else trigger.key.of_trigger(fired)", "pass"),
        ("    keys = [_trigger_of(ob).key for ob in duties]", "    keys = [None for _ in duties]"),
    ),
    m(
        "one-item-ignored",
        f"{ENGINE}/kinds/recurring.py",
        (
            "    if rule.one_item is not None:\n        steps = item_steps(",
            "    if False:\n        steps = item_steps(",
        ),
    ),
    m(
        "linked-always-true",
        f"{ENGINE}/kinds/triggered.py",
        ("linked = not circumstantial", "linked = True"),
    ),
    m(
        "each-unit-not-strict",
        f"{ENGINE}/kinds/triggered.py",
        ("    return unit is not None and (fired.scope", "    return False and (fired.scope"),
    ),
    m(
        "trigger-fanned-always",
        f"{ENGINE}/kinds/triggered.py",
        ("    if trigger.each_unit:", "    if True:"),
    ),
    m(
        "no-trigger-look-back",
        f"{ENGINE}/kinds/triggered.py",
        (
            "deadline > span.start\n            and _owes_trigger",
            "False\n            and _owes_trigger",
        ),
    ),
    m(
        "deadline-attr-ignored",
        f"{ENGINE}/kinds/triggered.py",
        ("return named if named is not None and named > fired.at else fallback", "return fallback"),
    ),
    m(
        "deadline-one-day-late",
        f"{ENGINE}/kinds/triggered.py",
        (
            "fallback = trigger.within.after(fired.at, force.zone)",
            "fallback = trigger.within.after(fired.at, force.zone) + timedelta(days=1)",
        ),
    ),
    # -- verdicts
    m(
        "at-least-becomes-more-than",
        f"{ENGINE}/verdicts.py",
        (
            "short = [(req, got) for req, got, _ in measured if got < req.min]",
            "short = [(req, got) for req, got, _ in measured if got <= req.min]",
        ),
    ),
    m(
        "pending-ignores-as-of",
        f"{ENGINE}/verdicts.py",
        (
            "    if window.end > as_of:\n        status = Status.PENDING",
            "    if False:\n        status = Status.PENDING",
        ),
        # A window still open is pending by the grace branch too (its close is never
        # before its end), so ignoring the instant judged takes both away.
        ("    elif closes > as_of:", "    elif False:"),
    ),
    m(
        "partial-is-missed",
        f"{ENGINE}/verdicts.py",
        ("elif all(got > 0 for _, got in short):", "elif False:"),
    ),
    m(
        "partial-passes-ci",
        "src/engagerules/model/results.py",
        (
            "FAILING = frozenset({Status.MISSED, Status.PARTIAL, Status.BREACH})",
            "FAILING = frozenset({Status.MISSED, Status.BREACH})",
        ),
    ),
    # -- standing, rolling, constraint, coverage
    m(
        "standing-assumes-update",
        f"{ENGINE}/kinds/standing.py",
        (
            "    start = before[-1].at if before else since",
            "    start = before[-1].at if before else span.start",
        ),
    ),
    m(
        "look-back-before-effective",
        f"{ENGINE}/kinds/standing.py",
        (
            "if e.at <= span.start and (since is None or e.at >= since)]",
            "if e.at <= span.start]",
        ),
    ),
    m(
        "standing-no-final-lapse",
        f"{ENGINE}/kinds/standing.py",
        (
            "    if due < limit:  # as between two updates: exactly one cadence is still in time",
            "    if False:  # as between two updates: exactly one cadence is still in time",
        ),
    ),
    m(
        "final-lapse-at-exact-cadence",
        f"{ENGINE}/kinds/standing.py",
        (
            "    if due < limit:  # as between two updates: exactly one cadence is still in time",
            "    if due <= limit:  # as between two updates: exactly one cadence is still in time",
        ),
    ),
    m(
        "month-end-day-kept",
        "src/engagerules/model/durations.py",
        (
            "year=year, month=month, day=last if month_end else min(last, local.day)",
            "year=year, month=month, day=min(last, local.day)",
        ),
    ),
    m(
        "rolling-ignored",
        f"{ENGINE}/kinds/recurring.py",
        (
            '    if rule.rolling:  # "at least once every N": a maximum gap, as standing duties',
            '    if False:  # "at least once every N": a maximum gap, as standing duties',
        ),
    ),
    m(
        "constraint-empty-is-met",
        f"{ENGINE}/kinds/constraint.py",
        (
            "else Status.MET if inside else Status.UNCHECKED",
            "else Status.MET",
        ),
    ),
    m(
        "coverage-any-time",
        f"{ENGINE}/kinds/coverage.py",
        ("        if begin > cursor:\n", "        if False:\n"),
    ),
    m(
        "coverage-snapshot",
        f"{ENGINE}/kinds/coverage.py",
        ('at_end = rule.judged == "at_end"', "at_end = True"),
    ),
    m(
        "vacancy-ends-all",
        f"{ENGINE}/kinds/coverage.py",
        ("(event.id in c.refs or not c.refs)", "True"),
    ),
    m(
        "coverage-ignores-as-of",
        f"{ENGINE}/kinds/coverage.py",
        ("horizon = min(window.end, as_of)", "horizon = window.end"),
    ),
    # -- who did it, periods named, part windows (issue 19)
    m(
        "roles-open-by-default",
        "src/engagerules/sources/config.py",
        ("roles=() if anyone or not owners else accepted_roles(roles, owners),", "roles=(),"),
    ),
    m(
        "period-early-accepted",
        "src/engagerules/model/periods.py",
        (
            "    if at < (opens if early is None else early.before(opens, zone)):\n"
            '        return "period_early"\n',
            "",
        ),
    ),
    m(
        "part-windows-owed",
        f"{ENGINE}/verdicts.py",
        ("part = roster is not None and roster.owes_part_windows", "part = True"),
    ),
    m(
        "persons-any-role",
        f"{ENGINE}/verdicts.py",
        ("if e.person and (not req.roles or e.role in req.roles)", "if e.person"),
    ),
    m(
        "rota-order-listed",
        f"{ENGINE}/schedule.py",
        ("if cycle is None or not scope.any_order:", "if True:"),
        (
            "if obligation.scope.rota and not obligation.scope.any_order and units:",
            "if obligation.scope.rota and units:",
        ),
    ),
    m(
        "earlier-trigger-ignored",
        f"{ENGINE}/kinds/triggered.py",
        ('        trigger.fired_before_effective == "owed"\n', "        False\n"),
    ),
    # -- evidence for a period, targets, times
    m(
        "for-period-ignored",
        f"{ENGINE}/kinds/recurring.py",
        (
            "period_fate(named_period(value, years), event.at, whole, grace, early) is None:",
            "True:",
        ),
    ),
    m(
        "early-ignored",
        f"{ENGINE}/kinds/recurring.py",
        (
            "attr, grace, early = req.for_period, req.grace, req.early",
            "attr, grace, early = req.for_period, req.grace, None",
        ),
    ),
    m(
        "early-before-effective",
        f"{ENGINE}/kinds/recurring.py",
        ("opens = max(opens, local_midnight(obligation.effective_from, zone))", "pass"),
    ),
    m(
        "pending-ignores-grace",
        f"{ENGINE}/verdicts.py",
        ("    elif closes > as_of:", "    elif False:"),
    ),
    m(
        "target-highest-reading",
        f"{ENGINE}/kinds/target.py",
        (
            "value, event = min(((v, e) for v, e in values if e.at == last), key=_FIRST)",
            "value, event = max(values, key=_FIRST)",
        ),
    ),
    m(
        "target-met-early",
        f"{ENGINE}/kinds/target.py",
        (
            "    if due.window.end > as_of:\n        status = Status.PENDING",
            "    if due.window.end > as_of and figure < target.value:\n"
            "        status = Status.PENDING",
        ),
    ),
    m(
        "target-strict",
        f"{ENGINE}/kinds/target.py",
        ("elif readings and figure >= target.value:", "elif readings and figure > target.value:"),
    ),
    m(
        "times-daily",
        f"{ENGINE}/schedule.py",
        ("slot_windows(_first_day(period),", "slot_windows(period,"),
    ),
    # -- conditions and reading
    m(
        "present-accepts-empty",
        "src/engagerules/model/conditions.py",
        (
            'return not (text in _FALSE_WORDS or text in _PLACEHOLDERS or text.startswith("not "))',
            "return True",
        ),
    ),
    m(
        "denial-present",
        "src/engagerules/model/conditions.py",
        (
            'return condition.asks == "recorded" or not denies(value, condition.attr)',
            "return True",
        ),
    ),
    m(
        "missing-varies",
        "src/engagerules/model/conditions.py",
        (
            "        if not recorded(value):\n            return False",
            "        if not recorded(value):\n            return True",
        ),
    ),
    m(
        "not-in-accepts-missing",
        "src/engagerules/model/conditions.py",
        (
            "return recorded(value) and not any(_same(value, o) for o in options)",
            "return value is None or not any(_same(value, o) for o in options)",
        ),
    ),
    m(
        "min-becomes-more-than",
        "src/engagerules/model/conditions.py",
        (
            "return found >= bound if condition.op is Operator.MIN else found <= bound",
            "return found > bound if condition.op is Operator.MIN else found <= bound",
        ),
    ),
    m(
        "attributes-unchecked",
        "src/engagerules/sources/events.py",
        ("event = _check_attributes(event, *declared[event.type], cells=cells)", "pass"),
    ),
    m(
        "nan-accepted",
        "src/engagerules/sources/strictjson.py",
        (  # a configuration's NaN and Infinity read as floats, not marked as problems
            "parse_int=_parse_int, parse_float=_parse_exact_float, parse_constant=_parse_constant",
            "parse_int=_parse_int, parse_float=_parse_exact_float, parse_constant=float",
        ),
    ),
    m(
        "unlisted-conforms",
        "src/engagerules/model/conditions.py",
        # a code outside its list, read for a constraint to judge, passes every condition
        ("return False  # not one of the codes", "return True  # not one of the codes"),
    ),
    m(
        "constraint-unit-less-dropped",
        f"{ENGINE}/kinds/constraint.py",
        # records with no unit (or above the units) are judged nowhere, as they were
        (
            "placed = _placed_above(force, obligation, index, slots)",
            "placed: dict[str | None, list[Event]] = {}",
        ),
    ),
    m(
        "vary-ignores-unit",
        "src/engagerules/model/conditions.py",
        # places compared by their names alone: "Library" in two sections is one place
        ("not recorded(before) or previous.scope != event.scope or", "not recorded(before) or"),
    ),
    m(
        "vary-across-ignored",
        f"{ENGINE}/kinds/constraint.py",
        # "vary across the sections" read as the venue alone
        (
            "if _unit_of_kind(force, event, kind) == _unit_of_kind(force, before, kind):",
            "if False:",
        ),
    ),
    m(
        "ward-not-in-section",
        f"{ENGINE}/index.py",
        # filed under its own unit only, not under the units enclosing it
        ("units.extend(self._force.ancestry(scope))", "units.append(scope)"),
    ),
    # -- declared readings of time and place (issue 20)
    m(
        "linked-before-ignored",
        f"{ENGINE}/kinds/triggered.py",
        # an entry naming its event but made ahead of it never counts, as before issue 20
        (
            "    if early is not None and event.at >= early:  # made ahead, naming its",
            "    if False:  # made ahead, naming its",
        ),
    ),
    m(
        "answers-all-open-ignored",
        f"{ENGINE}/kinds/triggered.py",
        # one record, one trigger even where the duty reads one review as answering every
        # release still open (`answers: all_open`): the first release missed everywhere
        (
            'if _trigger_of(duties[inst.duty]).answers == "all_open":',
            "if False:",
        ),
    ),
    m(
        "reaches-within-ignored",
        "src/engagerules/model/plan.py",
        # a message to the section reaches none of the towns in it
        ('        return self.reaches == "within"', "        return False"),
    ),
    m(
        "first-part-ignored",
        "src/engagerules/model/plan.py",
        # the period under way on the plan's first day is never judged
        (
            "if not self.owes_first_part or start is None or first > start or self.times:",
            "if True:",
        ),
    ),
    # -- engine defaults behind two false "met" (independent audit of Surrey)
    m(
        "repeat-text-exact",
        f"{ENGINE}/index.py",
        # a record typed again with its text recased ("Fraud ") is a second record
        ("        return (str, folded(value))", "        return (str, value)"),
    ),
    m(
        "misspelt-type-of-no-duty",
        "src/engagerules/model/event.py",
        # a rejected record naming a declared type misspelt may be of no duty
        (
            "return self.type is None or self.type in types or any(t in types for t in self.alike)",
            "return self.type is None or self.type in types",
        ),
    ),
]


# ---------------------------------------------------------------- what each mutant reaches


@dataclass(frozen=True)
class Reach:
    """The duties of one force whose verdicts a mutant can change (`ids`), described as
    `what` ("triggered duties with a deadline_attr"). With none the mutant is n.a. for
    the force: "no <what>", or `why_not` when given."""

    ids: tuple[str, ...]
    what: str
    why_not: str = ""

    @property
    def applies(self) -> bool:
        return bool(self.ids)

    def describe(self) -> str:
        if not self.ids:
            return self.why_not or f"no {self.what}"
        more = f" and {len(self.ids) - 3} more" if len(self.ids) > 3 else ""
        return f"{len(self.ids)} {self.what}: {', '.join(self.ids[:3])}{more}"


ReachRule = Callable[["Force"], Reach]
Test = Callable[["Force", "Obligation"], bool]


def duties(what: str, test: Test) -> ReachRule:
    """The scored duties of a force that pass `test`."""

    def reach(force: Force) -> Reach:
        ids = (ob.id for ob in force.obligations if ob.scored and test(force, ob))
        return Reach(tuple(dict.fromkeys(ids)), what)

    return reach


def no_verdict(why: str) -> ReachRule:
    """A mutant that changes no verdict of a valid plan on records the reader accepts,
    which is all a scenario can hold (a rejected record fails the scenario): n.a. for every
    force; the union's unit tests are what can kill it."""

    def reach(force: Force) -> Reach:
        return Reach((), "", why_not=f"changes no verdict: {why}")

    return reach


def _kind(ob: Obligation, *kinds: str) -> bool:
    return ob.kind.value in kinds


def _rolling(ob: Obligation) -> bool:
    return _kind(ob, "recurring") and bool(getattr(ob.rule, "rolling", False))


def _steps(ob: Obligation) -> bool:
    """Judged by `steps_verdict`: calendar-period recurring duties and follow-ups."""
    return _kind(ob, "triggered") or (_kind(ob, "recurring") and not _rolling(ob))


def _gapped(ob: Obligation) -> bool:
    """Judged as gaps between updates: standing duties and rolling recurring ones."""
    return _kind(ob, "standing") or _rolling(ob)


def _trigger(ob: Obligation) -> Any:
    return getattr(ob.rule, "trigger", None) if _kind(ob, "triggered") else None


def _matched(how: str) -> Test:
    return lambda force, ob: _trigger(ob) is not None and _trigger(ob).match == how


def _per_unit(ob: Obligation) -> bool:
    return ob.scope.per is not None and not ob.scope.per_person


def _conditions(ob: Obligation) -> list[Any]:
    """Every condition the duty tests: on its evidence, its trigger, its rule."""
    found = [c for req in ob.evidence for c in req.where]
    trigger = _trigger(ob)
    if trigger is not None:
        found.extend(trigger.where)
    if _kind(ob, "constraint"):
        found.extend(getattr(ob.rule, "require", ()))
    return found


def _uses(op: str) -> Test:
    return lambda force, ob: any(c.op.value == op for c in _conditions(ob))


def _judges_codes(force: Force, ob: Obligation) -> bool:
    """A constraint whose rule names an attribute some of its types declare as codes."""
    if not _kind(ob, "constraint"):
        return False
    types = {t for req in ob.evidence for t in req.types}
    codes = {
        (t.id, a.name) for t in force.event_types for a in t.attributes if a.type.value == "code"
    }
    return any((t, c.attr) in codes for t in types for c in ob.rule.keeps)


def _partial_possible(force: Force, ob: Obligation) -> bool:
    """Judged step by step with a requirement that can be started yet short: one needing
    more than one record, or a total."""
    return _steps(ob) and any(req.min > 1 or req.sum is not None for req in ob.evidence)


def _straddles(force: Force, ob: Obligation) -> bool:
    """In force from a day inside one of its periods, or a follow-up (a trigger before
    that day with its deadline after it): then `in_force_on` decides what is owed."""
    if ob.effective_from is None or _gapped(ob) or _kind(ob, "standing", "target"):
        return False
    if _kind(ob, "triggered"):
        return True
    cycle = ob.cycle
    return cycle is not None and cycle.first_start_on_or_before(ob.effective_from) != (
        ob.effective_from
    )


def _spanned(force: Force, ob: Obligation) -> bool:
    """With an effective date and judged over the part of the range in force, not period
    by period: standing and rolling duties (their look-back), follow-ups (the triggers in
    the range), constraints and coverage with no cycle (the range is their window)."""
    if ob.effective_from is None:
        return False
    if _gapped(ob) or _kind(ob, "triggered"):
        return True
    return _kind(ob, "constraint", "coverage") and ob.cycle is None


def _plan_narrows(force: Force, ob: Obligation) -> bool:
    """The plan's own date narrows this duty's: it gives none of its own, or an earlier
    one (read from the file: the loaded duty has the plan's date laid over its own)."""
    plan = force.effective_from
    own = _own_from(force).get(ob.id)
    return plan is not None and (own is None or own < plan)


def _own_from(force: Force) -> dict[str, date | None]:
    """Each duty's own `effective.from` as its configuration writes it (the earliest of
    its versions'; None if a version gives none)."""
    raw = json.loads((ROOT / "forces" / force.id / "force.json").read_text(encoding="utf-8"))
    found: dict[str, date | None] = {}
    for ob in raw["obligations"]:
        text = (ob.get("effective") or {}).get("from")
        own = date.fromisoformat(text) if text else None
        if ob["id"] in found:
            earlier = found[ob["id"]]
            own = None if own is None or earlier is None else min(own, earlier)
        found[ob["id"]] = own
    return found


def _encloses(force: Force, ob: Obligation) -> bool:
    """A per-unit duty owed by a unit that encloses others (a team over its sections)."""
    owed = set(ob.scope.units)
    return _per_unit(ob) and any(
        u.within is not None and owed & set(force.ancestry(u.within)) for u in force.units
    )


def _by_window(force: Force, ob: Obligation) -> bool:
    """Reads evidence from the index by window: calendar-period duties, targets, and
    follow-ups also matched by unit and time."""
    return (
        (_kind(ob, "recurring") and not _rolling(ob))
        or _kind(ob, "target")
        or _matched("refs_or_scope")(force, ob)
    )


def _for_period(force: Force, ob: Obligation) -> bool:
    return _kind(ob, "recurring") and any(
        r.for_period is not None and r.grace is not None for r in ob.evidence
    )


def _contained(force: Force, ob: Obligation) -> bool:
    """Judged with `Window.contains`: constraints, and evidence naming its period."""
    return _kind(ob, "constraint") or _for_period(force, ob)


def _timed_beyond_a_day(force: Force, ob: Obligation) -> bool:
    """Times of day on a cycle longer than a day (a daily one has slots every day anyway)."""
    from dateutil import rrule  # here, not in the plugin's import

    cycle = ob.cycle
    daily = cycle is not None and cycle.freq == rrule.DAILY and cycle.interval == 1
    return bool(ob.times) and cycle is not None and not daily


def _each_unit(*, wanted: bool) -> Test:
    """Per-unit follow-ups owed in every unit within the trigger's (`each_unit`), or not."""
    return lambda force, ob: (
        _trigger(ob) is not None and _trigger(ob).each_unit is wanted and _per_unit(ob)
    )


STEPS = "duties judged step by step (calendar-period recurring, triggered)"
GAPS = "standing or rolling duties"

#: For each mutant, the duties of a force it can reach, decided from the configuration:
#: the kinds, and the features of a kind, that the mutated lines serve.
REACH: dict[str, ReachRule] = {
    "zone-utc": duties(
        "scored duties in a zone other than UTC", lambda f, ob: str(f.zone) != "UTC"
    ),
    "as-of-ignored": duties("scored duties", lambda f, ob: True),
    "inclusive-window-end": duties(
        "constraints or duties with evidence naming its period (Window.contains)", _contained
    ),
    "index-inclusive-end": duties(
        "duties reading evidence by window (calendar periods, targets, refs_or_scope)",
        _by_window,
    ),
    "range-end-exclusive": duties("scored duties", lambda f, ob: True),
    "localize-naive-utc": duties(
        "scored duties in a zone with summer time", lambda f, ob: str(f.zone) != "UTC"
    ),
    "effective-ignored": duties(
        "follow-ups, or duties in force from a day inside a period, with an effective date",
        _straddles,
    ),
    "plan-effective-ignored": duties("duties the plan's effective date narrows", _plan_narrows),
    "effective-span-ignored": duties(
        "duties with an effective date judged over their span (standing, rolling, "
        "follow-ups, constraints and coverage with no cycle)",
        _spanned,
    ),
    "follow-up-before-trigger": duties("triggered duties", lambda f, ob: _kind(ob, "triggered")),
    "match-scope-always": duties("triggered duties matched by refs only", _matched("refs")),
    "one-record-many-triggers": duties(
        "triggered duties matched by refs_or_scope", _matched("refs_or_scope")
    ),
    "item-key-ignored": duties(
        "triggered duties with an item key",
        lambda f, ob: _kind(ob, "triggered") and getattr(_trigger(ob), "key", None) is not None,
    ),
    "one-item-ignored": duties(
        "recurring duties whose steps are parts of one item",
        lambda f, ob: _kind(ob, "recurring") and getattr(ob.rule, "one_item", None) is not None,
    ),
    "linked-always-true": duties(
        "triggered duties matched by refs_or_scope", _matched("refs_or_scope")
    ),
    "each-unit-not-strict": duties(
        "per-unit triggered duties with each_unit",
        _each_unit(wanted=True),
    ),
    "trigger-fanned-always": duties(
        "per-unit triggered duties without each_unit",
        _each_unit(wanted=False),
    ),
    "no-trigger-look-back": duties("triggered duties", lambda f, ob: _kind(ob, "triggered")),
    "deadline-attr-ignored": duties(
        "triggered duties with a deadline_attr",
        lambda f, ob: _trigger(ob) is not None and _trigger(ob).deadline_attr is not None,
    ),
    "deadline-one-day-late": duties("triggered duties", lambda f, ob: _kind(ob, "triggered")),
    "at-least-becomes-more-than": duties(STEPS, lambda f, ob: _steps(ob)),
    "pending-ignores-as-of": duties(STEPS, lambda f, ob: _steps(ob)),
    "partial-is-missed": duties(
        "step-by-step duties with a requirement that can be started yet short "
        "(min above 1, or a sum)",
        _partial_possible,
    ),
    "partial-passes-ci": no_verdict(
        "it changes which statuses fail `engagerules check`, which no scenario runs"
    ),
    "standing-assumes-update": duties(GAPS, lambda f, ob: _gapped(ob)),
    "look-back-before-effective": duties(
        "standing or rolling duties with a date they came into force",
        lambda f, ob: _gapped(ob) and ob.effective_from is not None,
    ),
    "standing-no-final-lapse": duties(GAPS, lambda f, ob: _gapped(ob)),
    "final-lapse-at-exact-cadence": duties(GAPS, lambda f, ob: _gapped(ob)),
    "month-end-day-kept": duties(
        "standing or rolling duties with a cadence in months or years",
        lambda f, ob: (
            _gapped(ob) and ob.cadence is not None and bool(ob.cadence.months or ob.cadence.years)
        ),
    ),
    "rolling-ignored": duties("rolling recurring duties", lambda f, ob: _rolling(ob)),
    "constraint-empty-is-met": duties("constraint duties", lambda f, ob: _kind(ob, "constraint")),
    "coverage-any-time": duties(
        "coverage duties judged throughout their windows (not at_end)",
        lambda f, ob: _kind(ob, "coverage") and getattr(ob.rule, "judged", "") == "throughout",
    ),
    "coverage-snapshot": duties(
        "coverage duties judged throughout their windows (not at_end)",
        lambda f, ob: _kind(ob, "coverage") and getattr(ob.rule, "judged", "") == "throughout",
    ),
    "vacancy-ends-all": duties(
        "coverage duties that vacancies end (clears)",
        lambda f, ob: _kind(ob, "coverage") and bool(getattr(ob.rule, "clears", ())),
    ),
    "coverage-ignores-as-of": duties("coverage duties", lambda f, ob: _kind(ob, "coverage")),
    "for-period-ignored": duties("duties with evidence naming its period", _for_period),
    "persons-any-role": duties(
        "per-person duties without a roster whose steps accept only some roles",
        lambda f, ob: (
            ob.scope.per_person
            and ob.scope.roster is None
            and any(r.roles and not r.any_role for r in ob.evidence)
        ),
    ),
    "rota-order-listed": duties("rotas in any order", lambda f, ob: ob.scope.any_order),
    "earlier-trigger-ignored": duties(
        "triggered duties owing triggers fired before they came into force",
        lambda f, ob: _trigger(ob) is not None and _trigger(ob).fired_before_effective == "owed",
    ),
    "roles-open-by-default": duties(
        "duties with a step that accepts only some roles",
        lambda f, ob: any(r.roles and not r.any_role for r in ob.evidence),
    ),
    "period-early-accepted": duties("duties with evidence naming its period", _for_period),
    "pending-ignores-grace": duties("duties with evidence naming its period", _for_period),
    "early-ignored": duties(
        "duties allowing evidence ahead of the period it names",
        lambda f, ob: any(r.early is not None for r in ob.evidence),
    ),
    "early-before-effective": duties(
        "duties allowing evidence ahead of the period it names, with a date in force",
        lambda f, ob: ob.effective_from is not None and any(r.early for r in ob.evidence),
    ),
    "part-windows-owed": duties(
        "per-person duties with a roster owing only whole windows",
        lambda f, ob: ob.scope.roster is not None and not ob.scope.roster.owes_part_windows,
    ),
    "target-highest-reading": duties(
        "targets judged on the latest reading",
        lambda f, ob: _kind(ob, "target") and getattr(ob.rule, "combine", "") == "latest",
    ),
    "target-met-early": duties("targets", lambda f, ob: _kind(ob, "target")),
    "target-strict": duties("targets", lambda f, ob: _kind(ob, "target")),
    "times-daily": duties(
        "duties at times of day on a cycle longer than a day", _timed_beyond_a_day
    ),
    "present-accepts-empty": duties("duties testing a condition `present`", _uses("present")),
    "denial-present": duties(
        "duties whose evidence or trigger asks that an attribute be there (`present`)",
        lambda f, ob: any(c.op.value == "present" and c.asks == "there" for c in _conditions(ob)),
    ),
    "missing-varies": duties(
        "duties testing `differs_from_previous`", _uses("differs_from_previous")
    ),
    "unlisted-conforms": duties("constraints judging a code attribute", _judges_codes),
    "constraint-unit-less-dropped": duties(
        "per-unit constraints", lambda f, ob: _kind(ob, "constraint") and _per_unit(ob)
    ),
    "vary-ignores-unit": duties(
        "constraints comparing places with `differs_from_previous`",
        lambda f, ob: _kind(ob, "constraint") and _uses("differs_from_previous")(f, ob),
    ),
    "vary-across-ignored": duties(
        "constraints varying across a kind of unit",
        lambda f, ob: any(
            c.op.value == "differs_from_previous" and isinstance(c.value, str)
            for c in _conditions(ob)
        ),
    ),
    "not-in-accepts-missing": duties("duties testing a condition `not_in`", _uses("not_in")),
    "linked-before-ignored": duties(
        "triggered duties counting linked follow-ups made ahead (linked_before)",
        lambda f, ob: _trigger(ob) is not None and _trigger(ob).linked_before,
    ),
    "answers-all-open-ignored": duties(
        "triggered duties whose follow-up answers every open trigger (answers: all_open)",
        lambda f, ob: _trigger(ob) is not None and _trigger(ob).answers == "all_open",
    ),
    "reaches-within-ignored": duties(
        "duties with a step reaching the units within a record's own",
        lambda f, ob: any(req.reaches_within for req in ob.evidence),
    ),
    "first-part-ignored": duties(
        "period duties owing the period under way on the plan's first day",
        lambda f, ob: (
            ob.owes_first_part
            and not ob.times
            and ((_kind(ob, "recurring") and not _rolling(ob)) or _kind(ob, "constraint"))
            and ob.cadence is not None
        ),
    ),
    "min-becomes-more-than": duties("duties testing a condition `min`", _uses("min")),
    "attributes-unchecked": no_verdict(
        "it lets through a record breaking its type's declaration, and every record of a "
        "scenario must be read (a rejected one fails the scenario)"
    ),
    "nan-accepted": no_verdict(
        "it lets a force.json holding NaN load, and a force's own configuration holds none"
    ),
    "ward-not-in-section": duties("per-unit duties of units that enclose others", _encloses),
    "repeat-text-exact": duties(
        "scored duties (any may read a record typed twice)", lambda f, ob: True
    ),
    "misspelt-type-of-no-duty": duties(
        "constraints and triggered duties (kept by a missing record)",
        lambda f, ob: _kind(ob, "constraint", "triggered"),
    ),
}


# ---------------------------------------------------------------------------- running them


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Plugin hook (`-p mutate` in the scratch run): note each failed test's node id."""
    if report.failed:
        _note_failure(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Plugin hook: a scenario file that no longer loads fails its force too."""
    if report.failed:
        _note_failure(report.nodeid)


def _note_failure(nodeid: str) -> None:
    target = os.environ.get(FAILURES_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(nodeid + "\n")


def force_ids() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "forces").glob("*/force.json"))


def reaches(names: Iterable[str]) -> dict[str, dict[str, Reach]]:
    """For each force, what each mutant reaches in its configuration (the checkout's)."""
    from engagerules.sources.config import load_force  # here, not in the plugin's import

    wanted = list(names)
    found: dict[str, dict[str, Reach]] = {}
    for force_id in force_ids():
        force = load_force(ROOT / "forces" / force_id / "force.json")
        found[force_id] = {name: REACH[name](force) for name in wanted}
    return found


def _apply(mutant: Mutant, scratch: Path) -> str | None:
    """Write the mutant into the scratch copy; the file's original text, None if stale."""
    target = scratch / mutant.file
    original = target.read_text(encoding="utf-8")
    text = original
    for old, new in mutant.changes:
        if old not in text:
            return None
        text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    return original


def _pytest(scratch: Path, args: list[str], failures: Path | None = None) -> int:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(scratch / "src"), str(ROOT / "benchmarks")]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if failures is not None:
        env[FAILURES_ENV] = str(failures)
    done = subprocess.run(  # noqa: S603 - our own interpreter and test paths, no input
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    return done.returncode


@dataclass
class Outcome:
    """One mutant's run: the forces whose scenarios failed, and the union's verdict."""

    stale: bool = False
    killed_in: frozenset[str] = frozenset()
    union: bool | None = None  # None: not run
    seconds: float = 0.0


def run(mutant: Mutant, scratch: Path, names: list[str], *, union: bool) -> Outcome:
    """Apply one mutant in the scratch copy, run every force's scenarios in one pytest
    (and, for the union, the unit tests when no scenario noticed), then restore."""
    started = time.monotonic()
    original = _apply(mutant, scratch)
    if original is None:
        return Outcome(stale=True)
    outcome = Outcome()
    try:
        failures = scratch / "failures.txt"
        failures.unlink(missing_ok=True)
        paths = [f"forces/{name}" for name in names]
        code = _pytest(scratch, ["-p", "mutate", *paths], failures)
        failed = failures.read_text(encoding="utf-8").split("\n") if failures.exists() else []
        killed = {n.split("/")[1] for n in failed if n.startswith("forces/") and n.count("/") > 1}
        if code not in (0, 1) and not killed:  # pytest itself could not run: all noticed
            killed = set(names)
        outcome.killed_in = frozenset(killed)
        if union:
            outcome.union = bool(killed) or _pytest(scratch, ["-x", *UNIT_TESTS]) != 0
    finally:
        (scratch / mutant.file).write_text(original, encoding="utf-8")
    outcome.seconds = time.monotonic() - started
    return outcome


def _cell(outcome: Outcome, reach: Reach, force_id: str) -> str:
    if outcome.stale:
        return "stale"
    if not reach.applies:
        return "n.a."
    return "killed" if force_id in outcome.killed_in else "SURVIVED"


def _union_cell(outcome: Outcome) -> str:
    if outcome.stale:
        return "stale"
    return "killed" if outcome.union else "SURVIVED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this mutant (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument(
        "--per-force", action="store_true", help="each force's scenarios alone; no union run"
    )
    parser.add_argument(
        "--force", action="append", help="only this force's scenarios (repeatable); no union"
    )
    parser.add_argument(
        "--why", action="store_true", help="say what each mutant reaches in each force, and exit"
    )
    args = parser.parse_args()
    unreached = [mu.name for mu in MUTANTS if mu.name not in REACH]
    if unreached:
        parser.error(f"mutants with no REACH entry: {', '.join(unreached)}")
    chosen = [mu for mu in MUTANTS if not args.only or mu.name in args.only]
    if args.list:
        for mu in chosen:
            print(f"{mu.name}: {mu.file}")
        return 0
    names = [f for f in force_ids() if not args.force or f in args.force]
    reach = reaches(mu.name for mu in chosen)
    if args.why:
        for mu in chosen:
            print(mu.name)
            for force_id in names:
                found = reach[force_id][mu.name]
                print(f"  {force_id}: {'' if found.applies else 'n.a., '}{found.describe()}")
        return 0
    union = not args.per_force and not args.force  # the union is every force's
    started = time.monotonic()
    rows: list[tuple[Mutant, Outcome]] = []
    width = max(len(mu.name) for mu in chosen)
    columns = names + (["union"] if union else [])
    print(f"{'mutant':<{width}}  " + "".join(f"{c:<10}" for c in columns), flush=True)
    with tempfile.TemporaryDirectory(prefix="engagerules-mutants-") as tmp:
        scratch = Path(tmp)
        for part in ("src", "tests", "forces"):
            shutil.copytree(
                ROOT / part,
                scratch / part,
                ignore=shutil.ignore_patterns("__pycache__", "node_modules"),
            )
        for name in ("pyproject.toml", "conftest.py"):  # conftest collects the scenarios
            shutil.copy(ROOT / name, scratch / name)
        for mu in chosen:
            outcome = run(mu, scratch, names, union=union)
            rows.append((mu, outcome))
            cells = [_cell(outcome, reach[f][mu.name], f) for f in names]
            if union:
                cells.append(_union_cell(outcome))
            line = "".join(f"{c:<10}" for c in cells)
            print(f"{mu.name:<{width}}  {line}({outcome.seconds:.0f}s)", flush=True)
    return _summary(rows, reach, names, union=union, seconds=time.monotonic() - started)


def _summary(
    rows: list[tuple[Mutant, Outcome]],
    reach: dict[str, dict[str, Reach]],
    names: list[str],
    *,
    union: bool,
    seconds: float,
) -> int:
    """The counts per force, why each n.a. is one, and every survivor; 1 if any."""
    bad: list[str] = []
    print()
    for force_id in names:
        cells = [_cell(o, reach[force_id][mu.name], force_id) for mu, o in rows]
        counts = {c: cells.count(c) for c in ("killed", "SURVIVED", "n.a.", "stale")}
        print(f"{force_id}: " + ", ".join(f"{n} {c}" for c, n in counts.items() if n))
        bad.extend(
            f"{mu.name} in {force_id}"
            for (mu, _), c in zip(rows, cells, strict=True)
            if c in ("SURVIVED", "stale")
        )
    if union:
        killed = sum(1 for _, o in rows if o.union)
        print(f"union (scenarios and unit tests): {killed} killed / {len(rows)}")
        bad.extend(f"{mu.name} in the union" for mu, o in rows if not o.union)
    print("\nn.a., and why:")
    for mu, _ in rows:
        for force_id in names:
            found = reach[force_id][mu.name]
            if not found.applies:
                print(f"  {mu.name} / {force_id}: {found.describe()}")
    print(f"\n{len(rows)} mutants in {seconds:.0f}s")
    if bad:
        print("survivors: " + "; ".join(dict.fromkeys(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
