"""Plugins that clash are errors naming both packages; a shadowed directory is noted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from engagerules.cli import main
from test_plugins import PLUGINS, fresh, run  # noqa: F401  (the fixture is used by name)


def _variant(tmp_path: Path, dist: str, entry: str) -> Path:
    """The hatchling example as another distribution, declaring `entry`."""
    source = shutil.copytree(PLUGINS / "eastshire-hatchling", tmp_path / dist)
    pyproject = source / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{dist}"', text, count=1)
    text = re.sub(r'(?m)^eastshire = "eastshire_rules"$', f'{entry} = "eastshire_rules"', text)
    pyproject.write_text(text, encoding="utf-8")
    return source


def _install(python: Path, source: Path) -> None:
    done = run(
        python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "-q", str(source),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _forces(python: Path) -> dict[str, dict[str, str]]:
    listed = run(python, "-m", "engagerules", "forces", "--format", "json")
    return {row["id"]: row for row in json.loads(listed.stdout)}


def test_one_name_from_two_packages_is_an_error_naming_both(fresh: Path, tmp_path: Path) -> None:  # noqa: F811
    """Two distributions declaring the entry point `eastshire`: listing and opening it say
    which two packages, instead of using whichever was found first. The second package's
    files overwrite the first's (one import name), so only the entry points differ."""
    _install(fresh, PLUGINS / "eastshire-hatchling")
    _install(fresh, _variant(tmp_path, "eastshire-fork", "eastshire"))
    row = _forces(fresh)["eastshire"]
    assert "eastshire-rules" in row["error"] and "eastshire-fork" in row["error"]
    opened = run(fresh, "-m", "engagerules", "obligations", "eastshire")
    assert opened.returncode == 2
    assert "eastshire-fork and eastshire-rules" in opened.stderr
    for dist in ("eastshire-fork", "eastshire-rules"):
        assert run(fresh, "-m", "pip", "uninstall", "-y", "-q", dist).returncode == 0


def test_one_force_id_under_two_names_is_an_error_naming_both(fresh: Path, tmp_path: Path) -> None:  # noqa: F811
    """A second package selecting the same force.json id under another name: both rows are
    errors naming both names, and the name to type is shown where it is not the id."""
    _install(fresh, PLUGINS / "eastshire-hatchling")
    _install(fresh, _variant(tmp_path, "eastshire-again", "eastern"))
    rows = _forces(fresh)
    assert "declared by" in rows["eastshire"]["error"]
    assert "eastern" in rows["eastern"]["error"] and "eastshire" in rows["eastern"]["error"]
    for dist in ("eastshire-again", "eastshire-rules"):
        assert run(fresh, "-m", "pip", "uninstall", "-y", "-q", dist).returncode == 0


def test_a_plugin_under_another_name_says_the_name_to_type(fresh: Path, tmp_path: Path) -> None:  # noqa: F811
    """A plugin whose entry-point name differs from its force id lists the name to type."""
    _install(fresh, _variant(tmp_path, "eastshire-renamed", "east"))
    row = _forces(fresh)["eastshire"]
    assert row["select"] == "east" and "error" not in row
    text = run(fresh, "-m", "engagerules", "forces").stdout
    assert "select it as 'east'" in text
    assert run(fresh, "-m", "pip", "uninstall", "-y", "-q", "eastshire-renamed").returncode == 0


def test_a_directory_named_like_a_bundled_force_is_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gwent` selects the bundled force even with ./gwent here, and says so; `./gwent`
    selects the directory."""
    here = Path(__file__).resolve().parent.parent / "forces" / "gwent"
    shutil.copytree(here, tmp_path / "gwent")
    monkeypatch.chdir(tmp_path)
    assert main(["obligations", "gwent", "--format", "json"]) == 0
    assert "the directory ./gwent is not used" in capsys.readouterr().err
    assert main(["obligations", "./gwent", "--format", "json"]) == 0
    assert "not used" not in capsys.readouterr().err
