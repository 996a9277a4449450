"""`validate` catches what only scenarios caught: attributes a rule cannot read, quotes not
in the plan, broken scenario files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engagerules.cli import main
from engagerules.sources.config import validate_file

FORCES = Path(__file__).resolve().parent.parent / "forces"


@pytest.fixture
def northshire(tmp_path: Path) -> Path:
    """A scaffolded force, with an attribute-rich event type to misuse."""
    assert main(["new", "northshire", "--dir", str(tmp_path)]) == 0
    home = tmp_path / "northshire"
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    raw["event_types"] = [
        {
            "id": "walkabout",
            "title": "Walkabout",
            "attrs": {"notes": "what was seen"},
            "attributes": {
                "hours": {"type": "number"},
                "venue": {"type": "text"},
                "kind": {"type": "code", "codes": {"foot": "On foot", "cycle": "By cycle"}},
                "held_on": {"type": "date"},
            },
        }
    ]
    _write(home, raw)
    return home


def _write(home: Path, raw: dict[str, Any]) -> None:
    (home / "force.json").write_text(json.dumps(raw), encoding="utf-8")


def _edit(home: Path, change: dict[str, Any], *, kind: str | None = None) -> list[str]:
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    ob = raw["obligations"][0]
    if kind is not None:
        ob["kind"] = kind
        ob.pop("cadence", None) if kind == "triggered" else None
    for path, value in change.items():
        target = ob
        *head, last = path.split(".")
        for key in head:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    _write(home, raw)
    return [f"{p.where}: {p.message}" for p in validate_file(home)]


@pytest.mark.parametrize(
    ("change", "located", "words"),
    [
        ({"evidence.0.sum": "venue"}, "evidence[0].sum", "declares as text, not integer or number"),
        ({"evidence.0.sum": "hour"}, "evidence[0].sum", "did you mean 'hours'"),
        ({"evidence.0.distinct": "venu"}, "evidence[0].distinct", "did you mean 'venue'"),
        (
            {"evidence.0.where": [{"attr": "hours", "min": 1}, {"attr": "venue", "max": 3}]},
            "evidence[0].where[1].attr",
            "declares as text",
        ),
        (
            {"evidence.0.where": [{"attr": "kind", "in": ["foot", "bike"]}]},
            "evidence[0].where[0].in",
            "'bike' is not a declared code of 'kind'",
        ),
        (
            {"evidence.0.for_period": {"attr": "hours", "grace": "P7D"}},
            "evidence[0].for_period",
            "declares as number",
        ),
    ],
)
def test_a_rule_reading_an_attribute_it_cannot_use_is_refused(
    northshire: Path, change: dict[str, Any], located: str, words: str
) -> None:
    """Each misuse is a problem at its JSON path, saying what the declaration is."""
    problems = _edit(northshire, change)
    assert any(located in p and words in p for p in problems), problems


def test_a_constraint_requiring_a_misspelt_attribute_is_refused(northshire: Path) -> None:
    """Every record would be a breach: the misspelling is caught instead."""
    raw = json.loads((northshire / "force.json").read_text(encoding="utf-8"))
    ob = raw["obligations"][0]
    ob.update(kind="constraint", require=[{"attr": "venu", "present": True}])
    ob.pop("cadence")
    _write(northshire, raw)
    problems = [f"{p.where}: {p.message}" for p in validate_file(northshire)]
    assert any("require[0].attr" in p and "did you mean 'venue'" in p for p in problems)


def test_a_deadline_read_from_text_is_refused(northshire: Path) -> None:
    """`deadline_attr` must be a date or timestamp the trigger's type declares."""
    raw = json.loads((northshire / "force.json").read_text(encoding="utf-8"))
    ob = raw["obligations"][0]
    ob.update(kind="triggered", trigger={"types": ["walkabout"], "deadline_attr": "venue"})
    ob.pop("cadence")
    _write(northshire, raw)
    problems = [f"{p.where}: {p.message}" for p in validate_file(northshire)]
    assert any("trigger.deadline_attr" in p and "not date or timestamp" in p for p in problems)


def test_correct_reads_are_valid(northshire: Path) -> None:
    """The same keys over attributes of the right type raise nothing."""
    assert _edit(northshire, {"evidence.0.sum": "hours", "evidence.0.where": [
        {"attr": "kind", "in": ["foot"]}, {"attr": "hours", "min": 1}]}) == []  # fmt: skip


def test_a_missing_quote_is_a_problem(northshire: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without the plan's words the reviewer's page has nothing to show: exit 1, located."""
    raw = json.loads((northshire / "force.json").read_text(encoding="utf-8"))
    del raw["obligations"][0]["source"]["quote"]
    _write(northshire, raw)
    assert main(["validate", str(northshire)]) == 1
    assert "$.obligations[0].source: no quote" in capsys.readouterr().err


def test_a_quote_not_in_its_document_is_a_problem(
    northshire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The document is beside force.json, so the quote is looked for, and not found."""
    raw = json.loads((northshire / "force.json").read_text(encoding="utf-8"))
    raw["obligations"][0]["source"]["quote"] = "A walkabout in every ward each day."
    _write(northshire, raw)
    assert main(["validate", str(northshire)]) == 1
    assert "source.quote: the quote is not in example-plan.txt" in capsys.readouterr().err


def test_a_document_not_at_hand_is_said_not_verified(
    northshire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the document, validate passes but says the quotes were not verified."""
    (northshire / "example-plan.txt").unlink()
    assert main(["validate", str(northshire)]) == 0
    assert "example-plan.txt: not found" in capsys.readouterr().err


def test_a_broken_scenario_file_is_a_problem(
    northshire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario expecting an unknown obligation is caught by validate, not first by test."""
    scenario = {
        "name": "expects a duty that does not exist",
        "from": "2026-01-05",
        "to": "2026-01-11",
        "as_of": "2026-01-12T00:00:00Z",
        "events": [],
        "expect": [{"obligation": "nope", "status": "met"}],
    }
    (northshire / "tests" / "broken.json").write_text(
        json.dumps({"scenarios": [scenario]}), encoding="utf-8"
    )
    assert main(["validate", str(northshire)]) == 1
    assert "unknown obligation 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("force", ["gwent", "dorset", "surrey", "notts"])
def test_bundled_forces_are_valid_with_their_documents(
    force: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the seeds at hand every bundled quote is found and every scenario file reads."""
    from conftest import SEEDS

    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not here")
    monkeypatch.setenv("ENGAGERULES_DOCUMENTS", str(SEEDS))
    assert main(["validate", str(FORCES / force)]) == 0
    assert "not verified" not in capsys.readouterr().err
