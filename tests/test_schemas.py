"""`engagerules schema`: what an editor or another program validates with is what the tool means."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import FIXTURES
from engagerules import (
    agenda,
    agenda_json,
    evaluate,
    obligation_json,
    open_force,
    report_json,
    schedule,
    simulate,
)
from engagerules.authoring.schemas import OUTPUTS, force_schema, kind_schema, output_schema
from engagerules.cli import main
from engagerules.outputs.shapes import due_json

FORCES = Path(__file__).resolve().parent.parent / "forces"
BUNDLED = sorted(p.name for p in FORCES.iterdir() if (p / "force.json").exists())


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance)]


def _printed(args: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    assert main(["schema", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("force", BUNDLED)
def test_every_bundled_force_is_valid_against_the_printed_schema(
    force: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor given `engagerules schema` shows no error on any bundled force.json."""
    printed = _printed([], capsys)
    jsonschema.Draft202012Validator.check_schema(printed)
    raw = json.loads((FORCES / force / "force.json").read_text(encoding="utf-8"))
    assert _errors(printed, raw) == []


def test_the_printed_schema_still_refuses_a_key_of_another_kind() -> None:
    """Composed, not loosened: a recurring duty with a trigger is an error, as in `validate`."""
    raw = json.loads((FORCES / "gwent" / "force.json").read_text(encoding="utf-8"))
    recurring = next(ob for ob in raw["obligations"] if ob["kind"] == "recurring")
    recurring["trigger"] = {"types": ["tweet"], "within": "P1D"}
    assert _errors(force_schema(), raw)


@pytest.mark.parametrize("force", BUNDLED)
def test_each_obligation_is_valid_against_its_kinds_schema(force: str) -> None:
    """`schema --kind K` validates every bundled obligation of kind K, and refuses one of
    another kind."""
    raw = json.loads((FORCES / force / "force.json").read_text(encoding="utf-8"))
    for ob in raw["obligations"]:
        schema = kind_schema(ob["kind"])
        assert _errors(schema, ob) == [], ob["id"]
        other = "advisory" if ob["kind"] != "advisory" else "recurring"
        assert _errors(kind_schema(other), ob), ob["id"]


def test_profiles_and_overrides_are_valid_against_their_printed_schemas(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every bundled import profile and the overrides fixture validate against `schema
    --profile` and `schema --overrides`."""
    profile = _printed(["--profile"], capsys)
    profiles = sorted(FORCES.glob("*/profiles/*.json"))
    assert profiles
    for path in profiles:
        assert _errors(profile, json.loads(path.read_text(encoding="utf-8"))) == [], path
    overrides = _printed(["--overrides"], capsys)
    fixture = FIXTURES / "overrides" / "gwent-fortnightly.json"
    assert _errors(overrides, json.loads(fixture.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("force", BUNDLED)
def test_every_json_output_validates_against_its_published_schema(force: str) -> None:
    """The JSON of check, obligations, schedule, forces and agenda for a simulated quarter of
    each force validates against `schema --output`; the schemas are closed, so a key the
    shape does not define would fail."""
    loaded = open_force(force)
    start, end = date(2023, 1, 1), date(2023, 3, 31)
    records = simulate(loaded, start, end, events=600, compliance=0.7, seed=4)
    as_of = datetime(2023, 3, 20, 12, tzinfo=UTC)
    from engagerules import parse_events

    log = parse_events((("sim.jsonl", i + 1, r) for i, r in enumerate(records)), loaded)
    report = report_json(evaluate(loaded, log, start, end, as_of))
    outputs: dict[str, Any] = {
        "check": report,
        "obligations": [obligation_json(ob) for ob in loaded.obligations],
        "schedule": [due_json(d) for d in schedule(loaded, start, end)],
        "agenda": agenda_json(agenda(loaded, log, as_of, days=7), loaded),
    }
    for name, value in outputs.items():
        instance = json.loads(json.dumps(value))
        assert _errors(output_schema(name), instance) == [], name
    assert report["results"], "the check output was exercised"
    report_copy = json.loads(json.dumps(report))
    report_copy["results"][0]["surprise"] = 1
    assert _errors(output_schema("check"), report_copy)


def test_forces_output_validates(capsys: pytest.CaptureFixture[str]) -> None:
    """`forces --format json` validates against `schema --output forces`."""
    assert main(["forces", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and _errors(output_schema("forces"), listed) == []
    assert set(OUTPUTS) >= {"check", "obligations", "schedule", "forces", "agenda"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "recurrin"], "did you mean 'recurring'"),
        (["--output", "chek"], "did you mean 'check'"),
    ],
)
def test_an_unknown_kind_or_shape_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt kind or output shape is a usage error with a suggestion."""
    assert main(["schema", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
