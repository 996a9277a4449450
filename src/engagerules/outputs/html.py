"""One self-contained HTML page: a heatmap of obligations by period, unit by unit.

For the sergeant who wants to see at a glance what is slipping. Each unit gets a table:
a row per obligation, a column per day of the range, and each result a cell spanning the
days of its window (a week is seven columns wide, a month thirty-odd), coloured green
(met), amber (partial), red (missed, breach) or grey (pending; waived striped). Windows
of one row that overlap (two briefings a day, triggers close together) go on extra lanes.
Hovering a cell shows its reason; clicking (or Enter) shows its evidence and reason in a
panel. Totals per owner role lead the page.

The page needs nothing outside itself: styles and script are inline, a Content Security
Policy forbids every fetch, and all data is escaped text, so it can be mailed or archived
as a CI artefact and opened anywhere.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, timedelta

from engagerules.model.plan import Force
from engagerules.model.results import FAILING, WORST_FIRST, Report, Result, Status
from engagerules.outputs.summary import compliance, owner_totals, scope_label

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
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
h2 small { font-weight: normal; color: #555; }
.meta { color: #444; margin: 0 0 .5rem; }
.verdict { font-weight: bold; }
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
ul.totals li.s-pending, ul.totals li.s-partial, ul.totals li.s-waived { color: var(--ink); }
table { border-collapse: collapse; }
table.owners th, table.owners td { border: 1px solid var(--rule); padding: .2rem .5rem;
  text-align: right; }
table.owners th:first-child, table.owners td:first-child { text-align: left; }
table.owners thead th { color: #fff; }
table.owners thead th.s-pending, table.owners thead th.s-partial,
table.owners thead th.s-waived { color: var(--ink); }
table.owners thead th.plain { color: var(--ink); background: #f3f3f3; }
.legend { display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; margin: .5rem 0; }
.legend span.swatch { display: inline-block; width: 1rem; height: 1rem; vertical-align: middle;
  margin-right: .3rem; border-radius: 2px; }
#detail { position: sticky; top: 0; z-index: 2; background: #fffbe6; border: 1px solid #e6d48a;
  padding: .5rem .75rem; margin: .75rem 0; min-height: 2.5rem; }
#detail dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: 0; }
#detail dt { font-weight: bold; }
#detail dd { margin: 0; }
.scroll { overflow-x: auto; }
table.heatmap { table-layout: fixed; }
table.heatmap col.label { width: 22rem; }
table.heatmap col.day { width: var(--day); }
table.heatmap th.label { text-align: left; font-weight: normal; padding: 1px .5rem 1px 0;
  border-top: 1px solid var(--rule); vertical-align: top; overflow: hidden; }
table.heatmap th.label .title { display: block; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
table.heatmap th.label code { font-size: .75rem; color: #555; }
table.heatmap th.label .owner { font-size: .75rem; color: #555; }
table.heatmap thead th { font-weight: normal; font-size: .7rem; color: #555; }
table.heatmap thead th.month { text-align: left; border-left: 1px solid #999; padding-left: 2px; }
table.heatmap thead th.day { font-size: var(--day-font); overflow: hidden; }
table.heatmap thead th.day.mon { border-left: 1px solid #999; }
td.cell { height: 16px; border: 1px solid #fff; cursor: pointer; color: #fff; font-size: 10px;
  text-align: center; overflow: hidden; white-space: nowrap; padding: 0; }
td.cell.s-pending, td.cell.s-partial, td.cell.s-waived { color: var(--ink); }
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
  document.addEventListener("click", function (event) {
    var cell = event.target.closest ? event.target.closest("td.cell") : null;
    if (cell) { show(cell); }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.matches &&
        target.matches("td.cell")) {
      event.preventDefault();
      show(target);
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
    report: Report, *, force: Force | None = None, fail_on: Iterable[Status] = FAILING
) -> str:
    """The report as one HTML page; `force` (optional) orders and names the units."""
    failing = frozenset(fail_on)
    counts = report.counts()
    title = f"engagerules: {report.force} {report.start}..{report.end}"
    failed = report.failed(failing)
    gate = ", ".join(s.value for s in WORST_FIRST if s in failing)
    ev = report.events
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
        f'<p class="meta">as of {_e(report.as_of.isoformat())} · events: {ev.read} read = '
        f"{ev.matched} matched + {ev.unmatched} unmatched + {ev.rejected} rejected</p>",
        f'<p class="verdict {"failed" if failed else "passed"}">'
        f"{'FAILED' if failed else 'PASSED'} (fails on: {_e(gate)})</p>",
        '<ul class="totals" id="totals">',
        *(
            f'<li class="s-{s.value}" data-status="{s.value}">{s.value} <b>{counts[s]}</b></li>'
            for s in WORST_FIRST
            if counts[s]
        ),
        "</ul>",
        *_overrides(report),
        "</header>",
    ]
    parts += _owners(report)
    parts += [
        '<div class="legend">',
        *(f'<span><span class="swatch s-{s.value}"></span>{s.value}</span>' for s in WORST_FIRST),
        '<label><input type="checkbox" id="only-problems"> only rows with something '
        "not met</label>",
        "</div>",
        '<div id="detail" aria-live="polite">Hover a cell for its reason; click it (or press '
        "Enter) for its evidence.</div>",
    ]
    for scope, results in _by_unit(report.results, force):
        parts += _unit_section(report, scope, results, force)
    parts += _readings(report)
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


def _readings(report: Report) -> list[str]:
    """Where verdicts rest on a reading of the plan, not its words, part by part."""
    marked = ' class="departure"'
    rows = [
        f'<tr data-obligation="{_e(ob)}"{marked if r.departure else ""}>'
        f"<td>{_e(ob)}</td><td>{_e(r.part.value)}</td><td>{_e(r.sentence())}</td>"
        f"<td>{_e(r.why)}</td></tr>"
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


def _owners(report: Report) -> list[str]:
    statuses = list(WORST_FIRST)
    rows = []
    for owner, c in owner_totals(report):
        share = compliance(c)
        cells = "".join(f'<td data-status="{s.value}">{c[s]}</td>' for s in statuses)
        rows.append(
            f'<tr data-owner="{_e(owner)}"><td>{_e(owner)}</td>{cells}'
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
    report: Report, scope: str | None, results: list[Result], force: Force | None
) -> list[str]:
    days = _days(report)
    first, last = days[0], days[-1]
    width, font = ("14px", "9px") if len(days) <= 120 else ("5px", "0")
    label = scope_label(scope)
    unit = force.unit(scope) if force is not None and scope is not None else None
    name = f"{unit.name} ({unit.kind})" if unit is not None else label
    counts = {s: sum(1 for r in results if r.status is s) for s in WORST_FIRST}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    parts = [
        f'<section class="unit" data-unit="{_e(label)}">',
        f"<h2>{_e(name)} <small>{_e(summary)}</small></h2>",
        '<div class="scroll">',
        f'<table class="heatmap" style="--day: {width}; --day-font: {font}; '
        f'width: calc(22rem + {len(days)} * {width})">',
        '<colgroup><col class="label">'
        + "".join('<col class="day">' for _ in days)
        + "</colgroup>",
        "<thead>",
        "<tr><th></th>" + "".join(_months(days)) + "</tr>",
        "<tr><th></th>"
        + "".join(
            f'<th class="day{" mon" if d.weekday() == 0 else ""}" title="{d.isoformat()}">'
            f"{d.day}</th>"
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
        for i, lane in enumerate(lanes):
            row = [f'<tr data-obligation="{_e(obligation)}" data-problems="{problems}">']
            if i == 0:
                row.append(
                    f'<th class="label" rowspan="{len(lanes)}" title="{_e(head.title)}">'
                    f'<span class="title">{_e(head.title)}</span>'
                    f'<code>{_e(obligation)}</code> <span class="owner">{_e(head.owner)}</span>'
                    "</th>"
                )
            column = 0
            for lo, hi, result in lane:
                if lo > column:
                    row.append(f'<td class="gap" colspan="{lo - column}"></td>')
                row.append(_cell(result, hi - lo + 1))
                column = hi + 1
            if column < len(days):
                row.append(f'<td class="gap" colspan="{len(days) - column}"></td>')
            row.append("</tr>")
            parts.append("".join(row))
    parts += ["</tbody>", "</table>", "</div>", "</section>"]
    return parts


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


def _cell(result: Result, span: int) -> str:
    status = result.status.value
    scope = scope_label(result.scope)
    tooltip = f"{status} · {scope} · {result.window.label}: {result.reason}"
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
    glyph = _GLYPH[result.status] if span >= 1 else ""
    return (
        f'<td class="cell s-{status}" colspan="{span}" tabindex="0" {attributes} '
        f'title="{_e(tooltip)}">{glyph}</td>'
    )
