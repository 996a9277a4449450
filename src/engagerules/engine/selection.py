"""What part of a check a reader asked for: a unit (and the units inside it), a role.

A team's export judged against the whole force shows other areas at 0% and force-wide
duties the team could never meet. `check`, `explain` and the reports take the same
`--scope` and `--role` as `agenda`, and the headline, heatmap and trend then cover only
the results selected, saying so (`Report.selection`).

`--scope UNIT` keeps the results owed by that unit and by the units inside it (an
inspector of an area sees its sections); `with_enclosing` adds those of the units
enclosing it and the force-wide ones, which are owed there too. Per-person duties belong
to no unit, so a scope leaves them out, as `agenda --scope` does. `--role ROLE` keeps the
duties the role owns or owns a step of, or that a team it belongs to owns.
"""

from __future__ import annotations

import attrs

from engagerules.engine.schedule import owned_by
from engagerules.model.plan import Force
from engagerules.model.results import Report, Result
from engagerules.model.words import and_list, role_words, unit_words

__all__ = ["Selection", "select_report"]


@attrs.frozen
class Selection:
    """A unit and a role to keep (either may be None: everything)."""

    scope: str | None = None
    role: str | None = None
    with_enclosing: bool = False

    def keeps_scope(self, force: Force, scope: str | None) -> bool:
        """Whether a result owed by `scope` (None: force-wide; `*`: per person) is kept."""
        if self.scope is None:
            return True
        if scope is None:
            return self.with_enclosing
        if scope == "*":
            return False
        if self.scope in force.ancestry(scope):
            return True
        return self.with_enclosing and scope in force.ancestry(self.scope)

    def keeps(self, force: Force, result: Result) -> bool:
        if not self.keeps_scope(force, result.scope):
            return False
        if self.role is None:
            return True
        versions = force.obligation(result.obligation)
        return any(owned_by(ob, self.role, force) for ob in versions)

    def words(self, force: Force) -> str:
        """`Caerphilly North and the units inside it; duties of Police Sergeant`."""
        parts = []
        if self.scope is not None:
            where = f"{unit_words(force, self.scope)} and the units inside it"
            if self.with_enclosing:
                where += ", with the duties of the units enclosing it and force-wide ones"
            parts.append(where)
        if self.role is not None:
            teams = force.teams_of(self.role)[1:]
            who = f"duties of {role_words(force, self.role)}"
            if teams:
                who += " and of " + and_list(role_words(force, t) for t in teams)
            parts.append(who)
        return "; ".join(parts)


def select_report(report: Report, force: Force, selection: Selection) -> Report:
    """The report with only the results `selection` keeps (and their readings), saying
    in `selection` what was kept; the events' accounting stays the whole export's."""
    if selection.scope is None and selection.role is None:
        return report
    results = tuple(r for r in report.results if selection.keeps(force, r))
    kept = {r.obligation for r in results}
    return attrs.evolve(
        report,
        results=results,
        readings=tuple((ob, read) for ob, read in report.readings if ob in kept),
        selection=selection.words(force),
    )
