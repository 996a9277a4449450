"""Import profiles as data: the shipped schema, and every problem located by JSON path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engagerules import UsageError
from engagerules.sources.profiles import Rule, Source, Times, profile_schema, validate_profile


def write(tmp_path: Path, raw: Any) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


BASE: dict[str, Any] = {
    "profile": "t.p",
    "force": "gwent",
    "source": {"format": "csv"},
    "fields": {"type": {"value": "tweet"}, "at": {"column": "When", "format": "%d/%m/%Y"}},
}


def test_the_schema_is_shipped_and_itself_valid() -> None:
    """The profile schema loads from the package and is a valid draft 2020-12 schema."""
    schema = profile_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["title"] == "engagerules import profile"


def test_a_minimal_profile_is_valid(tmp_path: Path) -> None:
    """A constant type and a date column are enough; no person, so no key is needed."""
    assert validate_profile(write(tmp_path, BASE)) == []


def test_every_schema_problem_is_located(tmp_path: Path) -> None:
    """Each problem names the file and the JSON path, all of them at once."""
    raw = json.loads(json.dumps(BASE))
    raw["source"] = {"format": "sql"}
    raw["fields"]["scope"] = {"column": "A", "value": "x"}
    raw["times"] = {"ambiguous": "guess"}
    raw["extra"] = 1
    path = write(tmp_path, raw)
    found = {str(p) for p in validate_profile(path)}
    assert f"{path}: $: Additional properties are not allowed ('extra' was unexpected)" in found
    assert f"{path}: $.source: 'query' is required" in found
    assert any(p.startswith(f"{path}: $.times.ambiguous: 'guess' is not one of") for p in found)
    assert (
        f"{path}: $.fields.scope: give exactly one of 'column', 'columns', 'value' "
        "(has 'column', 'value')" in found
    )


def test_semantic_problems_are_located(tmp_path: Path) -> None:
    """Unknown maps, bad zones and formats, clashing spellings and mapped people are caught."""
    raw = json.loads(json.dumps(BASE))
    raw["times"] = {"zone": "Europe/Londres"}
    raw["fields"]["at"]["format"] = ["%d/%m/%Y", "dd/mm/yyyy"]
    raw["fields"]["scope"] = {"column": "A", "map": "acounts"}
    raw["fields"]["person"] = {"column": "Who", "map": "accounts"}
    raw["maps"] = {"accounts": {"values": {"Bargoed": "bargoed", " bargoed ": "rhymney"}}}
    path = write(tmp_path, raw)
    found = {p.where.removeprefix(f"{path}: "): p.message for p in validate_profile(path)}
    assert found["$.times.zone"].startswith("'Europe/Londres' is not an IANA time zone")
    assert found["$.fields.at.format[1]"].startswith("'dd/mm/yyyy' is not a strptime format")
    assert found["$.fields.scope.map"] == "no map 'acounts' in $.maps (did you mean 'accounts'?)"
    assert found["$.fields.person.map"].startswith("a person is never mapped")
    assert "names no key" in found["$.fields.person"]
    assert found['$.maps.accounts.values[" bargoed "]'].startswith("same as 'Bargoed'")


def test_not_json_is_one_located_problem(tmp_path: Path) -> None:
    """A profile that is not JSON is reported with its line and column."""
    path = tmp_path / "profile.json"
    path.write_text('{"profile": "x",\n  oops}', encoding="utf-8")
    (problem,) = validate_profile(path)
    assert problem.where == f"{path}:2:3"
    assert problem.message.startswith("not valid JSON")


@pytest.mark.parametrize(
    ("literal", "words"),
    [("NaN", "NaN"), ("1e400", "1e400"), ("9" * 400, "digits")],
)
def test_numbers_json_cannot_carry_are_located_in_a_profile(
    tmp_path: Path, literal: str, words: str
) -> None:
    """A profile read as configurations are: a number JSON cannot carry is one problem at
    its JSON path, not a value the importer computes with (nor a traceback)."""
    path = tmp_path / "profile.json"
    path.write_text('{"profile": "x", "skip_rows": ' + literal + "}", encoding="utf-8")
    (problem,) = validate_profile(path)
    assert problem.where == f"{path}: $.skip_rows"
    assert words in problem.message


def test_profile_nested_past_the_limit_names_file_and_line(tmp_path: Path) -> None:
    """Nesting the parser cannot follow is one problem naming the file and its line."""
    path = tmp_path / "profile.json"
    path.write_text('{"profile": "x",\n "maps": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    (problem,) = validate_profile(path)
    assert str(path) in problem.where and ":2" in problem.where


def test_profile_values_check_themselves() -> None:
    """Built by hand, profile values refuse what the schema would, naming field and value."""
    with pytest.raises(UsageError, match=r"Times\.ambiguous: 'guess' is not one of"):
        Times(ambiguous="guess")
    with pytest.raises(UsageError, match=r"Rule\.case: 'upper' is not one of"):
        Rule(case="upper")
    with pytest.raises(UsageError, match=r"Source\.batch: 0 is not a whole number >= 1"):
        Source(format="sql", batch=0)
    assert Rule(case="sensitive", whitespace="trim")(" A  b ") == "A  b"
