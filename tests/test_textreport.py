"""The text report stays usable when large: roll-ups before details, progress on a terminal."""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

import engagerules.sources.events
from engagerules import Status, Waiver, apply_waivers, render_text
from engagerules.cli import main
from quarter import AS_OF, END, START, gwent_quarter

ROLLUP = re.compile(r"^    (\S+): (\d+) \((.*)\)$")


def section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i]), len(lines))
    return lines[start + 1 : end]


def test_missed_are_rolled_up_per_obligation_with_unit_counts() -> None:
    """Before the details, each obligation's missed count and how it splits over units."""
    report = gwent_quarter().report
    lines = section(render_text(report, detail_limit=5), "MISSED")
    assert lines[0] == "  by obligation, with the units it fell to:"
    details = lines.index("  details:")
    matches = [ROLLUP.match(line) for line in lines[1:details]]
    rollup = [m for m in matches if m]
    rest = [line for line, m in zip(lines[1:details], matches, strict=True) if not m]
    expected = Counter(r.obligation for r in report.results if r.status is Status.MISSED)
    per_unit = Counter(
        (r.obligation, r.scope or "force-wide") for r in report.results if r.status is Status.MISSED
    )
    shown = {m.group(1): int(m.group(2)) for m in rollup}
    assert len(shown) == 5 < len(expected)
    assert rest == [f"    ... and {len(expected) - 5} more obligations"]
    assert all(shown[ob] == expected[ob] for ob in shown)
    counts = [int(m.group(2)) for m in rollup]
    assert counts == sorted(counts, reverse=True) == sorted(expected.values(), reverse=True)[:5]
    for match in rollup:
        for part in match.group(3).split(", "):
            unit, n = part.rsplit(" ", 1)
            assert per_unit[(match.group(1), unit)] == int(n)
    assert len(lines) - details - 1 == 6  # five details and the "and N more" line


def test_waived_are_listed_apart_with_what_they_were() -> None:
    """A waived window has its own heading, its justification and its former status."""
    quarter = gwent_quarter()
    waiver = Waiver(
        "gwent.cn.weekly-positive-tweet", START, END, "vacancy", date(2030, 1, 1), "bargoed"
    )
    text = render_text(apply_waivers(quarter.report, [waiver], quarter.force))
    waived = section(text, "WAIVED")
    details = [line for line in waived if line.startswith("  gwent.")]
    assert details and all(line.endswith(": vacancy (was missed)") for line in details)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _check(events: Path) -> list[str]:
    return [
        "check", "gwent", str(events), "--from", str(START), "--to", str(END),
        "--as-of", AS_OF.isoformat(), "--format", "json", "-o", str(events.with_suffix(".out")),
    ]  # fmt: skip


def test_progress_shows_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a large input with stderr on a terminal shows a running count, then clears it."""
    events = gwent_quarter().write(tmp_path / "q.jsonl")
    terminal = _Terminal()
    monkeypatch.setattr(engagerules.sources.events, "PROGRESS_EVERY", 1000)
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(_check(events)) == 1
    shown = terminal.getvalue()
    assert f"\rreading {events}: 1,000 records" in shown
    total = len(gwent_quarter().records)
    assert f"\rreading {events}: {total:,} records" in shown
    out = events.with_suffix(".out")
    assert shown.endswith(f"\r\x1b[Kwrote the json report to {out}\n")


def test_no_progress_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In CI or a pipe, stderr has no progress: only where the report was written."""
    events = gwent_quarter().write(tmp_path / "q.jsonl")
    monkeypatch.setattr(engagerules.sources.events, "PROGRESS_EVERY", 1000)
    assert main(_check(events)) == 1
    assert capsys.readouterr().err == f"wrote the json report to {events.with_suffix('.out')}\n"
