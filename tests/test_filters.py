"""Every public function that filters by role or unit refuses one the force does not have."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from engagerules import (
    UsageError,
    agenda,
    duty_calendar,
    explain,
    follow_ups,
    open_force,
    schedule,
)
from engagerules.cli import main

FORCE = open_force("gwent")
START, END = date(2023, 1, 1), date(2023, 1, 31)
AS_OF = datetime(2023, 1, 15, tzinfo=UTC)
DUTY = FORCE.obligation_ids[0]

CALLS: dict[str, Callable[..., Any]] = {
    "schedule": lambda **kw: schedule(FORCE, START, END, **kw),
    "agenda": lambda **kw: agenda(FORCE, (), AS_OF, **kw),
    "duty_calendar": lambda **kw: duty_calendar(FORCE, START, END, **kw),
    "follow_ups": lambda **kw: follow_ups(FORCE, (), START, END, **kw),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize(
    ("role", "hint"),
    [("Sergeant", "did you mean 'PS'"), ("ps", "did you mean 'PS'"), ("SGT", "its roles: NPT")],
)
def test_an_unknown_role_is_refused_with_the_role_meant(name: str, role: str, hint: str) -> None:
    """A role given by title, in the wrong case or unknown raises `UsageError` naming the
    role meant, or listing the roles, instead of an empty answer."""
    with pytest.raises(UsageError, match=hint):
        CALLS[name](role=role)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_unknown_unit_is_refused_with_the_unit_meant(name: str) -> None:
    """A unit given by its name is refused with its id suggested."""
    with pytest.raises(UsageError, match="did you mean 'bargoed'"):
        CALLS[name](scope="Bargoed")


def test_explain_refuses_an_unknown_unit() -> None:
    """`explain(scope=...)` refuses a unit the force does not have, as the CLI does."""
    with pytest.raises(UsageError, match="is not a unit of gwent"):
        explain(FORCE, DUTY, (), START, END, AS_OF, scope="atlantis")


@pytest.mark.parametrize("name", sorted(CALLS))
def test_known_filters_still_answer(name: str) -> None:
    """The check refuses nothing the force has: a real role and unit pass through."""
    CALLS[name](role="PS", scope="bargoed")


def test_the_cli_says_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    """`schedule --role ps` is exit 2 with the suggestion, in one line."""
    code = main(["schedule", "gwent", "--from", "2023-01-01", "--to", "2023-01-31", "--role", "ps"])
    err = capsys.readouterr().err
    assert code == 2 and "--role 'ps' is not a role of gwent (did you mean 'PS'?)" in err
    assert len(err.strip().splitlines()) == 1
