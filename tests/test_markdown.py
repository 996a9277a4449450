"""The Markdown summary, read back with a CommonMark parser with GFM tables."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date

from markdown_it import MarkdownIt
from markdown_it.token import Token

from engagerules import (
    UNMATCHED_REASONS,
    Report,
    Status,
    Waiver,
    apply_waivers,
    render_markdown,
    report_json,
)
from engagerules.model.plan import Force
from quarter import END, START, gwent_quarter

Check = Callable[..., Report]
EXPIRY = date(2031, 1, 1)  # after the fixture's as_of in 2030

_PARSER = MarkdownIt("commonmark").enable("table")


def tables(text: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts (header row first), as a GFM renderer sees them."""
    found: list[list[list[str]]] = []
    row: list[str] | None = None
    cell = False
    for token in _PARSER.parse(text):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            found[-1].append(row)
            row = None
        elif token.type in ("th_open", "td_open"):
            cell = True
            assert row is not None
            row.append("")
        elif token.type in ("th_close", "td_close"):
            cell = False
        elif token.type == "inline" and cell and row is not None:
            row[-1] = _text(token)
    return found


def _text(token: Token) -> str:
    return "".join(child.content for child in token.children or [])


def table_with(text: str, header: str) -> list[list[str]]:
    return next(t for t in tables(text) if t[0][0] == header)


def test_status_totals_match_the_json_summary() -> None:
    """The status table of a Gwent quarter lists each status with the JSON's count."""
    report = gwent_quarter().report
    summary = report_json(report)["summary"]
    rows = table_with(render_markdown(report), "status")[1:]
    shown = {status: int(n) for status, n in rows if status != "total"}
    assert shown == summary
    assert dict(rows)["total"] == str(len(report.results))


def test_every_table_row_has_as_many_cells_as_its_header() -> None:
    """No reason or title breaks a table: rows and headers agree, cell for cell."""
    text = render_markdown(gwent_quarter().report, detail_limit=1000)
    found = tables(text)
    assert len(found) >= 4
    for table in found:
        assert all(len(row) == len(table[0]) for row in table)


def test_verdict_follows_the_gate() -> None:
    """FAILED for missed windows by default; PASSED when the gate is only on partial."""
    report = gwent_quarter().report
    assert "**FAILED**" in render_markdown(report)
    assert "**PASSED**" in render_markdown(report, fail_on={Status.PARTIAL})


def test_what_is_slipping_counts_per_obligation_and_unit() -> None:
    """The slipping table gives each obligation's missed count and its units' shares."""
    report = gwent_quarter().report
    rows = table_with(render_markdown(report), "obligation")[1:]
    missed = Counter(r.obligation for r in report.results if r.status is Status.MISSED)
    for cells in rows:
        obligation = cells[0].rsplit("(", 1)[1].strip("`)")  # title, then (`id`)
        if cells[1] != "missed":
            continue
        assert int(cells[2]) == missed[obligation]
        units = [part.rsplit(" ", 1) for part in cells[3].split(", ")]
        assert sum(int(n) for _, n in units) == missed[obligation]


def test_owner_totals_add_up_to_every_result() -> None:
    """The per-owner table's counts sum to the number of results."""
    report = gwent_quarter().report
    table = table_with(render_markdown(report), "owner")
    header, rows = table[0], table[1:]
    columns = [i for i, name in enumerate(header) if name in {s.value for s in Status}]
    assert sum(int(row[i]) for row in rows for i in columns) == len(report.results)


def test_data_cannot_break_the_markup(mini: Force, check: Check) -> None:
    """A pipe, HTML and a backtick in a reason stay text inside their table cell."""
    report = check("mini.weekly-tweet", [], "2022-10-03", "2022-10-09")
    nasty = "vacancy | <script>alert(1)</script> `x`"
    waived = apply_waivers(
        report,
        [Waiver("mini.weekly-tweet", date(2022, 10, 5), date(2022, 10, 5), nasty, EXPIRY)],
        mini,
    )
    text = render_markdown(waived)
    assert "<script>" not in text
    (table,) = [t for t in tables(text) if "justification" in t[0]]
    column = table[0].index("justification")
    assert [row[column] for row in table[1:]] == [nasty] * 3


def test_details_stop_at_the_limit_and_say_how_many_more() -> None:
    """With a limit of 5, five detail rows and a line counting the rest."""
    report = gwent_quarter().report
    not_met = sum(1 for r in report.results if r.status in (Status.MISSED, Status.BREACH))
    text = render_markdown(report, detail_limit=5)
    detail_rows = next(t for t in tables(text) if t[0][:2] == ["status", "obligation"])[1:]
    assert len(detail_rows) == 5
    assert f"and {not_met - 5} more" in text


def test_quarter_summary_fits_a_pull_request_comment() -> None:
    """A quarter of Gwent stays under GitHub's 65,536-character comment limit."""
    assert len(render_markdown(gwent_quarter().report)) < 65_536


def test_range_in_the_heading() -> None:
    """The heading names the force and the range checked."""
    text = render_markdown(gwent_quarter().report)
    assert text.startswith(f"# engagerules check: gwent {START}..{END}")


def test_one_h1_title_naming_the_force_and_sections_below_it() -> None:
    """As GFM: one h1 naming the force, h2 sections, local as-of and the share met in words."""
    quarter = gwent_quarter()
    text = render_markdown(quarter.report, force=quarter.force)
    tokens = _PARSER.parse(text)
    levels = [t.tag for t in tokens if t.type == "heading_open"]
    assert levels[0] == "h1" and levels.count("h1") == 1
    assert set(levels[1:]) == {"h2"}
    title = next(_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open")
    assert title == f"engagerules check: Gwent Police {START}..{END}"
    assert "as of Mon 9 Jan 2023 09:00 GMT" in text
    assert re.search(r"\*\*\d+% of the duties judged were met\*\*", text)


def test_unmatched_broken_down_by_reason_like_the_html() -> None:
    """After the events line, each reason records counted for none, in words, most first."""
    quarter = gwent_quarter()
    ev = quarter.report.events
    text = render_markdown(quarter.report, force=quarter.force)
    tokens = _PARSER.parse(text)
    items = [_text(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "list_item_open"]
    order = sorted(ev.by_reason, key=lambda r: (-ev.by_reason[r], r))
    assert items[: len(order)] == [f"{ev.by_reason[r]} {UNMATCHED_REASONS[r]}" for r in order]
    assert f"Why {ev.unmatched} records counted for none:" in text
    assert text.index("Events: ") < text.index("Why ") < text.index("## By owner role")
