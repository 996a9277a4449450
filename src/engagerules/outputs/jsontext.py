"""JSON text exactly as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, sooner.

With an indent, the standard library encodes in Python, a call per value: on the report of
a million events (15 MB, most of it lists of evidence ids) that was a second, as long as
judging some duties. Here strings are escaped by the same C function `json` uses, and a
list of plain strings is joined in one call; everything else follows `json`'s encoder
rule for rule (the order of its type tests, `NaN` and `Infinity`, non-string keys), and
`tests/test_jsontext.py` compares the two on generated values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

__all__ = ["dumps"]

_INDENT = "  "


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, the same text."""
    parts: list[str] = []
    _encode(value, parts.append, "\n")
    return "".join(parts)


def _encode(value: Any, add: Callable[[str], object], newline: str) -> None:
    if isinstance(value, str):
        add(encode_basestring(value))
    elif value is None:
        add("null")
    elif value is True:
        add("true")
    elif value is False:
        add("false")
    elif isinstance(value, int):
        add(int.__repr__(value))
    elif isinstance(value, float):
        add(_float(value))
    elif isinstance(value, list | tuple):
        _sequence(value, add, newline)
    elif isinstance(value, dict):
        _mapping(value, add, newline)
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _sequence(
    items: list[Any] | tuple[Any, ...], add: Callable[[str], object], newline: str
) -> None:
    if not items:
        add("[]")
        return
    inner = newline + _INDENT
    if all(type(item) is str for item in items):  # evidence ids: one join, in C
        add("[" + inner + ("," + inner).join(map(encode_basestring, items)) + newline + "]")
        return
    separator = "[" + inner
    for item in items:
        add(separator)
        separator = "," + inner
        _encode(item, add, inner)
    add(newline + "]")


def _mapping(mapping: dict[Any, Any], add: Callable[[str], object], newline: str) -> None:
    if not mapping:
        add("{}")
        return
    inner = newline + _INDENT
    if all(type(item) in _FLAT for item in mapping.values()):
        # No container inside: the C encoder, with the line break and indent as the
        # separator between items, writes the same text.
        text = _flat(inner)(mapping)
        add("{" + inner + text[1:-1] + newline + "}")
        return
    separator = "{" + inner
    for key, item in mapping.items():
        add(separator)
        separator = "," + inner
        add(encode_basestring(_key(key)))
        add(": ")
        _encode(item, add, inner)
    add(newline + "}")


#: Types the C encoder writes as `json.dumps` with an indent does (no container).
_FLAT = frozenset({str, int, float, bool, type(None)})
_FLATS: dict[str, Callable[[Any], str]] = {}


def _flat(inner: str) -> Callable[[Any], str]:
    """The C encoder separating items by a line break and `inner`'s indent."""
    found = _FLATS.get(inner)
    if found is None:
        encoder = json.JSONEncoder(ensure_ascii=False, separators=("," + inner, ": "))
        found = _FLATS[inner] = encoder.encode
    return found


def _key(key: Any) -> str:
    """A key as `json` turns it into a string (skipkeys off: other types are an error)."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(value: float) -> str:
    if value != value:  # noqa: PLR0124 - NaN is the one value unequal to itself
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)
