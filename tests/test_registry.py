"""Finding forces: bundled, installed plugins (entry points) and directories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, forget_modules_under
from engagerules import UnknownForceError, available_forces, find_force, open_force


def make_plugin(site: Path, entry: str = "westshire_rules") -> None:
    """An installed distribution, as pip would leave it: a package and its dist-info."""
    package = site / "westshire_rules"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Westshire force rules."""\n')
    raw = json.loads((FIXTURES / "mini" / "force.json").read_text())
    raw["id"] = "westshire"
    raw["name"] = "Westshire Police (plugin)"
    (package / "force.json").write_text(json.dumps(raw))
    info = site / "westshire_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: westshire-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[engagerules.forces]\nwestshire = {entry}\n")
    (info / "RECORD").write_text("")


def test_bundled_force_found_by_name() -> None:
    """gwent is bundled and found first by name."""
    source = find_force("gwent")
    assert source.origin == "bundled"
    assert (source.path / "force.json").is_file()


def test_installed_plugin_is_found_by_entry_point(plugin_site: Path) -> None:
    """A package declaring `engagerules.forces` is listed and loads, with no core change."""
    make_plugin(plugin_site)
    names = {s.name: s.origin for s in available_forces()}
    assert names["westshire"] == "plugin:westshire-rules"
    force = open_force("westshire")
    assert force.name == "Westshire Police (plugin)"
    assert len(force.obligations) > 5


def test_plugin_works_from_the_command_line(tmp_path: Path) -> None:
    """The installed plugin answers `engagerules obligations westshire` in a fresh process."""
    make_plugin(tmp_path)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(Path(__file__).parents[1] / "src")]),
    )
    done = subprocess.run(
        [sys.executable, "-m", "engagerules", "obligations", "westshire", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {o["id"] for o in json.loads(done.stdout)} >= {"mini.weekly-tweet"}


def test_broken_plugin_is_reported_not_raised(plugin_site: Path) -> None:
    """A plugin whose module cannot be imported is an UnknownForceError naming it."""
    make_plugin(plugin_site, entry="no_such_module")
    with pytest.raises(UnknownForceError, match=r"westshire.*failed to load"):
        open_force("westshire")


def test_force_by_directory_path(tmp_path: Path) -> None:
    """A path to a directory holding force.json is a force too."""
    target = tmp_path / "mine"
    shutil.copytree(FIXTURES / "mini", target)
    assert open_force(str(target)).id == "mini"
    assert find_force(str(target / "force.json")).origin == "directory"


def test_unknown_force_lists_what_exists() -> None:
    """The error names the bundled forces a user could have meant."""
    with pytest.raises(UnknownForceError, match="gwent"):
        find_force("gwnet")


def test_a_plugin_loaded_in_process_is_forgotten_with_its_site(
    plugin_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once its site is forgotten, the same plugin package installed elsewhere is found there."""
    make_plugin(plugin_site)
    assert find_force("westshire").path == plugin_site / "westshire_rules"
    assert forget_modules_under(plugin_site) == ["westshire_rules"]
    again = tmp_path / "again"
    monkeypatch.syspath_prepend(str(again))
    make_plugin(again)
    try:
        assert find_force("westshire").path == again / "westshire_rules"
    finally:
        forget_modules_under(again)
