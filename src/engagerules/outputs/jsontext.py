"""JSON text as the commands write it: two spaces to a level, as `json.dumps(indent=2)`
lays it out (so a diff of two reports reads line by line), written by msgspec in C: eight
times sooner than the standard library on a large report, the same text but for how an
exponent is written (`1e-5`, not `1e-05`).

A large report (ten million records: 130 MB of text, a million and a half evidence ids)
is written in parts (`json_parts`): the whole text, laid out and again as a `str` and as
the bytes written, held three copies of it at once. The parts are the same text, as the
UTF-8 the file gets: each laid out by msgspec at its depth (inside as many brackets,
which are then left out), so no part is copied, moved in line by line, or decoded to be
encoded again (at ten million records, writing took 0.48 s of CPU; now 0.27 s)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

import msgspec

from engagerules.model.event import gc_paused

__all__ = ["json_parts", "json_text"]

#: How many items of a list are laid out at once: enough that msgspec's calls cost
#: nothing beside its work, few enough that a part stays small.
ITEMS = 2048

_encode = msgspec.json.encode
_format = msgspec.json.format


def json_text(value: Any) -> str:
    """The JSON text of `value`, laid out, ending in a newline."""
    return _format(_encode(value), indent=2).decode() + "\n"


def json_parts(value: Any, *, items: int = ITEMS) -> Iterator[bytes | memoryview]:
    """`json_text(value)` in parts, as UTF-8, made as they are written: a dict (with text
    keys) is laid out key by key, a list (or an iterator, read once, as a list) `items` at
    a time, so no more than those items' text is held at once. Joined, the parts are
    `json_text(value).encode()` (a part may be a `memoryview` of msgspec's own text)."""
    # the parts are acyclic (text, and the shapes made for them): reference counting
    # frees them, and the cyclic collector, let run, walks every object the check holds
    # (at ten million records, a second) for nothing
    with gc_paused():
        yield from _parts(value, 0, items)
    yield b"\n"


def _parts(value: Any, level: int, items: int) -> Iterator[bytes | memoryview]:
    if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        inner = b"\n" + b"  " * (level + 1)
        opening = b"{"
        for key, item in value.items():
            yield opening + inner + _encode(key) + b": "
            yield from _parts(item, level + 1, items)
            opening = b","
        yield b"\n" + b"  " * level + b"}"
    elif isinstance(value, list | Iterator):
        yield from _list(iter(value), level, items)
    else:
        yield _laid_out(value, level)


def _list(values: Iterator[Any], level: int, items: int) -> Iterator[bytes | memoryview]:
    """A list laid out `items` at a time: each slice's own layout at `level`, without its
    brackets, and the slices joined by commas."""
    close = b"\n" + b"  " * level + b"]"
    opening = b"["
    while chunk := list(islice(values, items)):
        # "[\n<pad>  a,\n<pad>  b\n<pad>]" at `level`: keep "\n<pad>  a,...b", a view of
        # msgspec's text (no copy)
        yield opening
        yield _laid_out(chunk, level)[1 : -len(close)]
        opening = b","
    yield b"[]" if opening == b"[" else close


def _laid_out(value: Any, level: int) -> memoryview:
    """`value`'s layout as it reads at `level` (its lines after the first moved in): laid
    out inside `level` lists, whose brackets are then left out, so msgspec indents every
    line itself (no second pass over the text to move each line in)."""
    for _ in range(level):
        value = [value]
    text = memoryview(_format(_encode(value), indent=2))
    # the brackets' lines: "[\n  ", "[\n    " ... before (2 + 2d characters at depth d,
    # level * (level + 3) in all), "\n  ]", "\n]" after (2d each: 2 * level fewer)
    opened = level * (level + 3)
    return text[opened : len(text) - opened + 2 * level]
