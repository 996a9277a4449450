"""The filters every public function takes (`role`, `scope`), checked the one way.

A misspelt role given to the API used to give an empty schedule, agenda or calendar, which
reads as "nothing to do": the CLI refused the same input. Every function that filters by
role or unit now asks this module first, so the API and the CLI refuse alike, with the
roles or units there are and the one meant where it can be told (`ps` is `PS`, `Sergeant`
is the role titled so).
"""

from __future__ import annotations

from collections.abc import Iterable

from engagerules.errors import UsageError, did_you_mean
from engagerules.model.plan import Force

__all__ = ["check_filters", "suggestion"]


def suggestion(given: str, known: Iterable[tuple[str, str]]) -> str:
    """` (did you mean 'X'?)` for an id given in the wrong case, by its title, or close to
    one; `known` holds (id, title) pairs."""
    pairs = list(known)
    folded = given.casefold().strip()
    for ident, title in pairs:
        if folded in (ident.casefold(), title.casefold()):
            return f" (did you mean {ident!r}?)"
    titled = [ident for ident, title in pairs if folded and folded in title.casefold()]
    if len(titled) == 1:
        return f" (did you mean {titled[0]!r}?)"
    return did_you_mean(given, [ident for ident, _ in pairs])


def check_filters(
    force: Force, *, role: str | None = None, scope: str | None = None, option: str = ""
) -> None:
    """Raise `UsageError` for a role or unit the force does not have. `option` is the
    prefix the CLI names them with (`--`), none for the API's keyword arguments."""
    if role is not None and role not in {r.id for r in force.roles}:
        roles = ", ".join(r.id for r in force.roles)
        hint = suggestion(role, ((r.id, r.title) for r in force.roles))
        msg = f"{option}role {role!r} is not a role of {force.id}{hint}; its roles: {roles}"
        raise UsageError(msg)
    if scope is not None and force.unit(scope) is None:
        units = ", ".join(u.id for u in force.units)
        hint = suggestion(scope, ((u.id, u.name) for u in force.units))
        msg = f"{option}scope {scope!r} is not a unit of {force.id}{hint}; its units: {units}"
        raise UsageError(msg)
