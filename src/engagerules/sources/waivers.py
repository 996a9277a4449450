"""Waivers: a window exempted for a stated reason (a major incident, a vacancy).

A waiver never hides anything. It turns a result that was not met into `waived`, with the
justification as its reason and the verdict it replaced kept beside it, so the report
counts waived windows apart and an auditor can still see what happened. A waiver has an
expiry; once that day is past (before the report's `as_of`) it no longer applies.

The file is JSON, `{"waivers": [...]}` (or the bare list), each entry:

    {"obligation": "gwent.cn.weekly-positive-tweet", "scope": "bargoed",
     "window": "2022-10-05" | "2022-10-01..2022-10-31",
     "justification": "major incident: all officers redeployed", "expiry": "2023-03-31"}

`scope` may be left out (every unit and force-wide); a unit also covers the units within
it. A window is waived when any of its days falls in `window`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from engagerules.errors import Problem, WaiverError, did_you_mean
from engagerules.model.limits import year_problem
from engagerules.model.periods import Window, local_midnight
from engagerules.model.plan import Force
from engagerules.model.results import Report, Result, Status
from engagerules.sources import strictjson

__all__ = ["Waiver", "apply_waivers", "expired_waivers", "parse_waivers", "waive"]

_REQUIRED = ("obligation", "window", "justification", "expiry")
_KEYS = frozenset({*_REQUIRED, "scope"})


@attrs.frozen
class Waiver:
    """An exemption of one obligation's windows between two dates, until an expiry day."""

    obligation: str
    first: date
    last: date
    justification: str
    expiry: date
    scope: str | None = None
    #: Where the waiver was written (`file: $.waivers[2]`), for messages.
    where: str = ""

    def expired(self, as_of: datetime, force: Force) -> bool:
        """Whether the expiry day is before the day of `as_of` in the force's zone."""
        return self.expiry < as_of.astimezone(force.zone).date()

    def covers(self, result: Result, force: Force) -> bool:
        """Whether this waiver exempts `result`: same obligation, unit and overlapping days."""
        if result.obligation != self.obligation:
            return False
        if self.scope is not None and (
            result.scope is None or self.scope not in force.ancestry(result.scope)
        ):
            return False
        days = Window(
            local_midnight(self.first, force.zone),
            local_midnight(self.last + timedelta(days=1), force.zone),
            force.zone,
        )
        return days.overlaps(result.window)


def apply_waivers(report: Report, waivers: Iterable[Waiver], force: Force) -> Report:
    """The report with every result a live waiver covers turned `waived` (met stays met).

    The first waiver in file order wins; the replaced verdict is kept in `waived_from`.
    """
    results = waive(report.results, waivers, report.as_of, force)
    return attrs.evolve(report, results=results)


def waive(
    results: Iterable[Result], waivers: Iterable[Waiver], as_of: datetime, force: Force
) -> tuple[Result, ...]:
    """`apply_waivers` for results judged at `as_of` that are not (yet) a whole report."""
    live = [w for w in waivers if not w.expired(as_of, force)]
    waived = []
    for result in results:
        waiver = None
        if live and result.status not in (Status.MET, Status.WAIVED):
            waiver = next((w for w in live if w.covers(result, force)), None)
        if waiver is None:
            waived.append(result)
            continue
        waived.append(
            attrs.evolve(
                result,
                status=Status.WAIVED,
                reason=waiver.justification,
                waived_from=result,
            )
        )
    return tuple(waived)


def expired_waivers(waivers: Iterable[Waiver], as_of: datetime, force: Force) -> list[Waiver]:
    """The waivers that no longer apply at `as_of`, so the command line can say so."""
    return [w for w in waivers if w.expired(as_of, force)]


# ---------------------------------------------------------------------------- parsing


def parse_waivers(text: str, source: str, force: Force) -> tuple[Waiver, ...]:
    """Waivers from the text of a waiver file, checked against the force.

    Raises `WaiverError` carrying every problem, each naming `source` and its JSON path,
    because a waiver that silently failed to apply would misreport.
    """
    try:
        data = strictjson.loads(text)
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} (column {exc.colno})"
        raise WaiverError([Problem.at(message, file=source, line=exc.lineno)]) from None
    except strictjson.LimitError as exc:
        raise WaiverError([Problem.at(str(exc), file=source, line=exc.line)]) from None
    flaw = strictjson.first_flaw(data)
    if flaw is not None:
        where = strictjson.path_text(flaw[0])
        raise WaiverError([Problem.at(flaw[1], file=source, path=where)])
    if isinstance(data, dict) and "waivers" in data:
        extra = sorted(set(data) - {"waivers", "description"})
        if extra:
            message = "not a field of a waiver file (waivers, description)"
            where = strictjson.path_text((extra[0],))
            raise WaiverError([Problem.at(message, file=source, path=where)])
        entries, base = data["waivers"], "$.waivers"
    elif isinstance(data, list):
        entries, base = data, "$"
    else:
        message = 'expected {"waivers": [...]} or a list of waivers'
        raise WaiverError([Problem.at(message, file=source, path="$")])
    if not isinstance(entries, list):
        raise WaiverError([Problem.at("must be a list of waivers", file=source, path=base)])
    problems: list[Problem] = []
    found: list[Waiver] = []
    for i, entry in enumerate(entries):
        path = f"{base}[{i}]"
        try:
            found.append(_waiver(entry, path, source, force))
        except _Bad as exc:
            where, _, message = str(exc).partition(": ")
            problems.append(Problem.at(message, file=source, path=where))
    if problems:
        raise WaiverError(problems)
    return tuple(found)


class _Bad(Exception):
    """A problem with one waiver, `$.path: message`, collected with the others."""


def _waiver(entry: Any, path: str, source: str, force: Force) -> Waiver:
    if not isinstance(entry, dict):
        msg = f"{path}: a waiver must be an object, not {type(entry).__name__}"
        raise _Bad(msg)
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        hint = did_you_mean(unknown[0], sorted(_KEYS))
        where = strictjson.path_text((unknown[0],), path)
        msg = f"{where}: not a waiver field{hint}; use {', '.join(sorted(_KEYS))}"
        raise _Bad(msg)
    for key in _REQUIRED:
        if entry.get(key) in (None, ""):
            msg = f"{path}.{key}: required"
            raise _Bad(msg)
    obligation = _string(entry, "obligation", path)
    versions = force.obligation(obligation)
    if not versions:
        hint = did_you_mean(obligation, force.obligation_ids)
        msg = f"{path}.obligation: {obligation!r} is not an obligation of {force.id}{hint}"
        raise _Bad(msg)
    if not any(v.scored for v in versions):
        msg = f"{path}.obligation: {obligation!r} is advisory and never scored"
        raise _Bad(msg)
    scope = None if entry.get("scope") is None else _string(entry, "scope", path)
    per_person = all(v.scope.per_person for v in versions)
    if scope is not None and not per_person and force.unit(scope) is None:
        hint = did_you_mean(scope, [u.id for u in force.units])
        msg = f"{path}.scope: {scope!r} is not a unit of {force.id}{hint}"
        raise _Bad(msg)
    first, last = _days(_string(entry, "window", path), f"{path}.window")
    justification = _string(entry, "justification", path).strip()
    if not justification:
        msg = f"{path}.justification: required: say why the window is exempt"
        raise _Bad(msg)
    expiry = _day(_string(entry, "expiry", path), f"{path}.expiry")
    return Waiver(
        obligation=obligation,
        first=first,
        last=last,
        justification=justification,
        expiry=expiry,
        scope=scope,
        where=f"{source}: {path}",
    )


def _string(entry: dict[str, Any], key: str, path: str) -> str:
    value = entry[key]
    if not isinstance(value, str):
        msg = f"{path}.{key}: must be a string, not {json.dumps(value)}"
        raise _Bad(msg)
    return value


def _day(text: str, path: str) -> date:
    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        msg = f"{path}: {shown!r} is not a date (YYYY-MM-DD)"
        raise _Bad(msg) from None
    problem = year_problem(day)
    if problem is not None:
        raise _Bad(f"{path}: {shown!r}: {problem}")
    return day


def _days(text: str, path: str) -> tuple[date, date]:
    """`D` (a day inside the window) or `D..D` (every window touching those days)."""
    parts: Sequence[str] = text.split("..")
    if len(parts) == 1:
        day = _day(parts[0], path)
        return day, day
    if len(parts) != 2:
        msg = f"{path}: {text!r} is not a date or a range (YYYY-MM-DD..YYYY-MM-DD)"
        raise _Bad(msg)
    first, last = _day(parts[0], path), _day(parts[1], path)
    if last < first:
        msg = f"{path}: {text!r} ends before it starts"
        raise _Bad(msg)
    return first, last
