"""The reviewer's page (`engagerules docs`): committed pages are current, and the page
follows the documents' own order with every duty, its timing and its citation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engagerules import Force, load_force, open_force, render_force_docs
from engagerules.cli import main
from engagerules.model.readings import Part
from engagerules.sources.registry import available_forces

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "forces"
BUNDLED = sorted(source.name for source in available_forces() if source.origin == "bundled")


def _regenerate(force_id: str) -> str:
    return f"engagerules docs {force_id} -o docs/forces/{force_id}.md"


# ---------------------------------------------------------------------------- committed pages


def test_some_forces_are_bundled() -> None:
    """The page checks below have forces to check (a broken registry would pass them all)."""
    assert BUNDLED


@pytest.mark.parametrize("force_id", BUNDLED)
def test_committed_page_is_current(force_id: str) -> None:
    """docs/forces/<force>.md exists and is exactly what `engagerules docs <force>` gives now."""
    page = PAGES / f"{force_id}.md"
    assert page.is_file(), f"{page} is missing: run `{_regenerate(force_id)}`"
    expected = render_force_docs(open_force(force_id))
    assert page.read_text(encoding="utf-8") == expected, (
        f"{page} is out of date with forces/{force_id}/force.json: run `{_regenerate(force_id)}`"
    )


def test_every_page_belongs_to_a_bundled_force() -> None:
    """No page is left behind for a force that is no longer bundled."""
    pages = sorted(p.stem for p in PAGES.glob("*.md")) if PAGES.is_dir() else []
    assert [p for p in pages if p not in BUNDLED] == []


# ---------------------------------------------------------------------------- the generator


@pytest.fixture(scope="module")
def mini_page(mini: Force) -> str:
    return render_force_docs(mini)


def _positions(page: str, headings: list[str]) -> list[int]:
    found = [page.find(h) for h in headings]
    assert all(i >= 0 for i in found), f"missing headings: {headings} -> {found}"
    return found


def test_sections_follow_the_document_not_the_configuration(mini: Force, mini_page: str) -> None:
    """Sections appear in the document's order, each duty under the section it cites."""
    sections = mini.documents[0].sections
    places = _positions(mini_page, [f"\n### {s}\n" for s in sections])
    assert places == sorted(places)
    # mini.briefings is third in the configuration but cites "Weekly", the first section;
    # mini.clerk-meetings is fifth but cites "Cycles", the last.
    briefings = mini_page.index("`mini.briefings`")
    assert places[0] < briefings < places[1]
    assert mini_page.index("`mini.clerk-meetings`") > places[-1]


def test_every_obligation_has_its_own_entry(mini: Force, mini_page: str) -> None:
    """Every obligation id heads exactly one entry, in the order its section lists them."""
    headed = re.findall(r"^#### `([^`]+)`", mini_page, flags=re.MULTILINE)
    assert sorted(headed) == sorted(mini.obligation_ids)


def test_every_bundled_duty_is_on_its_page() -> None:
    """A bundled force's page heads an entry for each of its obligations."""
    for force_id in BUNDLED:
        force = open_force(force_id)
        headed = re.findall(r"^#### `([^`]+)`", render_force_docs(force), flags=re.MULTILINE)
        assert sorted(headed) == sorted(ob.id for ob in force.obligations)


def test_advisory_duty_shows_its_reason(mini_page: str) -> None:
    """An advisory duty says it is never scored, and why."""
    entry = _entry(mini_page, "mini.consider-events")
    assert "advisory (listed for the record, never scored)" in entry
    assert "**Not checked because:** a judgement, not an activity" in entry


def test_timing_scope_and_steps_are_spelled_out(mini_page: str) -> None:
    """Cadence, anchor phase, times, rota order, trigger deadline and step titles appear."""
    clerk = _entry(mini_page, "mini.clerk-meetings")
    assert "every 6 months (P6M); periods start on 1 April and 1 October" in clerk
    assert "anchored on 2015-04-01" in clerk
    briefings = _entry(mini_page, "mini.briefings")
    assert "at 08:00, 13:00 local time, each within 1 hour (PT1H)" in briefings
    rota = _entry(mini_page, "mini.action-day-rota")
    assert "North (`north`), then South (`south`), then East (`east`)" in rota
    warrant = _entry(mini_page, "mini.warrant-followup")
    assert "each `warrant_executed`; due within 2 days (P2D)" in warrant
    assert "  2. leaflet drop: at least 1 `leaflet_drop`" in warrant
    cadets = _entry(mini_page, "mini.cadet-hours")
    assert "`cadet_volunteering` totalling at least 3 `hours`" in cadets
    poc = _entry(mini_page, "mini.ward-poc")
    assert "done by `PCSO`" in poc
    assert "**Cleared by:** `poc_vacated`" in poc


def test_rules_and_targets_are_spelled_out(mini_page: str) -> None:
    """A constraint shows its rule; a target its figure, deadline, grouping and baseline."""
    vary = _entry(mini_page, "mini.surgery-locations-vary")
    assert "`location` different from the previous event's" in vary
    likes = _entry(mini_page, "mini.likes-target")
    assert "`likes` reaches 8200 by the end of 2022-12-31" in likes
    assert "of each `account`, added together" in likes
    assert "(baseline 7462)" in likes


def test_reference_tables(mini: Force, mini_page: str) -> None:
    """Units, roles and event types each get a table row, with what reads each event type."""
    for unit in mini.units:
        assert f"| `{unit.id}` | {unit.name} |" in mini_page
    for role in mini.roles:
        assert f"| `{role.id}` | {role.title} |" in mini_page
    assert "| `leaflet_drop` | Leaflet drop |  | `mini.warrant-followup` |" in mini_page
    assert "| `action_day` | Action day |  | `mini.action-day-rota` |" in mini_page


def test_page_is_deterministic_and_ends_in_one_newline(mini: Force, mini_page: str) -> None:
    """The same force always gives the same page, so a committed page can be compared."""
    assert render_force_docs(mini) == mini_page
    assert mini_page.endswith("\n")
    assert not mini_page.endswith("\n\n")


def _two_documents(tmp_path: Path) -> Force:
    config: dict[str, Any] = {
        "id": "twodocs",
        "name": "Two Documents | Test",
        "timezone": "Europe/London",
        "documents": [
            {"id": "b.txt", "title": "Second", "sections": ["Intro", "Daily", "Monthly"]},
            {"id": "a.txt", "title": "First"},
        ],
        "units": [],
        "roles": [{"id": "PS", "title": "Sergeant"}],
        "event_types": [{"id": "patrol", "title": "Patrol"}],
        "obligations": [
            {
                "id": "t.from-a",
                "title": "From the undivided document",
                "kind": "advisory",
                "owner": "PS",
                "reason": "not an activity",
                "source": {"document": "a.txt", "section": "Somewhere", "quote": "a | b *c*"},
            },
            {
                "id": "t.monthly",
                "title": "Monthly patrol",
                "kind": "recurring",
                "cadence": "P1M",
                "owner": "PS",
                "evidence": [{"types": ["patrol"]}],
                "effective": {"from": "2022-01-01", "until": "2022-06-30"},
                "source": {"document": "b.txt", "section": "Monthly"},
            },
            {
                "id": "t.monthly",
                "title": "Monthly patrol",
                "kind": "recurring",
                "cadence": "P1M",
                "owner": "PS",
                "evidence": [{"types": ["patrol"], "min": 2}],
                "effective": {"from": "2022-07-01"},
                "source": {"document": "b.txt", "section": "Monthly"},
            },
            {
                "id": "t.daily",
                "title": "Daily patrol",
                "kind": "recurring",
                "cadence": "P1D",
                "owner": "PS",
                "evidence": [{"types": ["patrol"]}],
                "source": {"document": "b.txt", "section": "Daily"},
            },
        ],
    }
    (tmp_path / "force.json").write_text(json.dumps(config), encoding="utf-8")
    return load_force(tmp_path)


def test_documents_keep_their_order_and_empty_sections_show(tmp_path: Path) -> None:
    """Documents come in the configuration's order; a section with no duty says so."""
    page = render_force_docs(_two_documents(tmp_path))
    second, first = _positions(page, ["\n## Second (b.txt)\n", "\n## First (a.txt)\n"])
    assert second < first
    intro, daily, monthly = _positions(page, ["\n### Intro\n", "\n### Daily\n", "\n### Monthly\n"])
    assert intro < daily < monthly < first
    assert page[intro:daily].count("_No duty is encoded from this section._") == 1
    # A document without a section list is grouped by the sections its duties cite.
    assert page.index("\n### Somewhere\n") > first


def test_versions_and_markdown_escaping(tmp_path: Path) -> None:
    """Both versions of a revised duty appear with their dates; text cannot break markup."""
    page = render_force_docs(_two_documents(tmp_path))
    assert "#### `t.monthly`: Monthly patrol (version from 2022-01-01 until 2022-06-30)" in page
    assert "#### `t.monthly`: Monthly patrol (version from 2022-07-01)" in page
    assert "> a \\| b \\*c\\*" in page
    assert page.startswith("# Two Documents \\| Test (`twodocs`)")


# ---------------------------------------------------------------------------- command line


def test_cli_writes_the_page_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    """`engagerules docs FORCE` prints the page."""
    force_id = BUNDLED[0]
    assert main(["docs", force_id]) == 0
    assert capsys.readouterr().out == render_force_docs(open_force(force_id))


def test_cli_writes_the_page_to_a_file(tmp_path: Path) -> None:
    """`-o FILE` writes the page there."""
    target = tmp_path / "page.md"
    force_id = BUNDLED[0]
    assert main(["docs", force_id, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_force_docs(open_force(force_id))


def test_cli_unknown_force_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown force is one line on stderr and exit status 2, not a traceback."""
    assert main(["docs", "no-such-force"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("engagerules: error:")
    assert err.count("\n") == 1


def _entry(page: str, obligation_id: str) -> str:
    """The text of one duty's entry, from its heading to the next heading."""
    start = page.index(f"#### `{obligation_id}`")
    body = page.index("\n", start)
    following = re.search(r"^#{2,4} ", page[body:], flags=re.MULTILINE)
    end = body + following.start() if following else len(page)
    return page[start:end]


def test_a_rostered_duty_is_described_by_its_enrolled_people() -> None:
    """A duty owed by a roster judges enrolled people, active or not: the page says so,
    not "each person seen doing the activity"."""
    force = open_force("surrey")
    page = render_force_docs(force)
    assert "per person enrolled (each person from a `cadet_enrolled` record" in page
    rostered = [ob for ob in force.obligations if ob.scope.roster is not None]
    assert rostered
    assert page.count("each person seen doing the activity") == sum(
        1 for ob in force.obligations if ob.scope.per_person and ob.scope.roster is None
    )


def test_a_read_effective_date_is_labelled_a_reading_where_it_is_printed() -> None:
    """The In force line of a duty whose effective date is a reading says so, so a date we
    chose (Notts' 1 October 2022, for an undated summary) is never printed as the plan's."""
    for force_id in ("notts", "gwent"):
        force = open_force(force_id)
        page = render_force_docs(force)
        for ob in force.obligations:
            entry = page[page.index(f"#### `{ob.id}`") :]
            line = entry[entry.index("- **In force:**") :].split("\n", 1)[0]
            read = ob.readings.of(Part.EFFECTIVE) is not None
            assert ("_read_" in line) == read, (ob.id, line)
