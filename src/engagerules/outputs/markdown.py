"""A Markdown summary of a check, for a CI job summary or a pull-request comment.

GitHub renders a job summary from `$GITHUB_STEP_SUMMARY` and GitLab and GitHub render
comments as GitHub-flavoured Markdown; both cap the size (a comment at 65,536 characters),
so the summary leads with totals (and why records counted for no duty, by reason) and the
per-obligation roll-up, and lists details only up to a limit inside a collapsed `<details>`
block. Everything that comes from data (reasons, ids) is escaped, so a `|` in a reason
cannot break a table and `<` cannot inject HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from engagerules.model.plan import Force
from engagerules.model.results import FAILING, WORST_FIRST, Report, Result, Status
from engagerules.model.words import (
    plain_words,
    plural,
    reading_words,
    role_words,
    time_words,
    unit_words,
    window_words,
)
from engagerules.outputs.summary import (
    compliance,
    owner_totals,
    row_lines,
    scope_label,
    selection_line,
    slips,
    status_line,
    unmatched_reasons,
)

__all__ = ["render_markdown"]

_NOT_MET = (Status.BREACH, Status.MISSED, Status.PARTIAL)


#: Control characters (and line and paragraph separators), shown as `\x1b`, never raw.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Every character Markdown could read as markup inside a line (`[x](url)`, `![i]`, `*`,
#: `_`, `~`, a code span, an entity) is written backslash-escaped, and so is the `:` of
#: `https://` and the `.` of `www.`, which GitHub would make autolinks of.
_PUNCTUATION = re.compile("([\\\\`*_\\[\\]()!|~<>&@#]|:(?=/)|(?<=[wW]{3})\\.)")
#: `&`, `<` and `>` as entities; `@` followed by a WORD JOINER (U+2060, invisible), since
#: GitHub's cmark-gfm finds e-mail, `mailto:` and `xmpp:` autolinks after escapes and
#: entities are resolved, so `\\@` and `&#64;` still link: the joiner is no domain letter.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "\\@&#8288;"}


def _cell(text: str) -> str:
    """Text safe inside a GFM table cell or a list item, on one line, read as plain text:
    no live link, image, emphasis or HTML, whatever an event id or a reason holds.

    Control characters are shown as escapes (`\x1b`), white space runs become one space,
    ASCII punctuation is backslash-escaped (which also keeps autolinks from forming) and
    `&`, `<` and `>` become entities, which read the same inside an HTML block.
    """
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", " ".join(text.split()))
    return _PUNCTUATION.sub(lambda m: _ENTITIES.get(m.group(1)) or "\\" + m.group(1), shown)


def _code(text: str) -> str:
    """An identifier in a code span, safe in a table cell."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render_markdown(
    report: Report,
    *,
    fail_on: Iterable[Status] = FAILING,
    detail_limit: int = 100,
    force: Force | None = None,
) -> str:
    """The report as GitHub-flavoured Markdown: verdict, totals, what slips, details.

    One `#` title, sections under `##`, so the page has one heading a reader (or a
    renderer's outline) takes as its name. With `force`, the title names the force and
    the as-of time is local, with the zone."""
    failing = frozenset(fail_on)
    counts = report.counts()
    failed = report.failed(failing)
    gate = ", ".join(s.value for s in WORST_FIRST if s in failing)
    name = report.force if force is None else force.name
    when = (
        f"{report.as_of:%Y-%m-%d %H:%M %Z}"
        if force is None
        else time_words(report.as_of, force.zone)
    )
    lines = [
        f"# engagerules check: {_cell(name)} {report.start}..{report.end}",
        "",
        f"**{_cell(status_line(report, failing))}**",
        "",
        f"For CI: **{'FAILED' if failed else 'PASSED'}** (fails on: {gate}) · as of {_cell(when)}",
        "",
    ]
    selected = selection_line(report)
    if selected is not None:
        lines += [f"**{_cell(selected)}**", ""]
    lines += _table(
        ["status", "results"],
        [[s.value, str(counts[s])] for s in WORST_FIRST if counts[s]]
        + [["**total**", f"**{sum(counts.values())}**"]],
    )
    share = compliance(counts)
    if share is not None:
        lines += [
            "",
            f"**{share:.0%} of the duties judged were met** "
            "(pending and waived windows are not judged yet)",
        ]
    ev = report.events
    lines += [
        "",
        f"Events: {ev.read} read = {ev.matched} matched + {ev.unmatched} unmatched"
        f" + {ev.rejected} rejected",
    ]
    reasons = unmatched_reasons(ev)
    if reasons:
        lines += ["", f"Why {plural(ev.unmatched, 'record')} counted for none:", ""]
        lines += [f"- {count} {_cell(words)}" for _, words, count in reasons]
    rows = row_lines(report.rows)
    if rows:
        lines += ["", _cell(rows[0]), ""]
        lines += [f"- {_cell(line)}" for line in rows[1:]]
    lines += _overrides(report)
    lines += [
        "",
        "## By owner role",
        "",
    ]
    columns = [s for s in WORST_FIRST if counts[s]]
    lines += _table(
        ["owner", *(s.value for s in columns), "compliance"],
        [
            [
                _named(force, owner, role_words),
                *(str(c[s]) for s in columns),
                _percent(compliance(c)),
            ]
            for owner, c in owner_totals(report)
        ],
    )
    slipping = [slip for status in _NOT_MET for slip in slips(report.results, status)]
    if slipping:
        lines += ["", "## What is slipping", ""]
        lines += _table(
            ["obligation", "status", "results", "units"],
            [
                [
                    f"{_cell(s.title)} ({_code(s.obligation)})",
                    s.status.value,
                    str(s.count),
                    _cell(_units(force, s.units)),
                ]
                for s in slipping
            ],
        )
    problems = [r for s in _NOT_MET for r in report.results if r.status is s]
    if problems:
        lines += _details(f"{len(problems)} results not met", problems, detail_limit, force)
    waived = [r for r in report.results if r.status is Status.WAIVED]
    if waived:
        lines += ["", f"## Waived ({len(waived)}, counted apart)", ""]
        lines += _table(
            ["obligation", "unit", "window", "justification", "was"],
            [
                [
                    _code(r.obligation),
                    _cell(scope_label(r.scope)),
                    _cell(r.window.label),
                    _cell(r.reason),
                    r.waived_from.status.value if r.waived_from else "",
                ]
                for r in waived[:detail_limit]
            ],
        )
        lines += _more(len(waived), detail_limit)
    pending = [r for r in report.results if r.status is Status.PENDING]
    if pending:
        lines += _details(
            f"{len(pending)} pending (window still open)", pending, detail_limit, force
        )
    if report.rejections:
        lines += ["", f"## Rejected records ({len(report.rejections)})", ""]
        lines += [
            f"- {_cell(r.file)}:{r.line}: {_cell(r.reason)}"
            for r in report.rejections[:detail_limit]
        ]
        lines += _more(len(report.rejections), detail_limit)
    lines += _readings(report, detail_limit, force)
    return "\n".join(lines) + "\n"


def _duty(force: Force | None, obligation: str) -> str:
    """A duty as people read it: its title, its id after it in brackets."""
    found = () if force is None else force.obligation(obligation)
    if not found:
        return _code(obligation)
    return f"{_cell(found[0].title)} ({_code(obligation)})"


def _plain(force: Force | None, text: str) -> str:
    return text if force is None else plain_words(text)


def _named(force: Force | None, code: str, words: Callable[[Force, str], str]) -> str:
    """A role or unit as people read it: its title, its code after it in brackets."""
    if force is None:
        return _code(code)
    return f"{_cell(words(force, code))} ({_code(code)})"


def _units(force: Force | None, units: Iterable[tuple[str, int]]) -> str:
    """`Bargoed 3, force-wide 1`: units by name given the force."""
    return ", ".join(
        f"{u if force is None or u == 'force-wide' else unit_words(force, u)} {n}" for u, n in units
    )


def _overrides(report: Report) -> list[str]:
    """The local readings in force, and any departure from the plan, before any figure."""
    lines = [f"- Local readings in force: {_cell(s.summary())}" for s in report.overrides]
    if report.departures:
        lines.append(
            f"- **Departs from the plan**: {len(report.departures)} part(s) changed locally "
            "where the plan states them (see Readings)"
        )
    return ["", *lines] if lines else []


def _readings(report: Report, limit: int, force: Force | None) -> list[str]:
    """Where verdicts rest on a reading of the plan, not its words, part by part."""
    rows = [(ob, r) for ob, read in report.readings for r in read]
    if not rows:
        return []
    lines = ["", f"## Readings ({len(rows)} parts judged on a reading, not the plan's words)", ""]
    lines += _table(
        ["obligation", "part", "reading", "why"],
        [
            [
                _duty(force, ob),
                r.part.value,
                _cell(r.sentence() if force is None else reading_words(force, r)),
                _cell(_plain(force, r.why)),
            ]
            for ob, r in rows[:limit]
        ],
    )
    lines += _more(len(rows), limit)
    return lines


def _details(
    summary: str, results: list[Result], limit: int, force: Force | None = None
) -> list[str]:
    lines = ["", "<details>", f"<summary>{_cell(summary)}</summary>", ""]
    lines += _table(
        ["status", "obligation", "unit", "window", "reason"],
        [
            [
                r.status.value,
                _duty(force, r.obligation),
                _cell(scope_label(r.scope) if force is None else unit_words(force, r.scope)),
                _cell(r.window.label if force is None else window_words(r.window)),
                _cell(_plain(force, r.reason)),
            ]
            for r in results[:limit]
        ],
    )
    lines += _more(len(results), limit)
    lines += ["", "</details>"]
    return lines


def _more(total: int, limit: int) -> list[str]:
    if total <= limit:
        return []
    return ["", f"… and {total - limit} more (see the JSON or HTML report for all)"]


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"
