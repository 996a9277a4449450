"""Every attribute a rule reads, held to the event types it reads it from.

A rule that sums a text attribute sums nothing (0, silently), a constraint that requires a
misspelt attribute makes every record a breach, a deadline read from a text attribute is
never found: each was caught only by a scenario, if one happened to exist. Here `validate`
(and every load) finds them from the configuration alone. An attribute is *known* to an
event type when the type declares it (`attributes`, typed) or describes it (`attrs`, in
words); a type is only held to a value type where it declares one, and types that say
nothing of their attributes hold a rule to nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from engagerules.errors import did_you_mean

__all__ = ["attribute_reads"]

_NUMBERS = frozenset({"number", "integer"})
_PERIOD_TYPES = frozenset({"text", "code", "period"})
_DATES = frozenset({"date", "timestamp"})
_THRESHOLDS = frozenset({"min", "max"})
_LISTED = frozenset({"in", "not_in", "equals", "not_equals"})


def _declared(raw: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Each event type's declared attributes: name -> declaration."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for event_type in raw.get("event_types") or []:
        if isinstance(event_type, dict) and isinstance(event_type.get("id"), str):
            attributes = event_type.get("attributes")
            declared = attributes if isinstance(attributes, dict) else {}
            found[event_type["id"]] = {k: v for k, v in declared.items() if isinstance(v, dict)}
    return found


def _described(raw: Mapping[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for event_type in raw.get("event_types") or []:
        if isinstance(event_type, dict) and isinstance(event_type.get("id"), str):
            words = event_type.get("attrs")
            found[event_type["id"]] = set(words) if isinstance(words, dict) else set()
    return found


class _Reader:
    """What the force's event types know of their attributes."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.declared = _declared(raw)
        self.described = _described(raw)

    def check(
        self, name: Any, types: Any, at: str, wanted: frozenset[str] | None, what: str
    ) -> Iterator[tuple[str, str]]:
        """`name` read from events of `types`: known to at least one of them, and of a
        type in `wanted` wherever one of them declares it."""
        if not isinstance(name, str) or not isinstance(types, list):
            return
        names = [t for t in types if isinstance(t, str) and t in self.declared]
        if not names:
            return  # unknown types are reported where the types are
        known = {a for t in names for a in (*self.declared[t], *self.described[t])}
        if not known:
            return  # types that say nothing of their attributes: nothing to hold a name to
        if name not in known:
            hint = did_you_mean(name, known)
            listed = ", ".join(sorted(known)) or "none"
            yield (
                at,
                (
                    f"{name!r} is not an attribute of {', '.join(names)}{hint} "
                    f"(its attributes: {listed})"
                ),
            )
            return
        if wanted is None:
            return
        for type_id in names:
            declared = self.declared[type_id].get(name, {}).get("type")
            if isinstance(declared, str) and declared not in wanted:
                yield (
                    at,
                    (
                        f"{what} reads {name!r}, which {type_id} declares as {declared}, "
                        f"not {' or '.join(sorted(wanted))}"
                    ),
                )

    def codes(self, name: str, types: Sequence[Any]) -> set[str] | None:
        """The declared codes of `name` across `types`, or None when any of them does not
        declare it as a code (then any value may be compared)."""
        found: set[str] = set()
        for type_id in types:
            declaration = self.declared.get(type_id, {}).get(name)
            if not isinstance(declaration, dict) or declaration.get("type") != "code":
                return None
            codes = declaration.get("codes")
            found.update(codes if isinstance(codes, dict) else [])
        return found


def _conditions(reader: _Reader, conditions: Any, types: Any, at: str) -> Iterator[tuple[str, str]]:
    if not isinstance(conditions, list):
        return
    for i, condition in enumerate(conditions):
        if not isinstance(condition, dict):
            continue
        name, where = condition.get("attr"), f"{at}[{i}].attr"
        ops = [key for key in condition if key not in ("attr", "types")]
        op = ops[0] if len(ops) == 1 else None  # the schema reports any other shape
        tested, mine = condition.get("types"), types
        if isinstance(tested, list) and isinstance(types, list):
            stray = [str(t) for t in tested if t not in types]
            if stray:
                step = ", ".join(map(str, types))
                problem = f"{', '.join(stray)} is not a type of this step ({step})"
                yield (f"{at}[{i}].types", problem)
            mine = [t for t in tested if t in types]
        wanted = _NUMBERS if op in _THRESHOLDS else None
        yield from reader.check(name, mine, where, wanted, f"a {op!r} condition")
        if op in _LISTED and isinstance(name, str) and isinstance(mine, list):
            codes = reader.codes(name, [t for t in mine if t in reader.declared])
            value = condition[op]
            for item in value if isinstance(value, list) else [value]:
                if codes and isinstance(item, str) and item not in codes:
                    yield (
                        f"{at}[{i}].{op}",
                        (
                            f"{item!r} is not a declared code of {name!r} "
                            f"({', '.join(sorted(codes))}){did_you_mean(item, codes)}"
                        ),
                    )


def _requirement(reader: _Reader, req: Mapping[str, Any], at: str) -> Iterator[tuple[str, str]]:
    types = req.get("types")
    yield from reader.check(req.get("sum"), types, f"{at}.sum", _NUMBERS, "'sum'")
    yield from reader.check(req.get("distinct"), types, f"{at}.distinct", None, "'distinct'")
    yield from _conditions(reader, req.get("where"), types, f"{at}.where")
    period = req.get("for_period")
    attr = period.get("attr") if isinstance(period, dict) else period
    yield from reader.check(attr, types, f"{at}.for_period", _PERIOD_TYPES, "'for_period'")


def attribute_reads(raw: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(JSON path, message) for each attribute a rule reads that its event types do not
    have, or have with a value type the rule cannot use."""
    reader = _Reader(raw)
    obligations = raw.get("obligations")
    for index, ob in enumerate(obligations if isinstance(obligations, list) else []):
        if not isinstance(ob, dict):
            continue
        at = f"$.obligations[{index}]"
        given = ob.get("evidence")
        evidence: list[Any] = given if isinstance(given, list) else []
        for i, req in enumerate(evidence):
            if isinstance(req, dict):
                yield from _requirement(reader, req, f"{at}.evidence[{i}]")
        covered = [t for req in evidence if isinstance(req, dict) for t in req.get("types") or []]
        yield from _conditions(reader, ob.get("require"), covered, f"{at}.require")
        trigger = ob.get("trigger")
        if isinstance(trigger, dict):
            types = trigger.get("types")
            yield from _conditions(reader, trigger.get("where"), types, f"{at}.trigger.where")
            yield from reader.check(
                trigger.get("deadline_attr"), types, f"{at}.trigger.deadline_attr", _DATES,
                "'deadline_attr'",
            )  # fmt: skip
