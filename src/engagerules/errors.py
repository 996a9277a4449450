"""One exception hierarchy, so callers can catch everything engagerules raises at once.

Every message names where the problem is (a file, a line, a JSON path) and what is wrong,
because the command line prints them as they are, one per line, and a person has to act on
them without reading a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import attrs

__all__ = [
    "ConfigError",
    "EngageRulesError",
    "EventError",
    "ModelError",
    "Problem",
    "ProblemsError",
    "UnknownForceError",
    "UsageError",
    "WaiverError",
    "did_you_mean",
]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a known name is close to a mistyped one, else ``."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@attrs.frozen
class Problem:
    """One thing wrong with an input, located precisely enough to fix it.

    `where` is the location as people read it (`force.json: $.obligations[3].cadence`,
    `log.csv:7`); `file`, `line` and `path` (a JSON path) carry the same location apart, for
    callers that point an editor at it, and `hint` says what would be valid.
    """

    where: str
    message: str
    file: str | None = attrs.field(default=None, kw_only=True)
    line: int | None = attrs.field(default=None, kw_only=True)
    path: str | None = attrs.field(default=None, kw_only=True)
    hint: str | None = attrs.field(default=None, kw_only=True)

    @classmethod
    def at(
        cls,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> Problem:
        """A problem whose `where` is written from its parts: `file:line: $.path`."""
        where = file or ""
        if line is not None:
            where = f"{where}:{line}"
        if path is not None:
            where = f"{where}: {path}" if where else path
        return cls(where, message, file=file, line=line, path=path, hint=hint)

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.where}: {self.message}{hint}" if self.where else self.message + hint


class EngageRulesError(Exception):
    """The root of every error engagerules raises on purpose."""


class UsageError(EngageRulesError, ValueError):
    """The caller asked for something that cannot be done (bad dates, an unknown obligation,
    a duration that is not ISO 8601).

    It is also a `ValueError`, so code written against the standard library's convention
    for a bad argument value keeps working.
    """


class UnknownForceError(EngageRulesError):
    """No bundled force, installed plugin or directory answers to the name given."""


class EventError(EngageRulesError):
    """An events file cannot be read at all (missing, not JSON, not CSV)."""


class ProblemsError(EngageRulesError):
    """An input with problems; carries every problem found, not only the first, so a person
    can fix a file in one pass (the command line prints one line each)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = str(self.problems[0]) if self.problems else "invalid input"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(head + more)


class ConfigError(ProblemsError):
    """A force configuration is invalid."""


class WaiverError(ProblemsError, UsageError):
    """A waiver file is invalid: a waiver that silently failed to apply would misreport."""


class ModelError(EngageRulesError, ValueError):
    """A value of the model was built with a bad field (`Requirement(types="tweet")`,
    a negative duration): the message names the class, the field and the bad value.

    Also a `ValueError`, so code that caught the bare `ValueError`s of before still works."""
