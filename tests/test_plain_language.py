"""Words where people read: no line a person reads leads with a code, no ISO code in a reason.

A sergeant reads the text report, the HTML page, the Markdown summary, the agenda, an
explanation and the calendar's items. Titles lead and ids follow, in brackets or on a
reference line; cadences, deadlines and dates are in words. The check here reads every
line of each output: a line may not begin with a duty id, a role code, an event-type code
or a unit id (unless it begins with a title that happens to start with the same word:
"NPT neighbourhood briefings"), nor with an ISO 8601 duration or date; and no ISO 8601
duration appears in a reason, a reading or a calendar description.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import icalendar
import pytest

from engagerules import open_force
from engagerules.cli import main
from engagerules.model.words import plain_words

ROOT = Path(__file__).resolve().parents[1]
FORCE = open_force("gwent")
EVENTS = str(ROOT / "forces" / "gwent" / "sample" / "activity-2022q4.jsonl")
RANGE = ("--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-09T09:00:00+00:00")

CODES = (
    set(FORCE.obligation_ids)
    | {r.id for r in FORCE.roles}
    | {t.id for t in FORCE.event_types}
    | {u.id for u in FORCE.units}
)
TITLES = tuple(
    {o.title for o in FORCE.obligations}
    | {r.title for r in FORCE.roles}
    | {t.title for t in FORCE.event_types}
    | {u.name for u in FORCE.units}
)
ISO_LEAD = re.compile(r"^(P(\d+[YMWD])+(T\d+[HMS])?|PT\d+[HMS]|\d{4}-\d{2}-\d{2})\b")
ISO_DURATION = re.compile(r"\b(P\d+[YMWD](\d+[YMWD])*(T\d+[HMS])?|PT\d+[HMS])\b")


def leading_codes(text: str) -> list[str]:
    """The lines of `text` that lead with a code rather than with words."""
    found = []
    for line in text.splitlines():
        words = line.strip().lstrip("-*|#•> ").strip()
        if not words or words.startswith(TITLES):
            continue
        first = re.split(r"[\s:,;()\[\]]", words, maxsplit=1)[0].strip("`'\"")
        if first in CODES or ISO_LEAD.match(words):
            found.append(line.strip())
    return found


def page_text(page: str) -> str:
    """An HTML page as the lines a person reads: blocks on lines, inline markup joined."""
    page = re.sub(r"<(style|script)\b[^>]*>.*?</\1>", "", page, flags=re.S)
    page = re.sub(
        r"</?(p|li|tr|h\d|div|section|summary|details|table|ul|header|td|th)\b[^>]*>", "\n", page
    )
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every output a person reads, of the bundled sample log."""
    folder = tmp_path_factory.mktemp("plain")
    files = {name: folder / name for name in ("report.txt", "report.html", "report.md")}
    files |= {name: folder / name for name in ("agenda.txt", "explain.txt", "duties.ics")}
    out = {name: str(path) for name, path in files.items()}
    as_of = "2022-12-06T12:00:00+00:00"
    check = ["check", "gwent", EVENTS, *RANGE, "-o", out["report.txt"]]
    check += ["--html", out["report.html"], "--markdown", out["report.md"]]
    assert main(check) == 1
    agenda = ["agenda", "gwent", EVENTS, "--as-of", as_of, "--days", "7"]
    assert main([*agenda, "-o", out["agenda.txt"]]) == 0
    explain = ["explain", "gwent", "gwent.cn.monthly-council-feedback", EVENTS, *RANGE]
    assert main([*explain, "-o", out["explain.txt"]]) == 0
    calendar = ["calendar", "gwent", "--from", "2022-12-06", "--to", "2023-03-31"]
    assert main([*calendar, "-o", out["duties.ics"]]) == 0
    texts = {name: path.read_text(encoding="utf-8") for name, path in files.items()}
    texts["report.html"] = page_text(texts["report.html"])
    cal = icalendar.Calendar.from_ical(texts.pop("duties.ics"))
    items = list(cal.walk("VEVENT"))
    assert items
    texts["calendar summaries"] = "\n".join(str(e["SUMMARY"]) for e in items)
    texts["calendar descriptions"] = "\n".join(str(e["DESCRIPTION"]) for e in items)
    return texts


@pytest.mark.parametrize(
    "name",
    ["report.txt", "report.html", "report.md", "agenda.txt", "explain.txt",
     "calendar summaries", "calendar descriptions"],
)  # fmt: skip
def test_no_line_a_person_reads_leads_with_a_code(outputs: dict[str, str], name: str) -> None:
    """Titles lead, ids follow: no line of the output begins with an id or an ISO code."""
    assert leading_codes(outputs[name]) == []


@pytest.mark.parametrize("name", ["report.txt", "report.md", "calendar descriptions"])
def test_no_iso_duration_in_reasons_readings_or_descriptions(
    outputs: dict[str, str], name: str
) -> None:
    """Cadences and deadlines are said in words: no P1D, P3M or PT30M anywhere."""
    assert ISO_DURATION.findall(outputs[name]) == []


def test_every_calendar_description_ends_in_one_reference_line(outputs: dict[str, str]) -> None:
    """The codes of an item (the duty's id, the source's file) are on its last line only."""
    descriptions = outputs["calendar descriptions"].split("\n\n")
    assert descriptions
    text = outputs["calendar descriptions"]
    references = [line for line in text.splitlines() if line.startswith("Reference: ")]
    assert len(references) == text.count("Reference:")
    assert all(re.fullmatch(r"Reference: \S+ \(\w+\); source document \S+", r) for r in references)


def test_the_checker_finds_what_it_looks_for() -> None:
    """The check itself: an id, a role code or an ISO code leading a line is found."""
    sample = "\n".join(
        [
            "  gwent.cn.daily-foot-patrol deadline: within P1D",
            "ORLO_SPOC: the owner",
            "P3M between updates",
            "2022-10-01 to 2022-12-31",
            "High-visibility foot patrol (gwent.cn.daily-foot-patrol)",
            "NPT neighbourhood briefings at 8am and 1pm",
        ]
    )
    assert len(leading_codes(sample)) == 4
    assert plain_words("within P1D of 2022-10-01") == "within 1 day of Sat 1 Oct 2022"
