"""People pseudonymised at the door: a keyed hash, a refused profile without a key."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from engagerules import ConfigError, UsageError, open_force
from engagerules.sources.importer import import_events, open_profile
from engagerules.sources.profiles import validate_profile
from engagerules.sources.pseudonyms import pseudonym

GWENT = open_force("gwent")


def write_profile(folder: Path, pseudonymise: dict[str, str] | None) -> Path:
    raw: dict[str, Any] = {
        "profile": "test.people",
        "force": "gwent",
        "source": {"format": "csv"},
        "fields": {
            "type": {"value": "foot_patrol"},
            "at": {"column": "When", "format": "%d/%m/%Y %H:%M"},
            "person": {"column": "Officer"},
        },
    }
    if pseudonymise is not None:
        raw["pseudonymise"] = pseudonymise
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "people.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def write_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "log.csv"
    path.write_text(
        "When,Officer\n03/10/2022 10:00,Alex Example\n04/10/2022 10:00,alex  EXAMPLE\n"
        "05/10/2022 10:00,Sam Sample\n",
        encoding="utf-8",
    )
    return path


def test_pseudonym_is_hmac_sha256_of_the_normalised_name() -> None:
    """The pseudonym is p- and 20 hex digits of HMAC-SHA256(key, name), case and spacing aside."""
    key = b"0123456789abcdef"
    expected = hmac.new(key, b"alex example", hashlib.sha256).hexdigest()[:20]
    assert pseudonym(key, "Alex Example") == f"p-{expected}"
    assert pseudonym(key, "  ALEX\tExample ") == f"p-{expected}"
    assert pseudonym(b"fedcba9876543210", "Alex Example") != f"p-{expected}"


def test_a_person_column_without_a_key_is_refused(tmp_path: Path) -> None:
    """A profile mapping a person with no $.pseudonymise is invalid, located at the field."""
    path = write_profile(tmp_path, None)
    (problem,) = validate_profile(path)
    assert problem.where == f"{path}: $.fields.person"
    assert "names no key" in problem.message
    with pytest.raises(ConfigError):
        open_profile(path, GWENT, [], {})


def test_a_key_that_cannot_be_found_is_refused(tmp_path: Path) -> None:
    """A stated key that is not set (nor its file present) stops the import, saying where."""
    path = write_profile(tmp_path / "profiles", {"key_env": "NO_SUCH_KEY_VAR"})
    with pytest.raises(UsageError, match="set the environment variable NO_SUCH_KEY_VAR"):
        open_profile(path, GWENT, [], {})
    path = write_profile(tmp_path / "profiles", {"key_file": str(tmp_path / "keys/none.key")})
    with pytest.raises(UsageError, match="no key file"):
        open_profile(path, GWENT, [], {})


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    """A key under 16 bytes is refused rather than used."""
    path = write_profile(tmp_path, {"key_env": "K"})
    with pytest.raises(UsageError, match="shorter than 16 bytes"):
        open_profile(path, GWENT, [], {"K": "short"})


def test_a_key_file_beside_the_data_is_refused(tmp_path: Path) -> None:
    """A key file in the export's own folder protects nothing, so it is refused."""
    data = write_export(tmp_path / "exports")
    key = tmp_path / "exports" / "pseudonym.key"
    key.write_text("a-key-of-sixteen-bytes-or-more\n", encoding="utf-8")
    path = write_profile(tmp_path / "profiles", {"key_file": str(key)})
    with pytest.raises(UsageError, match="same folder as the data"):
        open_profile(path, GWENT, [str(data)], {})


def test_a_key_file_apart_from_the_data_pseudonymises(tmp_path: Path) -> None:
    """With the key in its own folder, people become stable pseudonyms and no name remains."""
    data = write_export(tmp_path / "exports")
    key_file = tmp_path / "keys" / "pseudonym.key"
    key_file.parent.mkdir()
    key_file.write_text("a-key-of-sixteen-bytes-or-more\n", encoding="utf-8")
    path = write_profile(tmp_path / "profiles", {"key_file": str(key_file)})
    profile, key = open_profile(path, GWENT, [str(data)], {})
    assert key == b"a-key-of-sixteen-bytes-or-more"
    log = import_events(profile, GWENT, [str(data)], key=key).log
    people = [e.person for e in log.events]
    assert people[0] == people[1] != people[2]
    assert people[0] == pseudonym(key, "Alex Example")
    text = repr([(e.id, e.person, dict(e.attrs)) for e in log.events]).lower()
    assert "alex" not in text and "sample" not in text


def test_rotating_the_key_changes_pseudonyms_and_hashed_ids(tmp_path: Path) -> None:
    """A new key gives every person a new pseudonym, and so every hashed id a new value."""
    data = write_export(tmp_path / "exports")
    path = write_profile(tmp_path / "profiles", {"key_env": "K"})
    before, key1 = open_profile(path, GWENT, [str(data)], {"K": "the-old-key-0123456789"})
    _, key2 = open_profile(path, GWENT, [str(data)], {"K": "the-new-key-9876543210"})
    old = import_events(before, GWENT, [str(data)], key=key1).log.events
    new = import_events(before, GWENT, [str(data)], key=key2).log.events
    assert {e.person for e in old}.isdisjoint({e.person for e in new})
    assert {e.id for e in old}.isdisjoint({e.id for e in new})
    assert [e.at for e in old] == [e.at for e in new]


def test_bad_values_raise_engagerules_errors(tmp_path: Path) -> None:
    """The import API refuses bad values with EngageRulesErrors, never another exception."""
    import engagerules as er

    data = write_export(tmp_path / "exports")
    path = write_profile(tmp_path / "profiles", {"key_env": "K"})
    profile, _ = open_profile(path, GWENT, [str(data)], {"K": "0123456789abcdef"})
    calls = {
        "pseudonym short key": lambda: er.pseudonym(b"short", "x"),
        "pseudonym text key": lambda: er.pseudonym("0123456789abcdef", "x"),  # type: ignore[arg-type]
        "import without the key": lambda: er.import_events(profile, GWENT, [str(data)]),
        "import a missing file": lambda: er.import_events(
            profile, GWENT, [str(tmp_path / "none.csv")], key=b"0123456789abcdef"
        ),
        "explain a missing row": lambda: er.explain_row(
            profile, GWENT, str(data), 99, key=b"0123456789abcdef"
        ),
        "load a missing profile": lambda: er.load_profile(tmp_path / "none.json"),
    }
    leaks = {}
    for name, call in calls.items():
        try:
            call()
        except er.EngageRulesError:
            continue
        except Exception as exc:  # collecting what leaks is the test
            leaks[name] = f"{type(exc).__name__}: {exc}"
        else:
            leaks[name] = "accepted"
    assert leaks == {}


def test_a_constant_person_is_pseudonymised_too(tmp_path: Path) -> None:
    """A person given as a constant (one officer's own log) is hashed like a column."""
    data = write_export(tmp_path / "exports")
    path = write_profile(tmp_path / "profiles", {"key_env": "K"})
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["fields"]["person"] = {"value": "Alex Example"}
    path.write_text(json.dumps(raw), encoding="utf-8")
    profile, key = open_profile(path, GWENT, [str(data)], {"K": "0123456789abcdef"})
    assert key is not None
    log = import_events(profile, GWENT, [str(data)], key=key).log
    assert {e.person for e in log.events} == {pseudonym(key, "Alex Example")}
