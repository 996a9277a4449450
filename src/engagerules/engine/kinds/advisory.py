"""Listed for the record and never scored: a duty activity data cannot show was done."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.trace import Trace
from engagerules.engine.verdicts import Outcome
from engagerules.model.checks import instance, optional
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Kind, Obligation, Rule
from engagerules.model.results import Result

#: How the force documentation names this kind.
MEANING = "listed for the record, never scored"

#: What the force documentation calls this kind's evidence.
EVIDENCE_LABEL = "Evidence"

#: Whether the documentation states the evidence as a count ("at least 1 `tweet`") or,
#: for kinds judged on every such event, by its types alone.
COUNTS_EVIDENCE = True


@attrs.frozen
class Advisory(Rule):
    """A duty kept in the plan with the `reason` it cannot be checked; a cadence, if the
    plan gives one, places it in the calendar."""

    kind: ClassVar[Kind] = Kind.ADVISORY

    reason: str = attrs.field(validator=instance(str, "a reason"))
    cadence: Duration | None = attrs.field(default=None, validator=optional(positive_duration))
    anchor: date | None = None


#: The rule class the registry dispatches on.
RULE = Advisory

#: This kind's part of the obligation schema (JSON Schema 2020-12; `#/$defs/...` refer to
#: the force schema's definitions). `properties` are the keys only this kind has; `then`
#: applies when an obligation's `kind` is "advisory".
SCHEMA: dict[str, Any] = {
    "properties": {
        "reason": {
            "type": "string",
            "minLength": 1,
            "description": "Why an advisory duty cannot be checked from activity data.",
        },
        "cadence": {"$ref": "#/$defs/duration"},
        "anchor": {
            "$ref": "#/$defs/date",
            "description": "A date a period starts on; cycles run forwards and backwards from it.",
        },
    },
    "then": {"required": ["reason"]},
}


def build(raw: dict[str, Any]) -> Advisory:
    """From the validated JSON of one obligation."""
    return Advisory(
        reason=raw["reason"],
        cadence=parse_duration(raw["cadence"]) if "cadence" in raw else None,
        anchor=date.fromisoformat(raw["anchor"]) if "anchor" in raw else None,
    )


def evaluate(
    force: Force,
    obligation: Obligation,
    rule: Advisory,
    index: EventIndex,
    span: Window,
    as_of: datetime,
    trace: Trace | None = None,
) -> Outcome:
    """Never scored: no results, and no event is used."""
    return Outcome((), frozenset())


# ---------------------------------------------------------------- how the outputs say it

#: The calendar's category and title prefix for this kind ("" for none).
CALENDAR_LABEL = "Advisory"

#: Whether the calendar shows the owner free, not busy, in this kind's items.
CALENDAR_FREE = False

#: Whether a calendar item of this kind is due by its window's last day, whatever its cycle.
DUE_BY_LAST_DAY = False

#: Whether events set off this kind's duties (the calendar's follow-ups).
FOLLOWS_EVENTS = False

#: Whether the agenda lists this kind as a duty to do.
AGENDA_DUTY = False


def when_suffix(obligation: Obligation, rule: Advisory) -> str:
    """What the calendar adds to a series' "When:" line."""
    return ""


def detail_lines(rule: Advisory) -> list[str]:
    """The calendar's lines about this kind's own terms, after the "When:" line."""
    return []


def evidence_line(force: Force, obligation: Obligation, rule: Advisory) -> str | None:
    """The calendar's "Evidence:" line, when this kind says it its own way (None: the
    requirements, listed)."""
    return None


def note_lines(rule: Advisory) -> list[str]:
    """The calendar's lines about this kind after the validity."""
    return [f"Advisory: not checked by engagerules. {rule.reason or ''}".rstrip()]


def within_words(rule: Advisory) -> str:
    """What the calendar adds after a follow-up's "Due by:" time."""
    return ""


def agenda_span(obligation: Obligation, rule: Advisory, day: date, zone: tzinfo) -> Window | None:
    """The range the agenda evaluates on `day`, when this kind fixes one (None: the range
    of the windows open now or opening soon)."""
    return None


def agenda_deadline(
    obligation: Obligation, rule: Advisory, result: Result, index: EventIndex, now: datetime
) -> tuple[Result, datetime] | None:
    """The result as the agenda shows it and when it falls due, when this kind decides
    (None: at the end of its window)."""
    return None
