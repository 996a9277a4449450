"""`engagerules new`: a force to start from validates, passes its scenario and installs."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from engagerules.authoring.scaffold import EXAMPLE_DOCUMENT
from engagerules.cli import main
from test_plugins import fresh, run  # noqa: F401  (the fixture is used by name)


def _quote_in_document(home: Path) -> None:
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    for ob in raw["obligations"]:
        text = (home / ob["source"]["document"]).read_text(encoding="utf-8")
        assert ob["source"]["quote"] in text


def test_a_new_force_validates_and_passes_its_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The scaffold is valid, its one scenario passes, its quote is in its example plan, and
    the schema it points its editor at finds no error in it."""
    assert main(["new", "northshire", "--dir", str(tmp_path)]) == 0
    home = tmp_path / "northshire"
    assert main(["validate", str(home)]) == 0
    assert main(["test", str(home), "--strict"]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    schema = json.loads((home / raw["$schema"]).read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(raw)) == []
    _quote_in_document(home)


def test_the_scenario_would_fail_if_the_duty_were_wrong(tmp_path: Path) -> None:
    """The example scenario is a real test: a duty that needs two walkabouts fails it."""
    assert main(["new", "northshire", "--dir", str(tmp_path)]) == 0
    home = tmp_path / "northshire"
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    raw["obligations"][0]["evidence"][0]["min"] = 2
    (home / "force.json").write_text(json.dumps(raw), encoding="utf-8")
    assert main(["test", str(home)]) == 1


def test_the_plan_given_is_copied_and_declared(tmp_path: Path) -> None:
    """`--document` copies the force's own plan beside force.json and declares it, so quotes
    from it can be checked."""
    plan = tmp_path / "plan.txt"
    plan.write_text("Our plan.\n\nPatrol each ward weekly.\n", encoding="utf-8")
    assert main(["new", "westshire", "--dir", str(tmp_path), "--document", str(plan)]) == 0
    home = tmp_path / "westshire"
    assert (home / "plan.txt").read_text(encoding="utf-8") == plan.read_text(encoding="utf-8")
    raw = json.loads((home / "force.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in raw["documents"]] == [EXAMPLE_DOCUMENT, "plan.txt"]
    assert main(["validate", str(home)]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "North Shire"], "a force id is lower-case"),
        (["new", "ok", "--document", "/nonexistent/plan.txt"], "no such document"),
    ],
)
def test_bad_requests_write_nothing(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad id or a missing document is one line, exit 2, and nothing written."""
    assert main([*args, "--dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_never_overwritten(tmp_path: Path) -> None:
    """A second `new` of the same force refuses rather than replace someone's work."""
    assert main(["new", "northshire", "--dir", str(tmp_path)]) == 0
    before = (tmp_path / "northshire" / "force.json").read_text(encoding="utf-8")
    assert main(["new", "northshire", "--dir", str(tmp_path)]) == 2
    assert (tmp_path / "northshire" / "force.json").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("backend", ["setuptools", "hatchling"])
def test_a_new_plugin_installs_and_passes(fresh: Path, tmp_path: Path, backend: str) -> None:  # noqa: F811
    """Built and installed with either backend, the scaffolded plugin is listed valid under
    its entry-point name and its scenario passes with --strict."""
    name = f"new{backend[:4]}"
    assert main(["new", name, "--dir", str(tmp_path), "--plugin", backend]) == 0
    root = tmp_path / f"{name}-rules"
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["entry-points"]["engagerules.forces"] == {name: f"{name}_rules"}
    installed = run(
        fresh, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "-q", str(root),
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    tested = run(fresh, "-m", "engagerules", "test", name, "--strict")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.strip() == f"{name}: 1 passed, 0 failed"
    uninstalled = run(fresh, "-m", "pip", "uninstall", "-y", "-q", f"{name}-rules")
    assert uninstalled.returncode == 0, uninstalled.stderr
