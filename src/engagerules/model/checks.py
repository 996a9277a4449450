"""Validators and converters for the model's frozen values, as attrs does them.

A value that cannot be right is refused where it is built, with a `ModelError` naming the
class, the field and the bad value, rather than accepted and misread later (a string of
types matched letter by letter, a negative duration, a list that makes a force
unhashable). The configuration's schema already keeps bundled forces clear of these; the
checks here hold for values built in Python too (plugins, tests, notebooks).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import time
from typing import Any

import attrs

from engagerules.errors import ModelError

__all__ = [
    "finite",
    "frozen_value",
    "instance",
    "non_negative_int",
    "one_of",
    "optional",
    "positive",
    "strings",
    "times",
    "tuple_of",
    "tuples",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _fail(inst: object, attribute: attrs.Attribute[Any], value: object, why: str) -> ModelError:
    return ModelError(f"{type(inst).__name__}.{attribute.name}: {value!r} {why}")


def tuples(value: object) -> object:
    """Converter: a list becomes a tuple; anything else is left for the validator to judge
    (a string is not turned into a tuple of letters)."""
    return tuple(value) if isinstance(value, list) else value


def tuple_of(kind: type | tuple[type, ...], what: str) -> Validator:
    """A tuple whose every item is a `kind`."""

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise _fail(inst, attribute, value, f"is not a list of {what}")
        for item in value:
            if not isinstance(item, kind) or (isinstance(item, bool) and kind is not bool):
                raise _fail(inst, attribute, value, f"holds {item!r}, which is not {what}")

    return check


def _strings(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        raise _fail(inst, attribute, value, "is not a list of names")
    for item in value:
        if not isinstance(item, str) or not item:
            raise _fail(inst, attribute, value, f"holds {item!r}, which is not a name")


#: A tuple of non-empty names (event types, units, roles); a bare string is refused.
strings: Validator = _strings


def instance(kind: type | tuple[type, ...], what: str) -> Validator:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise _fail(inst, attribute, value, f"is not {what}")

    return check


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def one_of(options: tuple[object, ...]) -> Validator:
    """One of a closed set of words (`combine`, `match`)."""

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in options:
            shown = ", ".join(repr(o) for o in options)
            raise _fail(inst, attribute, value, f"is not one of {shown}")

    return check


def optional(validator: Validator) -> Validator:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            validator(inst, attribute, value)

    return check


def _finite(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(inst, attribute, value, "is not a number")
    if not math.isfinite(value):
        raise _fail(inst, attribute, value, "is not a finite number")


#: A finite int or float (never a bool, NaN or infinity).
finite: Validator = _finite


def _positive(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _finite(inst, attribute, value)
    if value <= 0:  # type: ignore[operator]
        raise _fail(inst, attribute, value, "must be more than 0")


#: A finite number above zero.
positive: Validator = _positive


def _non_negative_int(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(inst, attribute, value, "is not a whole number")
    if value < 0:
        raise _fail(inst, attribute, value, "must not be negative")


#: A whole number, zero or more (the parts of a duration).
non_negative_int: Validator = _non_negative_int


def _times(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        raise _fail(inst, attribute, value, "is not a list of times of day")
    for item in value:
        if not isinstance(item, time) or item.tzinfo is not None:
            raise _fail(inst, attribute, value, f"holds {item!r}, which is not a local time")
    if len(set(value)) != len(value):
        raise _fail(inst, attribute, value, "lists a time twice")


#: Times of day (naive `datetime.time`, the force's zone applies), none repeated.
times: Validator = _times


def frozen_value(value: object) -> object:
    """Converter: JSON lists (at any depth) become tuples, so a condition's value is
    immutable and hashable; scalars are kept as they are."""
    if isinstance(value, list | tuple):
        return tuple(frozen_value(v) for v in value)
    return value
