"""Listed for the record and never scored: a duty activity data cannot show was done."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import attrs

from engagerules.engine.index import EventIndex
from engagerules.engine.trace import Trace
from engagerules.engine.verdicts import Outcome
from engagerules.model.checks import instance, optional
from engagerules.model.durations import Duration, parse_duration, positive_duration
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Kind, Obligation, Rule

#: How the force documentation names this kind.
MEANING = "listed for the record, never scored"


@attrs.frozen
class Advisory(Rule):
    """A duty kept in the plan with the `reason` it cannot be checked; a cadence, if the
    plan gives one, places it in the calendar."""

    kind: ClassVar[Kind] = Kind.ADVISORY
    scored: ClassVar[bool] = False

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

#: Whether the agenda lists this kind as a duty to do.
AGENDA_DUTY = False


def note_lines(rule: Advisory) -> list[str]:
    """The calendar's lines about this kind after the validity."""
    return [f"Advisory: not checked by engagerules. {rule.reason or ''}".rstrip()]


def unchecked_reason(rule: Advisory) -> str | None:
    """Why the duty is never checked."""
    return rule.reason or None


def json_fields(rule: Advisory) -> dict[str, Any]:
    """The obligation JSON's `reason`."""
    return {"reason": rule.reason} if rule.reason else {}
