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
    "UnknownForceError",
    "UsageError",
    "did_you_mean",
]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a known name is close to a mistyped one, else ``."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@attrs.frozen
class Problem:
    """One thing wrong with an input, located precisely enough to fix it."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class EngageRulesError(Exception):
    """The root of every error engagerules raises on purpose."""


class UsageError(EngageRulesError):
    """The caller asked for something that cannot be done (bad dates, unknown obligation)."""


class UnknownForceError(EngageRulesError):
    """No bundled force, installed plugin or directory answers to the name given."""


class EventError(EngageRulesError):
    """An events file cannot be read at all (missing, not JSON, not CSV)."""


class ConfigError(EngageRulesError):
    """A force configuration is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = str(self.problems[0]) if self.problems else "invalid configuration"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(head + more)


class ModelError(EngageRulesError, ValueError):
    """A value of the model was built with a bad field (`Requirement(types="tweet")`,
    a negative duration): the message names the class, the field and the bad value.

    Also a `ValueError`, so code that caught the bare `ValueError`s of before still works."""
