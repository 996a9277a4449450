"""One self-contained HTML page: a heatmap of obligations by period, unit by unit.

For the sergeant who wants to see at a glance what is slipping, and for a board that wants
one figure and a direction: the page opens with a headline in plain words ("82% of duties
met, 6 rules broken, 254 missed"), the force's name and the local as-of time, then why
records counted for no duty (each reason in words with its count), a trend of compliance
per unit per month drawn as inline SVG, then the heatmaps.

The timeline fits the page for a quarter (day columns share the width left by a fixed
title column); a longer range keeps a minimum day width and scrolls sideways inside its
unit's box with the title column held in place, so titles are never cut off. Breaches of
a rule (which span the whole range) are marked on the dates of the offending records,
given the events; each mark names its record on hover and in the panel on click.

Each unit gets a table: a row per obligation, a column per day of the range, and each
result a cell spanning the days of its window (a week is seven columns wide, a month
thirty-odd), coloured green (met), amber (partial), red (missed, breach) or grey (pending;
waived striped). Windows of one row that overlap (two briefings a day, triggers close
together) go on extra lines, which the title column says. Hovering a cell shows its
reason; clicking (or Enter) shows its evidence and reason in a panel. Totals per owner
role, in words, come before the heatmaps, with no column for a status nobody has.

The page needs nothing outside itself: styles and script are inline, a Content Security
Policy forbids every fetch, and all data is escaped text, so it can be mailed or archived
as a CI artefact and opened anywhere.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from engagerules.engine.kinds import kind_module
from engagerules.model.event import Event, EventLog
from engagerules.model.plan import Force
from engagerules.model.results import FAILING, WORST_FIRST, Report, Result, Status
from engagerules.model.words import (
    day_words,
    plain_words,
    plural,
    reading_words,
    role_words,
    time_words,
    unit_words,
    window_words,
)
from engagerules.outputs.summary import (
    JUDGED,
    compliance,
    owner_totals,
    row_lines,
    scope_label,
    selection_line,
    status_line,
    unmatched_reasons,
)

__all__ = ["render_html"]

_GLYPH = {
    Status.MET: "",
    Status.PARTIAL: "~",
    Status.MISSED: "\u2717",
    Status.BREACH: "!",
    Status.PENDING: "\u00b7",
    Status.WAIVED: "w",
    Status.UNCHECKED: "?",
}

_CSS = """
:root { --met: #2e7d32; --partial: #f0a30a; --missed: #c62828; --breach: #7f0000;
  --pending: #b0b0b0; --waived: #8c8c8c; --unchecked: #d0d0d0; --ink: #1d1d1d; --rule: #d8d8d8; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 1.5rem 3rem; background: #fff; }
h1 { font-size: 1.4rem; margin: 1rem 0 .25rem; }
p.headline { font-size: 1.6rem; font-weight: bold; margin: .25rem 0 .5rem; }
p.gate { color: #555; font-size: .85rem; }
.trend td, .trend th { padding: .1rem .6rem .1rem 0; text-align: left; font-weight: normal; }
.trend svg { display: block; }
.trend .last { font-weight: bold; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
h2 small { font-weight: normal; color: #555; }
.meta { color: #444; margin: 0 0 .5rem; }
.reasons { color: #444; margin: 0 0 .5rem; }
.reasons .why { margin-right: .4rem; }
.reasons ul { display: inline; list-style: none; margin: 0; padding: 0; }
.reasons li { display: inline; white-space: nowrap; }
.reasons li + li::before { content: " · "; }
.verdict { font-weight: bold; }
p.status { font-size: 1.1rem; font-weight: bold; margin: .25rem 0; }
p.selection { background: #fffbe6; border: 1px solid #e6d48a; padding: .3rem .6rem; }
ul.rows { color: #444; margin: 0 0 .5rem; }
.verdict.failed { color: var(--missed); }
.verdict.passed { color: var(--met); }
ul.totals { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
ul.totals li { padding: .2rem .6rem; border-radius: .3rem; color: #fff; }
.s-met { background-color: var(--met); }
.s-partial { background-color: var(--partial); }
.s-missed { background-color: var(--missed); }
.s-breach { background-color: var(--breach); }
.s-pending { background-color: var(--pending); }
.s-unchecked { background-color: var(--unchecked); }
.s-waived { background-color: var(--waived); background-image:
  repeating-linear-gradient(45deg, transparent 0 3px, rgba(255,255,255,.45) 3px 5px); }
ul.totals li.s-pending, ul.totals li.s-partial, ul.totals li.s-waived,
ul.totals li.s-unchecked { color: var(--ink); }
table { border-collapse: collapse; }
table.owners th, table.owners td { border: 1px solid var(--rule); padding: .2rem .5rem;
  text-align: right; }
table.owners th:first-child, table.owners td:first-child { text-align: left; }
table.owners thead th { color: #fff; }
table.owners thead th.s-pending, table.owners thead th.s-partial,
table.owners thead th.s-waived, table.owners thead th.s-unchecked { color: var(--ink); }
table.owners thead th.plain { color: var(--ink); background: #f3f3f3; }
.legend { display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; margin: .5rem 0; }
.legend span.swatch { display: inline-block; width: 1rem; height: 1rem; vertical-align: middle;
  margin-right: .3rem; border-radius: 2px; }
#detail { position: sticky; top: 0; z-index: 2; background: #fffbe6; border: 1px solid #e6d48a;
  padding: .5rem .75rem; margin: .75rem 0; min-height: 2.5rem; }
#detail dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: 0; }
#detail dt { font-weight: bold; }
#detail dd { margin: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
table.heatmap { table-layout: fixed; width: 100%; min-width: var(--min); }
table.heatmap col.label { width: 20rem; }
table.heatmap th.label { text-align: left; font-weight: normal; padding: 1px .5rem 1px 0;
  border-top: 1px solid var(--rule); vertical-align: top; overflow-wrap: anywhere;
  position: sticky; left: 0; z-index: 1; background: #fff; }
table.heatmap thead th:first-child { position: sticky; left: 0; z-index: 1; background: #fff; }
table.heatmap th.label .title { display: block; }
table.heatmap th.label .lanes { display: block; font-size: .75rem; color: #555;
  font-style: italic; }
td.cell { position: relative; }
td.cell .mark { position: absolute; top: 0; bottom: 0; width: 6px; margin-left: -3px;
  background: #fff; border: 2px solid var(--breach); border-radius: 2px; cursor: pointer; }
td.cell .mark:hover, td.cell .mark:focus { background: #ffeb3b; }
table.heatmap th.label code { font-size: .75rem; color: #555; }
table.heatmap th.label .owner { font-size: .75rem; color: #555; }
table.heatmap thead th { font-weight: normal; font-size: .7rem; color: #555; }
table.heatmap thead th.month { text-align: left; border-left: 1px solid #999; padding-left: 2px; }
table.heatmap thead th.day { font-size: var(--day-font); overflow: hidden; }
table.heatmap thead th.day.mon { border-left: 1px solid #999; overflow: visible;
  white-space: nowrap; text-align: left; padding-left: 1px; }
td.cell { height: 16px; border: 1px solid #fff; cursor: pointer; color: #fff; font-size: 10px;
  text-align: center; overflow: hidden; white-space: nowrap; padding: 0; }
td.cell.s-pending, td.cell.s-partial, td.cell.s-waived, td.cell.s-unchecked { color: var(--ink); }
td.cell:hover, td.cell:focus { outline: 2px solid var(--ink); outline-offset: -2px; }
td.cell.selected { outline: 3px solid #1565c0; outline-offset: -3px; }
td.gap { border: 1px solid #fff; background: #f6f6f6; padding: 0; }
body.only-problems tr[data-problems="0"] { display: none; }
details.rejections { margin-top: 1.5rem; }
"""

_SCRIPT = """
(function () {
  "use strict";
  var detail = document.getElementById("detail");
  var selected = null;
  var fields = [["status", "Status"], ["title", "Obligation"], ["obligation", "Id"],
    ["owner", "Owner"], ["scope", "Unit"], ["window", "Window"], ["found", "Found"],
    ["reason", "Reason"], ["evidence", "Evidence"], ["was", "Before the waiver"]];
  function show(cell) {
    if (selected) { selected.classList.remove("selected"); }
    selected = cell;
    cell.classList.add("selected");
    var list = document.createElement("dl");
    fields.forEach(function (field) {
      var value = cell.getAttribute("data-" + field[0]);
      if (!value) { return; }
      var dt = document.createElement("dt");
      dt.textContent = field[1];
      var dd = document.createElement("dd");
      dd.textContent = value;
      dd.className = "detail-" + field[0];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    detail.replaceChildren(list);
  }
  function showMark(mark) {
    show(mark.closest("td.cell"));
    var dt = document.createElement("dt");
    dt.textContent = "Offending record";
    var dd = document.createElement("dd");
    dd.textContent = mark.getAttribute("data-record");
    dd.className = "detail-record";
    detail.firstChild.appendChild(dt);
    detail.firstChild.appendChild(dd);
  }
  document.addEventListener("click", function (event) {
    var mark = event.target.closest ? event.target.closest(".mark") : null;
    if (mark) { showMark(mark); return; }
    var cell = event.target.closest ? event.target.closest("td.cell") : null;
    if (cell) { show(cell); }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.matches &&
        target.matches("td.cell, .mark")) {
      event.preventDefault();
      if (target.matches(".mark")) { showMark(target); } else { show(target); }
    }
  });
  var only = document.getElementById("only-problems");
  only.addEventListener("change", function () {
    document.body.classList.toggle("only-problems", only.checked);
  });
})();
"""

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(
    report: Report,
    *,
    force: Force | None = None,
    fail_on: Iterable[Status] = FAILING,
    events: EventLog | Sequence[Event] | None = None,
) -> str:
    """The report as one HTML page. `force` (optional) names the force, its units and
    roles in words and orders the units; `events` (optional: the log the report judged)
    lets breaches be marked on the dates of their offending records."""
    failing = frozenset(fail_on)
    counts = report.counts()
    name = report.force if force is None else force.name
    when = report.as_of.isoformat() if force is None else time_words(report.as_of, force.zone)
    span = f"{day_words(report.start)} to {day_words(report.end)}"
    title = f"{name}: engagement duties, {span}"
    failed = report.failed(failing)
    gate = ", ".join(s.value for s in WORST_FIRST if s in failing)
    ev = report.events
    found = events.events if isinstance(events, EventLog) else tuple(events or ())
    by_id = {e.id: e for e in found}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="headline" id="headline">{_e(headline(report))}</p>',
        f'<p class="status verdict {"failed" if failed else "passed"}" id="status">'
        f"{_e(status_line(report, failing))}</p>",
        *_selection(report),
        f'<p class="meta">as of {_e(when)} · {ev.read} activity records read: '
        f"{ev.matched} counted for a duty, {ev.unmatched} counted for none "
        + (
            "(why, just below)"
            if ev.by_reason
            else "(their type is not one a duty uses, or they fall outside the range, "
            "unit or role a duty asks for)"
        )
        + f", {ev.rejected} rejected as malformed</p>",
        *_unmatched(report),
        *_rows(report),
        '<ul class="totals" id="totals">',
        *(
            f'<li class="s-{s.value}" data-status="{s.value}">{s.value} <b>{counts[s]}</b></li>'
            for s in WORST_FIRST
            if counts[s]
        ),
        "</ul>",
        f'<p class="gate">For CI: {"FAILED" if failed else "PASSED"} (fails on: {_e(gate)})</p>',
        *_overrides(report),
        "</header>",
    ]
    parts += _trend(report, force)
    parts += _owners(report, force)
    parts += [
        '<div class="legend">',
        *(f'<span><span class="swatch s-{s.value}"></span>{s.value}</span>' for s in WORST_FIRST),
        '<label><input type="checkbox" id="only-problems"> only rows with something '
        "not met</label>",
        "</div>",
        '<div id="detail" aria-live="polite">Hover a cell for its reason; click it (or press '
        "Enter) for its evidence; a white mark on a broken rule is the record that broke it."
        "</div>",
    ]
    for scope, results in _by_unit(report.results, force):
        parts += _unit_section(report, scope, results, force, by_id)
    parts += _readings(report, force)
    if report.rejections:
        parts += [
            '<details class="rejections">',
            f"<summary>{len(report.rejections)} rejected records</summary>",
            "<ul>",
            *(f"<li>{_e(r)}</li>" for r in report.rejections),
            "</ul>",
            "</details>",
        ]
    parts += [f"<script>{_SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _unmatched(report: Report) -> list[str]:
    """Why records counted for none, each reason in words with its count, most first."""
    reasons = unmatched_reasons(report.events)
    if not reasons:
        return []
    head = f"Why {plural(report.events.unmatched, 'record')} counted for none:"
    return [
        f'<div class="reasons" id="unmatched"><span class="why">{_e(head)}</span>',
        "<ul>",
        *(
            f'<li data-reason="{_e(reason)}"><b>{count}</b> {_e(words)}</li>'
            for reason, words, count in reasons
        ),
        "</ul>",
        "</div>",
    ]


def headline(report: Report) -> str:
    """The one line a board reads: `82% of duties met, 6 rules broken, 254 missed`.

    The share is of windows judged (met, partial, missed, breach); pending and waived ones
    are not judged yet, so they neither raise nor lower it."""
    counts = report.counts()
    share = compliance(counts)
    parts = ["no duty judged yet" if share is None else f"{share:.0%} of duties met"]
    if counts[Status.BREACH]:
        parts.append(plural(counts[Status.BREACH], "rule") + " broken")
    for status in (Status.MISSED, Status.PARTIAL, Status.PENDING, Status.WAIVED):
        if counts[status]:
            parts.append(f"{counts[status]} {status.value}")
    return ", ".join(parts)


def _months_of(report: Report) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    day = report.start.replace(day=1)
    while day <= report.end:
        months.append((day.year, day.month))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _trend(report: Report, force: Force | None) -> list[str]:
    """Compliance per unit per month, a sparkline each, as inline SVG: direction at a
    glance. A window counts in the month it ends in (when it was judged)."""
    months = _months_of(report)
    if len(months) < 2:
        return []
    place = {m: i for i, m in enumerate(months)}
    tallies: dict[str | None, list[Counter[Status]]] = {}
    for result in report.results:
        if result.status not in JUDGED:
            continue
        last = (result.window.local_end - timedelta(microseconds=1)).date()
        month = place.get((last.year, last.month))
        if month is None:
            continue
        row = tallies.setdefault(result.scope, [Counter() for _ in months])
        row[month][result.status] += 1
    width, height, pad = 40 * (len(months) - 1) + 8, 28, 4
    rows = []
    for scope, _ in _by_unit(report.results, force):
        if scope not in tallies:
            continue
        shares = [compliance(c) for c in tallies[scope]]
        points = [
            (pad + i * 40, pad + (1 - share) * (height - 2 * pad))
            for i, share in enumerate(shares)
            if share is not None
        ]
        path = " ".join(f"{x:.0f},{y:.1f}" for x, y in points)
        dots = "".join(f'<circle cx="{x:.0f}" cy="{y:.1f}" r="2.5"/>' for x, y in points)
        words = ", ".join(
            f"{date(y, m, 1):%b %Y} {'-' if v is None else f'{v:.0%}'}"
            for (y, m), v in zip(months, shares, strict=True)
        )
        latest = next((v for v in reversed(shares) if v is not None), None)
        label = _unit_name(force, scope)
        direction = _direction([v for v in shares if v is not None])
        rows.append(
            f'<tr data-unit="{_e(scope_label(scope))}"><th>{_e(label)}</th><td>'
            f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{_e(words)}"><title>{_e(words)}</title>'
            f'<line x1="0" y1="{pad}" x2="{width}" y2="{pad}" stroke="#ddd"/>'
            f'<line x1="0" y1="{height - pad}" x2="{width}" y2="{height - pad}" stroke="#ddd"/>'
            f'<polyline points="{path}" fill="none" stroke="#1565c0" stroke-width="2"/>'
            f'<g fill="#1565c0">{dots}</g></svg></td>'
            f'<td class="last">{"-" if latest is None else f"{latest:.0%}"}</td>'
            f'<td class="direction">{_e(direction)}</td>'
            + (f"<td>{_e(words)}</td>" if len(months) <= 4 else "")  # a year: hover
            + "</tr>"
        )
    return [
        '<section id="trend">',
        "<h2>Compliance per unit, month by month <small>(met of the windows judged; "
        "each line runs from 0% at the foot to 100% at the top)</small></h2>",
        '<table class="trend">',
        *rows,
        "</table>",
        "</section>",
    ]


def _direction(shares: Sequence[float]) -> str:
    """The trend in words, first month judged to last: `up from 40% to 62%`."""
    if len(shares) < 2:
        return "one month judged"
    first, last = shares[0], shares[-1]
    if abs(last - first) < 0.05:
        return f"steady at about {last:.0%}"
    return f"{'up' if last > first else 'down'} from {first:.0%} to {last:.0%}"


def _unit_name(force: Force | None, scope: str | None) -> str:
    if force is None:
        return scope_label(scope)
    unit = force.unit(scope) if scope is not None else None
    return f"{unit.name} ({unit.kind})" if unit is not None else unit_words(force, scope)


def _selection(report: Report) -> list[str]:
    """Said under the headline when the check was narrowed to a unit or a role."""
    line = selection_line(report)
    return [] if line is None else [f'<p class="selection" id="selection">{_e(line)}</p>']


def _rows(report: Report) -> list[str]:
    """The export's rows (read = imported + filtered + rejected), by filter and reason."""
    lines = row_lines(report.rows)
    if not lines:
        return []
    return [
        f'<p class="meta" id="rows">{_e(lines[0])}</p>',
        *(
            ['<ul class="rows">', *(f"<li>{_e(x)}</li>" for x in lines[1:]), "</ul>"]
            if lines[1:]
            else []
        ),
    ]


def _overrides(report: Report) -> list[str]:
    """Local readings in force and departures from the plan, named in the header."""
    items = [f'<li class="override">{_e(s.summary())}</li>' for s in report.overrides]
    if report.departures:
        items.append(
            f'<li class="departure"><b>Departs from the plan</b>: {len(report.departures)} '
            "part(s) changed locally where the plan states them</li>"
        )
    if not items:
        return []
    return ['<ul class="overrides" id="overrides">', *items, "</ul>"]


def _readings(report: Report, force: Force | None) -> list[str]:
    """Where verdicts rest on a reading of the plan, not its words, part by part; the
    duty by its title (its id after it), durations in words."""
    marked = ' class="departure"'

    def duty(ob: str) -> str:
        found = () if force is None else force.obligation(ob)
        return f"{_e(found[0].title)} <code>{_e(ob)}</code>" if found else _e(ob)

    def plain(text: str) -> str:
        return text if force is None else plain_words(text)

    rows = [
        f'<tr data-obligation="{_e(ob)}"{marked if r.departure else ""}>'
        f"<td>{duty(ob)}</td><td>{_e(r.part.value)}</td>"
        f"<td>{_e(r.sentence() if force is None else reading_words(force, r))}</td>"
        f"<td>{_e(plain(r.why))}</td></tr>"
        for ob, read in report.readings
        for r in read
    ]
    if not rows:
        return []
    return [
        '<details class="readings" id="readings">',
        f"<summary>{len(rows)} parts judged on a reading, not the plan's words</summary>",
        "<table>",
        '<thead><tr><th class="plain">obligation</th><th class="plain">part</th>'
        '<th class="plain">reading</th><th class="plain">why</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</details>",
    ]


def _owners(report: Report, force: Force | None) -> list[str]:
    """Totals per owner role, in words; a status no result has gets no column."""
    counts = report.counts()
    statuses = [s for s in WORST_FIRST if counts[s]]
    rows = []
    for owner, c in owner_totals(report):
        share = compliance(c)
        cells = "".join(f'<td data-status="{s.value}">{c[s]}</td>' for s in statuses)
        shown = (
            _e(owner)
            if force is None
            else f"{_e(role_words(force, owner))} <code>{_e(owner)}</code>"
        )
        rows.append(
            f'<tr data-owner="{_e(owner)}"><td>{shown}</td>{cells}'
            f"<td>{sum(c.values())}</td>"
            f"<td>{'-' if share is None else f'{share:.0%}'}</td></tr>"
        )
    head = "".join(f'<th class="s-{s.value}">{s.value}</th>' for s in statuses)
    return [
        "<section>",
        "<h2>Totals per owner role</h2>",
        '<table class="owners" id="owners">',
        f'<thead><tr><th class="plain">owner</th>{head}<th class="plain">total</th>'
        '<th class="plain">compliance</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</section>",
    ]


def _by_unit(
    results: Iterable[Result], force: Force | None
) -> list[tuple[str | None, list[Result]]]:
    """Results per unit: force-wide first, then the force's units in order, then people."""
    groups: dict[str | None, list[Result]] = {}
    for result in results:
        groups.setdefault(result.scope, []).append(result)
    order = {u.id: i for i, u in enumerate(force.units)} if force is not None else {}
    return sorted(
        groups.items(),
        key=lambda kv: (
            kv[0] is not None,
            order.get(kv[0], len(order)) if kv[0] is not None else 0,
            kv[0] or "",
        ),
    )


def _days(report: Report) -> list[date]:
    count = (report.end - report.start).days + 1
    return [report.start + timedelta(days=i) for i in range(count)]


def _span(result: Result, first: date, last: date) -> tuple[int, int]:
    """The first and last day column (0-based, inclusive) a result's window covers."""
    window = result.window
    start = window.local_start.date()
    end = (window.local_end - timedelta(microseconds=1)).date()
    lo = (max(start, first) - first).days
    hi = (min(end, last) - first).days
    lo = min(max(lo, 0), (last - first).days)
    return lo, max(lo, hi)


def _lanes(results: list[Result], first: date, last: date) -> list[list[tuple[int, int, Result]]]:
    """Results placed on as few lanes as keep their day spans from overlapping."""
    placed = sorted(
        ((*_span(r, first, last), r) for r in results),
        key=lambda t: (t[0], t[1]),
    )
    lanes: list[list[tuple[int, int, Result]]] = []
    for lo, hi, result in placed:
        for lane in lanes:
            if lane[-1][1] < lo:
                lane.append((lo, hi, result))
                break
        else:
            lanes.append([(lo, hi, result)])
    return lanes


def _unit_section(
    report: Report,
    scope: str | None,
    results: list[Result],
    force: Force | None,
    events: dict[str, Event],
) -> list[str]:
    days = _days(report)
    first, last = days[0], days[-1]
    # Up to a quarter or so the days share the width; beyond, each keeps 4px and the
    # box scrolls sideways with the title column held (sticky) in place.
    font = "9px" if len(days) <= 100 else "0"
    label = scope_label(scope)
    name = _unit_name(force, scope)
    counts = {s: sum(1 for r in results if r.status is s) for s in WORST_FIRST}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    parts = [
        f'<section class="unit" data-unit="{_e(label)}">',
        f"<h2>{_e(name)} <small>{_e(summary)}</small></h2>",
        '<div class="scroll">',
        f'<table class="heatmap" style="--day-font: {font}; '
        f'--min: calc(20rem + {len(days)} * 4px)">',
        '<colgroup><col class="label">'
        + "".join('<col class="day">' for _ in days)
        + "</colgroup>",
        "<thead>",
        "<tr><th></th>" + "".join(_months(days)) + "</tr>",
        "<tr><th></th>"
        + "".join(
            f'<th class="day{" mon" if d.weekday() == 0 else ""}" title="{d.isoformat()}">'
            f"{d.day if d.weekday() == 0 else ''}</th>"
            for d in days
        )
        + "</tr>",
        "</thead>",
        "<tbody>",
    ]
    per: dict[str, list[Result]] = {}
    for result in results:
        per.setdefault(result.obligation, []).append(result)
    for obligation, group in per.items():
        lanes = _lanes(group, first, last)
        problems = "1" if any(r.status is not Status.MET for r in group) else "0"
        head = group[0]
        owner = head.owner if force is None else role_words(force, head.owner)
        for i, lane in enumerate(lanes):
            row = [f'<tr data-obligation="{_e(obligation)}" data-problems="{problems}">']
            if i == 0:
                note = ""
                if len(lanes) > 1:
                    what = "follow-ups" if kind_module(head.kind).FOLLOWS_EVENTS else "windows"
                    note = (
                        f'<span class="lanes">{len(group)} {what} on {len(lanes)} lines, '
                        "as their dates overlap</span>"
                    )
                row.append(
                    f'<th class="label" rowspan="{len(lanes)}">'
                    f'<span class="title">{_e(head.title)}</span>{note}'
                    f'<code>{_e(obligation)}</code> <span class="owner">{_e(owner)}</span>'
                    "</th>"
                )
            column = 0
            for lo, hi, result in lane:
                if lo > column:
                    row.append(f'<td class="gap" colspan="{lo - column}"></td>')
                marks = _marks(result, lo, hi, first, events)
                row.append(_cell(result, hi - lo + 1, marks, force))
                column = hi + 1
            if column < len(days):
                row.append(f'<td class="gap" colspan="{len(days) - column}"></td>')
            row.append("</tr>")
            parts.append("".join(row))
    parts += ["</tbody>", "</table>", "</div>", "</section>"]
    return parts


def _marks(result: Result, lo: int, hi: int, first: date, events: dict[str, Event]) -> str:
    """For a breach, one mark per offending record at its date within the cell."""
    if result.status is not Status.BREACH:
        return ""
    span = hi - lo + 1
    marks = []
    for event_id in result.evidence:
        event = events.get(event_id)
        if event is None:
            continue
        local = event.at.astimezone(result.window.zone)
        offset = (local.date() - first).days - lo
        if not 0 <= offset < span:
            continue
        left = (offset + (local.hour * 60 + local.minute) / 1440) / span * 100
        record = f"{event.id}: {event.type} on {time_words(event.at, result.window.zone)}" + (
            f" in {event.scope}" if event.scope else ""
        )
        marks.append(
            f'<span class="mark" tabindex="0" style="left: {left:.2f}%" '
            f'data-record="{_e(record)}" title="{_e(record)}"></span>'
        )
    return "".join(marks)


def _months(days: list[date]) -> list[str]:
    cells: list[str] = []
    run: list[date] = []
    for day in days:
        if run and (day.year, day.month) != (run[0].year, run[0].month):
            cells.append(_month(run))
            run = []
        run.append(day)
    if run:
        cells.append(_month(run))
    return cells


def _month(run: list[date]) -> str:
    text = run[0].strftime("%b %Y") if len(run) >= 5 else ""
    return f'<th class="month" colspan="{len(run)}">{text}</th>'


def _cell(result: Result, span: int, marks: str = "", force: Force | None = None) -> str:
    status = result.status.value
    scope = scope_label(result.scope)
    if force is None:
        tooltip = f"{status} · {scope} · {result.window.label}: {result.reason}"
    else:
        where = unit_words(force, result.scope)
        tooltip = (
            f"{status} · {where} · {window_words(result.window)}: {plain_words(result.reason)}"
        )
    data = {
        "status": status,
        "obligation": result.obligation,
        "title": result.title,
        "owner": result.owner,
        "scope": scope,
        "window": f"{result.window.local_start:%Y-%m-%d %H:%M} to "
        f"{result.window.local_end:%Y-%m-%d %H:%M}",
        "found": f"{result.found:g} of {result.needed:g}",
        "reason": result.reason,
        "evidence": ", ".join(result.evidence) or "none",
        "was": (
            f"{result.waived_from.status.value}: {result.waived_from.reason}"
            if result.waived_from is not None
            else ""
        ),
    }
    attributes = " ".join(f'data-{key}="{_e(value)}"' for key, value in data.items() if value)
    glyph = "" if marks else _GLYPH[result.status]
    return (
        f'<td class="cell s-{status}" colspan="{span}" tabindex="0" {attributes} '
        f'title="{_e(tooltip)}">{glyph}{marks}</td>'
    )
