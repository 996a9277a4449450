"""Declarative tests on event attributes, and measuring events against a requirement.

Conditions are data (`{"attr": "policing_purpose", "present": true}`), interpreted here by
a closed set of operators; nothing from a configuration is ever executed.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Literal

from engagerules.model.event import Event, Unlisted
from engagerules.model.plan import Condition, Operator, Requirement

__all__ = [
    "denied",
    "denies",
    "failed_condition",
    "folded",
    "measure",
    "missing_attr",
    "number",
    "number_text",
    "recorded",
    "truthy",
    "unlisted",
    "unmet",
]

_FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "none", "null"})
#: What people type for "nothing here" (an export's placeholder is not a value): a field
#: holding one of these, or starting "not " ("not advertised"), records nothing.
_PLACEHOLDERS = frozenset(
    {"n/a", "na", "nil", "-", "--", "\u2013", "\u2014", "?", "unknown", "not known", "tbc", "tba"}
)
_LARGEST = sys.float_info.max
#: Free text that says the thing was not there. Read after a leading label ("Partners:
#: none" reads "none") and case-folded, a value denies when it
#: - opens with a word that denies whatever follows: "none present", "nobody came",
#:   "nil - cancelled", "0 partners", "n.a.", "not held", the Welsh "dim" ("dim partneriaid");
_DENIES_ALL = re.compile(
    r"(?:none|nobody|no[- ]?one|nil|nothing|neither|zero|not|dim|n/a|n\.a\.?)(?![^\W_])"
    r"|0(?![^\W_]|[.,]\d)"
)
#: - opens with "no", "never" or "without" and then the attribute's own word ("No partners
#:   attended", "never advertised") or a word for nobody coming ("no attendance", "no
#:   show"), but not another thing ("No concerns raised", "No. 10 Club", "Never had a
#:   complaint" are there);
_DENIES_NEXT = re.compile(r"(?:no|never|without)[\s-]+([^\W_]+)")
_NOBODY = re.compile(r"attend\w*|turn-?out|show|one|body|participa\w*|takers|uptake|response")
#: - or says in its first clause that it did not happen: "Cancelled - weather",
#:   "Postponed", "Did not attend", "Clerk unavailable - meeting cancelled", "Apologies".
_DID_NOT_HAPPEN = re.compile(
    r"\b(?:cancell?ed|postponed|called off|abandoned|unavailable|apologies|dna|no-?show"
    r"|did not (?:attend|happen|take place|go ahead)|didn'?t (?:attend|happen|go ahead)"
    r"|not (?:held|attended))\b"
)
_LABEL = re.compile(r"[^\W\d_][\w /'-]{0,30}:\s*(?=\S)")
_CLAUSE = re.compile(r"\s[-\u2013\u2014]\s|[;,.!?()]")
#: No list of words reads every way people type "it did not happen"; these err towards
#: absence (a false "missed" a reviewer can see) rather than a comforting "met".


def truthy(value: object) -> bool:
    """Whether an attribute counts as recorded: CSV gives text, so `"false"` is false."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        text = " ".join(value.lower().split())
        return not (text in _FALSE_WORDS or text in _PLACEHOLDERS or text.startswith("not "))
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    return bool(value)


def number(value: object) -> float | None:
    """A finite number, or None if `value` is not one. Strings are not numbers: "520"
    meets no target, threshold or sum (a CSV cell of a declared number is read as the
    number when the record is read, so it arrives here as one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:  # an integer beyond any float: not a number one can compare
        return None
    return result if math.isfinite(result) else None


#: A number written as JSON and spreadsheets write one: ASCII digits, a sign, a point, an
#: exponent. Python's float() reads more ("1_000", "٣", " nan") that no export means.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
#: The same with commas between groups of three digits (1,600): a spreadsheet's figure.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)


def number_text(text: str, *, grouped: bool = False) -> float | None:
    """The finite number a cell of text writes, or None. Only what a person or a
    spreadsheet writes as a number reads as one; with `grouped`, commas may separate
    thousands (1,600), but never stand for a decimal point: "1,5" is no number (read as
    15 it met a month of 3 hours), nor are "1_000", "٣", "NaN" or "3h"."""
    body = text.strip()
    if _DECIMAL.fullmatch(body) is None:
        if not grouped or _GROUPED.fullmatch(body) is None:
            return None
        body = body.replace(",", "")
    result = float(body)
    return result if math.isfinite(result) else None


def _text_number(value: object) -> float | None:
    """A number, or text that reads as one: for equality only, where a code "1" in an
    undeclared CSV column is the same as 1."""
    if isinstance(value, str):
        return number_text(value)
    return number(value)


def _same(a: object, b: object) -> bool:
    """Equality that lets CSV text match JSON numbers and booleans."""
    if a == b:
        return True
    na, nb = _text_number(a), _text_number(b)
    if na is not None and nb is not None:
        return na == nb
    if isinstance(a, bool) or isinstance(b, bool):
        return truthy(a) == truthy(b)
    return isinstance(a, str) and isinstance(b, str) and folded(a) == folded(b)


def folded(text: str) -> str:
    """Text as a reader compares it: case, spaces and punctuation aside ("Rhymney  Library"
    and "rhymney library", "The Hub, Ystrad" and "The Hub Ystrad" are one place)."""
    return " ".join(_NON_WORD.sub(" ", text).casefold().split())


_NON_WORD = re.compile(r"[\W_]+")


def holds(condition: Condition, event: Event, previous: Event | None = None) -> bool:
    """Whether `event` satisfies `condition`; `previous` is the event before it in sequence.

    An attribute holding a list (a meeting with two partner forces) is tested element by
    element: `equals` and `in` hold if any element matches, `not_equals` and `not_in` if
    none does.
    """
    if condition.types and event.type not in condition.types:
        return True  # a test of other types' records
    value = event.attrs.get(condition.attr)
    if type(value) is Unlisted:
        return False  # not one of the codes: no test on it holds (a constraint's breach)
    if isinstance(value, list) and condition.op in _ELEMENTWISE:
        matches = [_test(condition, item) for item in value]
        positive = condition.op in (Operator.EQUALS, Operator.IN)
        return any(matches) if positive else all(matches)
    if condition.op is Operator.DIFFERS_FROM_PREVIOUS:
        if not recorded(value):
            return False  # missing is never a pass: a surgery with no location does not vary
        if previous is None:
            return True
        # Places are (unit, value) pairs: "Library" in Bargoed is not "Library" in Rhymney.
        # A value naming a kind of unit ("section") also needs that unit to differ, which
        # the constraint judges with the force's units (`engine/kinds/constraint.py`).
        before = previous.attrs.get(condition.attr)
        return not recorded(before) or previous.scope != event.scope or not _same(value, before)
    return _test(condition, value)


def denies(value: object, attr: str = "") -> bool:
    """Whether a value says the thing was not there (see `_DENIES_ALL` and the patterns
    after it), or is a list of nothing else. `attr`, the attribute's name, lets "No
    partners attended" deny `partners` while "No concerns raised" is `feedback` given.
    An evidence condition's `present` reads a denial as absence; a constraint's rule,
    asking only that the field be recorded, accepts it as an honest record."""
    if isinstance(value, str):
        text = value.casefold().strip(" \t\"'`*")
        unlabelled = _LABEL.sub("", text, count=1)  # "partners: none" reads "none" too
        return _denial(text, attr) or (unlabelled != text and _denial(unlabelled, attr))
    if isinstance(value, list):
        return bool(value) and all(denies(item, attr) or not truthy(item) for item in value)
    return False


def _denial(text: str, attr: str) -> bool:
    if _DENIES_ALL.match(text):
        return True
    following = _DENIES_NEXT.match(text)
    if following is not None:
        word, own = following.group(1), attr.split("_", maxsplit=1)[0].casefold()[:6]
        if (own and word.startswith(own)) or _NOBODY.fullmatch(word):
            return True
    return _DID_NOT_HAPPEN.search(_CLAUSE.split(text, maxsplit=1)[0]) is not None


def denied(condition: Condition, event: Event) -> bool:
    """Whether `event` fails `condition` because its value denies the thing the condition
    asks is there, so a reason can say "partners recorded as none" without quoting it."""
    return (
        condition.op is Operator.PRESENT
        and condition.asks == "there"
        and truthy(value := event.attrs.get(condition.attr))
        and denies(value, condition.attr)
    )


def recorded(value: object) -> bool:
    """Whether an attribute holds anything at all (None, "" and blank text do not)."""
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())


def unlisted(condition: Condition, event: Event) -> bool:
    """Whether `event` fails `condition` because its value is not one of the attribute's
    codes (read for a constraint to judge), so a reason says that without quoting it."""
    return type(event.attrs.get(condition.attr)) is Unlisted


def missing_attr(condition: Condition, event: Event) -> bool:
    """Whether `event` fails `condition` because it lacks the attribute altogether, so a
    reason can say "no location recorded" rather than quote the rule."""
    return condition.op is not Operator.ABSENT and not recorded(event.attrs.get(condition.attr))


def _negated(attr: str, value: object) -> bool:
    """Whether text says the attribute's own word in the negative: `advertised` recorded as
    "unadvertised" (or "non-advertised") records that it was not."""
    if not isinstance(value, str):
        return False
    folded_value = folded(value).replace(" ", "")
    word = attr.replace("_", "").casefold()
    return folded_value in (f"un{word}", f"non{word}")


def _there(condition: Condition, value: object) -> bool:
    """What `present` asks (`Condition.asks`): whether the field was recorded (not blank,
    a placeholder or the attribute's own word negated), and, where it asks whether the
    thing is there, that the value does not deny it."""
    if not truthy(value) or _negated(condition.attr, value):
        return False
    return condition.asks == "recorded" or not denies(value, condition.attr)


_ELEMENTWISE = frozenset({Operator.EQUALS, Operator.IN, Operator.NOT_EQUALS, Operator.NOT_IN})


def _test(condition: Condition, value: object) -> bool:
    match condition.op:
        case Operator.PRESENT:
            return _there(condition, value)
        case Operator.ABSENT:
            return not _there(condition, value)
        case Operator.EQUALS:
            return recorded(value) and _same(value, condition.value)
        case Operator.NOT_EQUALS:
            return recorded(value) and not _same(value, condition.value)
        case Operator.IN:
            options = condition.value if isinstance(condition.value, tuple) else ()
            return recorded(value) and any(_same(value, o) for o in options)
        case Operator.NOT_IN:
            options = condition.value if isinstance(condition.value, tuple) else ()
            return recorded(value) and not any(_same(value, o) for o in options)
        case Operator.MIN | Operator.MAX:
            found, bound = number(value), number(condition.value)
            if found is None or bound is None:
                return False
            return found >= bound if condition.op is Operator.MIN else found <= bound
        case _:
            return False  # sequence operators are handled by `holds`


def failed_condition(
    conditions: Iterable[Condition], event: Event, previous: Event | None = None
) -> Condition | None:
    """The first condition `event` fails, or None if it meets them all."""
    if not conditions:  # most requirements have none: no generator to start and stop
        return None
    return next((c for c in conditions if not holds(c, event, previous)), None)


def qualifies(requirement: Requirement, event: Event) -> bool:
    """Whether `event` may count towards `requirement` (type, role, conditions)."""
    return unmet(requirement, event) is None


def unmet(requirement: Requirement, event: Event) -> Literal["type", "role"] | Condition | None:
    """The first test by which `event` fails `requirement`: its `"type"`, its `"role"`, or
    the condition it fails; None when it may count. The trace names the same test."""
    if event.type not in requirement.types:
        return "type"
    if requirement.roles and event.role not in requirement.roles:
        return "role"
    return failed_condition(requirement.where, event)


def measure(requirement: Requirement, events: Sequence[Event]) -> float:
    """How much of the requirement `events` (already qualified) provide.

    A count of events by default; the total of the `sum` attribute (numbers only: a CSV
    cell of a declared number was read as one, anything else is ignored); or the number
    of distinct `distinct` values.
    """
    if requirement.sum is not None:
        key = requirement.sum
        total = sum(n for e in events if (n := number(e.attrs.get(key))) is not None)
        # Finite numbers can still add up past the largest float; the total is then at
        # least that, which is all a minimum is compared with, and stays a number.
        return total if math.isfinite(total) else math.copysign(_LARGEST, total)
    if requirement.distinct is not None:
        key = requirement.distinct
        return len(
            {
                str(v).strip().lower()
                for e in events
                if recorded(v := e.attrs.get(key)) and type(v) is not Unlisted
            }
        )
    return len(events)
