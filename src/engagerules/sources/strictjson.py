"""JSON read within stated limits, for every file a user gives (events, waivers, forces).

Python's `json` accepts what JSON does not (`NaN`, `Infinity`), turns `1e400` into an
infinity, raises a bare ValueError for an integer of more than 4,300 digits, and a
RecursionError for nesting about 1,000 deep. None of those may reach the engine as a
traceback or as a number that is not one. `loads` and `decoder` mark such numbers with
`Unrepresentable` instead of failing, so a reader can reject the one record (or list
the one configuration problem) at its JSON path and go on; `flaws` finds them, and
nesting deeper than `MAX_DEPTH`, in any value, including ones a caller built itself.
"""

from __future__ import annotations

import json
import math
import pathlib
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs

from engagerules.errors import ConfigError, Problem, UsageError
from engagerules.model.limits import MAX_DEPTH, MAX_DIGITS

__all__ = [
    "LimitError",
    "Unrepresentable",
    "check_text",
    "decoder",
    "first_flaw",
    "flaws",
    "json_lines",
    "loads",
    "path_text",
    "read_file",
]

_LIMIT = 10**MAX_DIGITS
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@attrs.frozen
class Unrepresentable:
    """A number JSON gave that engagerules will not compute with: why, as a message."""

    reason: str


class LimitError(UsageError):
    """JSON text engagerules will not read: nested too deeply, or holding a string that
    is not text (a lone surrogate such as `\\ud800`, which no output could encode).

    `line` is the line of the text where it goes wrong (1 for the first), when known.
    """

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _too_deep(text: str) -> LimitError:
    return LimitError(f"nested more than {MAX_DEPTH} levels deep", line=_deep_line(text))


#: A JSON string, or a bracket outside one.
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
#: An escape inside a JSON string; group 1 holds the four digits of a `\\u` escape.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _deep_line(text: str) -> int | None:
    """The line on which `text` first nests more than `MAX_DEPTH` deep (error path only)."""
    depth = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return _line(text, match.start())
        elif token in ("]", "}"):
            depth -= 1
    return None


def _surrogate_line(text: str) -> int | None:
    """The line of the first lone surrogate in `text`, escaped or raw (error path only)."""
    high: int | None = None  # where an unpaired high surrogate's escape starts
    paired_at = -1  # where its low half must start to pair with it
    for match in _ESCAPE.finditer(text):
        code = int(match[1], 16) if match[1] else -1
        if high is not None:
            if match.start() == paired_at and 0xDC00 <= code <= 0xDFFF:
                high = None
                continue
            return _line(text, high)
        if 0xD800 <= code <= 0xDBFF:
            high, paired_at = match.start(), match.end()
        elif 0xDC00 <= code <= 0xDFFF:
            return _line(text, match.start())
    if high is not None:
        return _line(text, high)
    raw = _SURROGATE.search(text)
    return _line(text, raw.start()) if raw else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse_int(text: str) -> int | Unrepresentable:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        return Unrepresentable(f"a number of {digits} digits (at most {MAX_DIGITS})")
    return int(text)


def _parse_float(text: str) -> float | Unrepresentable:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 20 else text[:17] + "..."
        return Unrepresentable(f"{shown} is beyond the largest number supported (about 1e308)")
    return value


def _parse_exact_float(text: str) -> float | Unrepresentable:
    """`_parse_float`, and a decimal a float cannot keep exactly (more digits than it holds)
    is marked too: a configuration's threshold must mean what it says."""
    value = float(text)
    shown = text if len(text) <= 30 else text[:27] + "..."
    if not math.isfinite(value):
        return Unrepresentable(f"{shown} is not a number JSON can carry: use a finite decimal")
    if Decimal(text) != Decimal(repr(value)):
        return Unrepresentable(
            f"{shown} is not a number JSON can carry exactly: use a finite decimal"
        )
    return value


def _parse_constant(text: str) -> Unrepresentable:
    return Unrepresentable(f"{text} is not a number JSON can carry: use a finite decimal")


def decoder() -> json.JSONDecoder:
    """A decoder that marks unrepresentable numbers instead of failing or accepting them."""
    return json.JSONDecoder(
        parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
    )


_DECODER = decoder()
#: For configurations: decimals a float cannot keep exactly are marked as well.
_EXACT = json.JSONDecoder(
    parse_int=_parse_int, parse_float=_parse_exact_float, parse_constant=_parse_constant
)


def loads(text: str, *, exact: bool = False) -> Any:
    """`json.loads` with unrepresentable numbers marked (with `exact`, also decimals a float
    cannot keep); raises `json.JSONDecodeError` for text that is not JSON and `LimitError`
    for nesting the parser cannot follow or a lone surrogate."""
    try:
        value = (_EXACT if exact else _DECODER).decode(text)
    except RecursionError:
        raise _too_deep(text) from None
    check_text(text, value)
    return value


#: JSON's white space: a line of only these is blank (a line of U+00A0 is a record).
JSON_SPACE = " \t\r"


def json_lines(text: str) -> Iterator[tuple[int, Any, str | None]]:
    """Each record of JSON Lines `text` as `(line, value, None)`, or `(line, None, why)`
    when the line is not JSON or is past a limit; blank lines are skipped.

    Lines are split on LF only (a CR before it is white space): `str.splitlines` would
    also split on U+2028, U+0085, form feeds and the like, which JSON allows raw inside
    a string, and so cut one record in two. Every JSON Lines reader (events, exports)
    reads through here, so they cannot disagree on what a line is.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip(JSON_SPACE):
            continue
        try:
            yield number, loads(line), None
        except json.JSONDecodeError as exc:
            yield number, None, f"not valid JSON: {exc.msg} (column {exc.colno})"
        except LimitError as exc:
            yield number, None, str(exc)


def read_file(
    file: pathlib.Path,
    *,
    exact: bool = False,
    missing: str = "no such file",
    encoding: str = "utf-8",
) -> Any:
    """The JSON of a configuration-like file (a force, its overrides, an import profile),
    read as `loads` reads it; raises `ConfigError` with one located problem when the file
    is missing (`missing` says what was expected), unreadable, not JSON or past a limit."""
    try:
        text = file.read_text(encoding=encoding)
    except FileNotFoundError:
        raise ConfigError([Problem(str(file), missing)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(file), f"cannot be read: {exc}")]) from None
    except ValueError:  # a NUL in the name
        raise ConfigError([Problem(repr(str(file)), "cannot be read: a NUL in its name")]) from None
    try:
        return loads(text, exact=exact)
    except json.JSONDecodeError as exc:
        where = f"{file}:{exc.lineno}:{exc.colno}"
        raise ConfigError([Problem(where, f"not valid JSON: {exc.msg}")]) from None
    except LimitError as exc:
        raise ConfigError([Problem.at(str(exc), file=str(file), line=exc.line)]) from None


def check_text(text: str, value: Any) -> None:
    """Raise `LimitError` if `value`, parsed from `text`, holds a lone surrogate (with the
    line of `text` it is written on).

    Only a `\\u` escape can make one, so text without that is not searched further.
    """
    if "\\u" not in text:
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                msg = "a string holds a lone surrogate (\\ud800 to \\udfff), which is not text"
                raise LimitError(msg, line=_surrogate_line(text))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


Path = tuple[str | int, ...]


def flaws(value: Any) -> Iterator[tuple[Path, str]]:
    """Every marked number, non-finite float, over-long integer and over-deep nesting in
    `value`, with the path to it (keys and indices), in document order."""
    stack: list[tuple[Path, Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, Unrepresentable):
            yield path, item.reason
        elif isinstance(item, float):
            if not math.isfinite(item):
                yield path, f"{item} is not a finite number"
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -_LIMIT < item < _LIMIT:
                yield path, f"a number of more than {MAX_DIGITS} digits"
        elif isinstance(item, dict | list):
            if len(path) >= MAX_DEPTH:
                yield path, f"nested more than {MAX_DEPTH} levels deep"
                continue
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend(reversed([((*path, k), v) for k, v in pairs]))


def first_flaw(value: Any) -> tuple[Path, str] | None:
    """The first of `flaws(value)`, or None; cheap for the flat records events are."""
    if _clean(value, 0):
        return None
    return next(flaws(value), None)


def _clean(item: Any, depth: int) -> bool:
    """Whether `flaws(item)` is empty, found without building paths (the common case)."""
    kind = item.__class__
    if kind is str or kind is bool or item is None:
        return True
    if kind is int:
        return bool(-_LIMIT < item < _LIMIT)
    if kind is float:
        return math.isfinite(item)
    if kind is dict or kind is list:
        if depth >= MAX_DEPTH:
            return False
        for value in item.values() if kind is dict else item:
            cls = value.__class__
            if cls is not str and not _clean(value, depth + 1):
                return False
        return True
    return False  # subclasses and anything else: let `flaws` look closely


def path_text(path: Path, root: str = "$") -> str:
    """`$.attrs.hours`, `$.waivers[2].window`: a path as the messages write it."""
    text = root
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}"
        else:  # quoted, so a key holding a dot, a space or a line break stays one token
            text += f"[{json.dumps(part)}]"
    return text
