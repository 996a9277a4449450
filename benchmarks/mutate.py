"""A small mutation run over the engine and conditions: does the test suite notice?

Each mutant is one deliberate defect, written down below as a textual change to one source
file (a list, not a random generator, so the run is reproducible and each mutant is a bug
a reviewer recognises: UTC instead of Europe/London, `--as-of` ignored, `>=` turned into
`>`, inclusive window ends ...). For each mutant the source tree is copied to a scratch
directory, the change applied there (the checkout is never touched), and the scenario and
unit tests run against the copy; a failing run kills the mutant.

    .venv/bin/python benchmarks/mutate.py                   # every mutant
    .venv/bin/python benchmarks/mutate.py --only zone-utc   # one, by name
    .venv/bin/python benchmarks/mutate.py --list

The figure (killed / total) and the survivors are recorded in docs/mutation.md. This is a
documented command, not part of CI: it runs the tests once per mutant.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = "src/engagerules/engine"

#: What each mutant is run against: every force's scenarios and the engine's unit tests.
TESTS = [
    "forces",
    "tests/test_verdicts.py",
    "tests/test_engine.py",
    "tests/test_conditions.py",
    "tests/test_periods.py",
    "tests/test_events.py",
    "tests/test_gating.py",
]


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
        ("known = [e for e in log.events if e.at <= as_of]", "known = list(log.events)"),
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
        (
            "owed.append((fired, Window(fired.at, deadline, force.zone)))",
            "owed.append((fired, Window(fired.at - (deadline - fired.at), deadline, force.zone)))",
        ),
        ("                    and e.at >= fired.at\n", ""),
        (
            "if not e.refs and e.id != fired.id and e.at >= fired.at",
            "if not e.refs and e.id != fired.id",
        ),
    ),
    m(
        "match-scope-always",
        f"{ENGINE}/kinds/triggered.py",
        ('if trigger.match == "refs_or_scope":', "if True:"),
    ),
    m(
        "linked-always-true",
        f"{ENGINE}/kinds/triggered.py",
        ("linked = not circumstantial", "linked = True"),
    ),
    m(
        "each-unit-not-strict",
        f"{ENGINE}/kinds/triggered.py",
        ("            strict = unit is not None and (", "            strict = False and ("),
    ),
    m(
        "trigger-fanned-always",
        f"{ENGINE}/kinds/triggered.py",
        ("    if trigger.each_unit:", "    if True:"),
    ),
    m(
        "no-trigger-look-back",
        f"{ENGINE}/kinds/triggered.py",
        ("deadline > span.start and obligation.in_force_on", "False and obligation.in_force_on"),
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
            "start = before[-1].at if before else _in_force(obligation, force)",
            "start = before[-1].at if before else span.start",
        ),
    ),
    m(
        "standing-no-final-lapse",
        f"{ENGINE}/kinds/standing.py",
        (
            "    if due <= limit:  # a whole cadence with no update is a lapse",
            "    if False:  # a whole cadence with no update is a lapse",
        ),
    ),
    m(
        "rolling-ignored",
        f"{ENGINE}/kinds/recurring.py",
        ("    if rule.rolling:", "    if False:"),
    ),
    m(
        "constraint-empty-is-met",
        f"{ENGINE}/kinds/constraint.py",
        ("status = Status.MET if inside else Status.UNCHECKED", "status = Status.MET"),
    ),
    m(
        "coverage-any-time",
        f"{ENGINE}/kinds/coverage.py",
        ("        if begin > cursor:\n", "        if False:\n"),
    ),
    m(
        "coverage-snapshot",
        f"{ENGINE}/kinds/coverage.py",
        ('if rule.in_place == "by_end":', "if True:"),
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
    # -- evidence for a period, targets, times
    m(
        "for-period-ignored",
        f"{ENGINE}/kinds/recurring.py",
        ("        elif first <= named <= last:", "        elif True:"),
    ),
    m(
        "target-highest-reading",
        f"{ENGINE}/kinds/target.py",
        (
            "            total += values[-1][0]\n            counted.append(values[-1][1])",
            "            best = max(values, key=lambda pair: pair[0])\n"
            "            total += best[0]\n            counted.append(best[1])",
        ),
    ),
    m(
        "target-met-early",
        f"{ENGINE}/kinds/target.py",
        (
            "        if due.window.end > as_of:\n            status = Status.PENDING",
            "        if due.window.end > as_of and figure < target.value:\n"
            "            status = Status.PENDING",
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
        ("return value.strip().lower() not in _FALSE_WORDS", "return True"),
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
        ("                _check_attributes(event, declared[event.type])", "                pass"),
    ),
    m(
        "nan-accepted",
        "src/engagerules/sources/config.py",
        ("    if numbers:  # the rest would only repeat them as type errors", "    if False:"),
    ),
    m(
        "ward-not-in-section",
        f"{ENGINE}/index.py",
        ("keys.extend(force.ancestry(event.scope))", "keys.append(event.scope)"),
    ),
]


def run(mutant: Mutant, scratch: Path) -> tuple[bool, float, str]:
    """Apply one mutant in the scratch copy, run the tests, restore; (killed, seconds, note)."""
    target = scratch / mutant.file
    original = target.read_text(encoding="utf-8")
    text = original
    for old, new in mutant.changes:
        if old not in text:
            return False, 0.0, f"stale mutant: {old[:60]!r} not in {mutant.file}"
        text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(scratch / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and test paths, no input
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    finally:
        target.write_text(original, encoding="utf-8")
    seconds = time.monotonic() - started
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("FAILED") or " passed" in ln]
    return done.returncode != 0, seconds, (lines[0] if lines else done.stdout[-200:]).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this mutant (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args()
    chosen = [mu for mu in MUTANTS if not args.only or mu.name in args.only]
    if args.list:
        for mu in chosen:
            print(f"{mu.name}: {mu.file}")
        return 0
    with tempfile.TemporaryDirectory(prefix="engagerules-mutants-") as tmp:
        scratch = Path(tmp)
        for part in ("src", "tests", "forces"):
            shutil.copytree(
                ROOT / part, scratch / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        for name in ("pyproject.toml", "conftest.py"):  # conftest collects the scenarios
            shutil.copy(ROOT / name, scratch / name)
        survivors = []
        for mu in chosen:
            killed, seconds, note = run(mu, scratch)
            print(
                f"{'killed  ' if killed else 'SURVIVED'} {mu.name} ({seconds:.0f}s) {note}",
                flush=True,
            )
            if not killed:
                survivors.append(mu.name)
    total = len(chosen)
    print(f"mutants killed: {total - len(survivors)} / {total}")
    if survivors:
        print("survivors: " + ", ".join(survivors))
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
