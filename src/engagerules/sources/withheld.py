"""Values a record gave, withheld from every message a report can carry.

A tool cannot know which field holds a name: an officer typed into the Ward column of an
export, into `scope` or `role` of an events file, or into a code attribute. So a rejection
never quotes what the record gave. It says where (the field, column or JSON path), what
was wrong, the value's shape (`24 characters (letters and a space)`, `10 characters like
99/99/99`) and a short keyed fingerprint (`#3fa9c1`) that groups equal values without
saying them. Only names the force itself declares (its codes, units, event types, and the
ids reports cite as evidence) are ever quoted.

The values are kept apart (`Rejection.quoting`) for `--show-values`, the analyst's own
terminal, never for a written report. Every reader (events files, import profiles,
Parquet from `ingest`) withholds through here, so they all say a value the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from typing import Any

from engagerules.model.words import and_list, plural

__all__ = ["RUN_KEY", "legacy_withheld", "shape", "value_text", "withheld"]

#: The fingerprint key when the caller has none (no profile key): made for this run, so
#: fingerprints group equal values within one run and mean nothing outside it.
RUN_KEY = os.urandom(16)


def shape(text: str) -> str:
    """What a withheld value looks like, never what it says: its length, and the kinds of
    character in it; one with no letter (a date, a number) by its pattern, every digit a 9,
    which is what a two-digit year or a stray time gives away."""
    if not text.strip():
        return "blank"
    if not any(c.isalpha() for c in text):
        pattern = "".join("9" if c.isdigit() else c for c in text)
        if len(pattern) > 24:
            pattern = pattern[:21] + "..."
        return f"{plural(len(text), 'character')} like {pattern}"
    kinds = ["letters"]
    if any(c.isdigit() for c in text):
        kinds.append("digits")
    spaces = sum(c.isspace() for c in text)
    if spaces:
        kinds.append(plural(spaces, "space") if spaces > 1 else "a space")
    if any(not (c.isalnum() or c.isspace()) for c in text):
        kinds.append("other signs")
    return f"{plural(len(text), 'character')} ({and_list(kinds)})"


def withheld(text: str, key: bytes | None = None) -> str:
    """A value as reports name it: its shape and a short fingerprint keyed by `key` (else
    this run's), so equal values group together and no value is repeated."""
    digest = hmac.new(key or RUN_KEY, text.encode("utf-8", "replace"), hashlib.sha256)
    return f"{shape(text)} [#{digest.hexdigest()[:6]}]"


def value_text(value: Any) -> str:
    """A JSON value as text to withhold: a string as it is, anything else as its JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


#: A reason written before values were withheld, quoting the value it rejects right after
#: its field (`scope: 'X' is not a unit`, `attrs.hours: "3h" is not a number`, a number),
#: cut short with `...` if long.
_QUOTED = re.compile(
    r"^(?P<field>(?:attrs\.)?[A-Za-z_][\w]*): "
    r"(?P<value>'(?:[^'\\]|\\.)*(?:'|\.\.\.)|\"(?:[^\"\\]|\\.)*(?:\"|\.\.\.)|-?\d[\d.eE+-]*)"
    r"(?= )"
)


def legacy_withheld(reason: str, key: bytes | None = None) -> str:
    """A reason as an older engagerules wrote it (kept in a Parquet file's metadata), with
    the value it quotes withheld; an id, which reports cite, is left as it is."""

    def withhold(match: re.Match[str]) -> str:
        if match["field"] == "id":
            return match[0]
        quoted = match["value"]
        text = (
            quoted[1:].removesuffix("...").removesuffix(quoted[0]) if quoted[0] in "'\"" else quoted
        )
        return f"{match['field']}: {withheld(text, key)}"

    found = _NOT_A_STRING.match(reason)
    if found is not None:
        return f"{found['field']}: must be a string, not {withheld(found['value'], key)}"
    return _QUOTED.sub(withhold, reason, count=1)


_NOT_A_STRING = re.compile(r"^(?P<field>\w+): must be a string, not (?P<value>.*)$", re.DOTALL)
