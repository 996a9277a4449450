"""Rule authors' tests: scenarios as data, events in and statuses out.

A force ships `tests/*.json` beside its `force.json`, as OpenFisca country packages ship
YAML tests: the people who encode a plan say, in the plan's own terms, what a given week of
activity must produce. `engagerules test FORCE` runs them; the pytest plugin collects them.

A scenario file holds `{"scenarios": [...]}`; each scenario has `name`, `from`, `to`,
`as_of`, `events` (contract records) and `expect`: a list of
`{"obligation", "scope"?, "start"?, "status", "count"?, "reason_contains"?, "evidence"?,
"evidence_includes"?, "linked"?}`. `evidence` is exact (the result cites those ids and no
others, in any order), so wrongly counted extra evidence fails; `evidence_includes` is a
subset check for when only some ids matter.
An expectation selects the results of its obligation (and scope, and window start date,
when given); there must be at least one (or exactly `count`; `"count": 0` says there is
none, as for a unit whose rota turn it is not), and every one selected must have the
status expected.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from engagerules.engine.evaluate import evaluate
from engagerules.errors import ConfigError, Problem
from engagerules.model.plan import Force
from engagerules.model.results import Report, Result, Status
from engagerules.sources import strictjson
from engagerules.sources.events import parse_events

__all__ = [
    "Scenario",
    "ScenarioOutcome",
    "load_scenarios",
    "run_scenario",
    "scenario_files",
    "scenario_gaps",
]

_SCENARIO_KEYS = {
    "name",
    "description",
    "from",
    "to",
    "as_of",
    "events",
    "expect",
    "obligations",
    "rejected",
}
_EXPECT_KEYS = {
    "obligation",
    "scope",
    "start",
    "status",
    "count",
    "reason_contains",
    "evidence",
    "evidence_includes",
    "linked",
}


@attrs.frozen
class Expectation:
    obligation: str
    status: Status
    scope: str | None = None
    scoped: bool = False
    start: date | None = None
    count: int | None = None
    reason_contains: str | None = None
    evidence: tuple[str, ...] | None = None
    evidence_includes: tuple[str, ...] = ()
    linked: bool | None = None

    def describe(self) -> str:
        parts = [self.obligation]
        if self.scoped:
            parts.append(f"[{self.scope or 'force-wide'}]")
        if self.start:
            parts.append(f"from {self.start}")
        return " ".join(parts) + f" is {self.status.value}"


@attrs.frozen
class Scenario:
    name: str
    file: Path
    index: int
    start: date
    end: date
    as_of: datetime
    events: tuple[dict[str, Any], ...]
    expect: tuple[Expectation, ...]
    obligations: tuple[str, ...] | None = None
    #: The indexes of the events the reader must reject (a scenario showing that a
    #: rejected record never lets a rule read kept); any other rejection is a failure.
    rejected: tuple[int, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.file}: $.scenarios[{self.index}]"


@attrs.frozen
class ScenarioOutcome:
    scenario: Scenario
    failures: tuple[str, ...]
    report: Report

    @property
    def passed(self) -> bool:
        return not self.failures


def scenario_files(force: Force) -> list[Path]:
    """The scenario files shipped with a force, in name order."""
    if force.root is None or not (force.root / "tests").is_dir():
        return []
    return sorted((force.root / "tests").glob("*.json"))


def load_scenarios(file: Path, force: Force) -> list[Scenario]:
    """Parse a scenario file, raising `ConfigError` with every problem located."""
    raw = strictjson.read_file(file, missing="no such scenario file")
    flawed = [
        Problem(f"{file}: {strictjson.path_text(path)}", reason)
        for path, reason in strictjson.flaws(raw)
    ]
    if flawed:
        raise ConfigError(flawed)
    problems: list[Problem] = []
    items = raw.get("scenarios") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(
            [Problem(f"{file}: $", "expected an object with a non-empty 'scenarios' list")]
        )
    found = []
    known = set(force.obligation_ids)
    for index, item in enumerate(items):
        at = f"{file}: $.scenarios[{index}]"
        try:
            found.append(_scenario(item, file, index, known, force))
        except _Bad as exc:
            problems.append(Problem(f"{at}{exc.path}", exc.message))
    if problems:
        raise ConfigError(problems)
    return found


class _Bad(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _scenario(item: Any, file: Path, index: int, known: set[str], force: Force) -> Scenario:
    if not isinstance(item, dict):
        raise _Bad("", "a scenario must be an object")
    unknown = sorted(set(item) - _SCENARIO_KEYS)
    if unknown:
        raise _Bad(
            f".{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(_SCENARIO_KEYS))})"
        )
    for key in ("name", "from", "to", "as_of", "events", "expect"):
        if key not in item:
            raise _Bad(f".{key}", "required")
    start, end = _day(item["from"], ".from"), _day(item["to"], ".to")
    as_of = _instant(item["as_of"], ".as_of")
    if not isinstance(item["events"], list):
        raise _Bad(".events", "must be a list of event records")
    if not isinstance(item["expect"], list) or not item["expect"]:
        raise _Bad(".expect", "must be a non-empty list")
    only = item.get("obligations")
    if only is not None:
        if not isinstance(only, list):
            raise _Bad(".obligations", "must be a list of obligation ids")
        for i, ob in enumerate(only):
            if ob not in known:
                raise _Bad(f".obligations[{i}]", f"unknown obligation {ob!r}")
    expect = tuple(
        _expectation(e, f".expect[{i}]", known, force) for i, e in enumerate(item["expect"])
    )
    rejected = item.get("rejected", [])
    if not isinstance(rejected, list) or not all(
        type(i) is int and 0 <= i < len(item["events"]) for i in rejected
    ):
        raise _Bad(".rejected", "must be a list of indexes into events (0 for the first)")
    return Scenario(
        name=str(item["name"]),
        file=file,
        index=index,
        start=start,
        end=end,
        as_of=as_of,
        events=tuple(item["events"]),
        expect=expect,
        obligations=tuple(only) if only is not None else None,
        rejected=tuple(rejected),
    )


def _expectation(raw: Any, at: str, known: set[str], force: Force) -> Expectation:
    if not isinstance(raw, dict):
        raise _Bad(at, "an expectation must be an object")
    unknown = sorted(set(raw) - _EXPECT_KEYS)
    if unknown:
        raise _Bad(
            f"{at}.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(_EXPECT_KEYS))})"
        )
    obligation = raw.get("obligation")
    if obligation not in known:
        raise _Bad(f"{at}.obligation", f"unknown obligation {obligation!r}")
    try:
        status = Status(str(raw.get("status")))
    except ValueError:
        raise _Bad(
            f"{at}.status",
            f"{raw.get('status')!r} is not a status ({', '.join(s.value for s in Status)})",
        ) from None
    scope = raw.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise _Bad(f"{at}.scope", f"{scope!r} is not a unit id (or null for force-wide)")
    count = raw.get("count")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise _Bad(f"{at}.count", "must be a whole number")
    for key in ("evidence", "evidence_includes"):
        if not isinstance(raw.get(key, []), list):
            raise _Bad(f"{at}.{key}", "must be a list of event ids")
    linked = raw.get("linked")
    if linked is not None and not isinstance(linked, bool):
        raise _Bad(f"{at}.linked", "must be true or false")
    evidence = raw.get("evidence")
    return Expectation(
        obligation=str(obligation),
        status=status,
        scope=scope,
        scoped="scope" in raw,
        start=_day(raw["start"], f"{at}.start") if "start" in raw else None,
        count=count,
        reason_contains=raw.get("reason_contains"),
        evidence=None if evidence is None else tuple(str(e) for e in evidence),
        evidence_includes=tuple(str(e) for e in raw.get("evidence_includes", [])),
        linked=linked,
    )


def _day(value: Any, at: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _Bad(at, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _instant(value: Any, at: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise _Bad(at, f"{value!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise _Bad(at, f"{value!r} needs an offset or Z")
    return moment


def run_scenario(force: Force, scenario: Scenario) -> ScenarioOutcome:
    """Evaluate the scenario's events and compare every expectation with the results."""
    records = [(f"{scenario.where}.events", i, r) for i, r in enumerate(scenario.events)]
    log = parse_events(records, force)
    # A scenario's events are the rule author's own fixtures, not an export: quoted.
    failures = [
        f"event {r.line}: rejected: {r.revealed().reason}"
        for r in log.rejections
        if r.line not in scenario.rejected
    ]
    kept = set(scenario.rejected) - {r.line for r in log.rejections}
    failures.extend(f"event {i}: expected to be rejected, but read" for i in sorted(kept))
    report = evaluate(
        force, log, scenario.start, scenario.end, scenario.as_of, obligations=scenario.obligations
    )
    failures.extend(_failures(scenario.expect, report.results, force))
    return ScenarioOutcome(scenario, tuple(failures), report)


def _failures(
    expect: Sequence[Expectation], results: Sequence[Result], force: Force
) -> Iterator[str]:
    for exp in expect:
        chosen = [
            r
            for r in results
            if r.obligation == exp.obligation
            and (not exp.scoped or r.scope == exp.scope)
            and (exp.start is None or r.window.local_start.date() == exp.start)
        ]
        if not chosen:
            if exp.count != 0:
                yield f"{exp.describe()}: no such result"
            continue
        if exp.count is not None and len(chosen) != exp.count:
            yield f"{exp.describe()}: expected {exp.count} results, got {len(chosen)}"
        for result in chosen:
            where = f"[{result.scope or 'force-wide'}] {result.window.label}"
            if result.status is not exp.status:
                yield f"{exp.describe()}: {where} is {result.status.value} ({result.reason})"
            wanted = exp.reason_contains
            if wanted and wanted.lower() not in result.reason.lower():
                yield f"{exp.describe()}: {where} reason {result.reason!r} lacks {wanted!r}"
            wanted_ids = (exp.evidence or ()) + exp.evidence_includes
            missing = [e for e in wanted_ids if e not in result.evidence]
            if missing:
                yield f"{exp.describe()}: {where} evidence lacks {', '.join(missing)}"
            if exp.evidence is not None:
                extra = [e for e in result.evidence if e not in exp.evidence]
                if extra:
                    yield f"{exp.describe()}: {where} evidence also cites {', '.join(extra)}"
            if exp.linked is not None and result.linked is not exp.linked:
                yield f"{exp.describe()}: {where} linked is {result.linked}, not {exp.linked}"


#: A scenario that shows a duty failing expects one of these.
_FAILING = frozenset({Status.MISSED, Status.BREACH})


def scenario_gaps(force: Force, scenarios: Sequence[Scenario]) -> tuple[str, ...]:
    """What the scenarios leave unshown: each checked duty must be expected `met` in one
    scenario and `missed` (or `breach`) in another, or a rule that can never pass, or
    never fail, goes unnoticed. One line per gap, naming the duty; an expectation of no
    results (`count` 0) shows nothing either way.
    """
    seen: dict[str, set[Status]] = {}
    for scenario in scenarios:
        for expectation in scenario.expect:
            if expectation.count != 0:
                seen.setdefault(expectation.obligation, set()).add(expectation.status)
    gaps = []
    for obligation_id in dict.fromkeys(ob.id for ob in force.obligations if ob.scored):
        statuses = seen.get(obligation_id, set())
        lacking = [
            word
            for word, shown in (
                ("met", Status.MET in statuses),
                ("missed or breached", bool(statuses & _FAILING)),
            )
            if not shown
        ]
        if lacking:
            gaps.append(f"{obligation_id}: no scenario expects it {', nor '.join(lacking)}")
    return tuple(gaps)
