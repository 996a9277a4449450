"""The wheel carries the bundled forces, the schema and py.typed, and works on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("engagerules-*.whl")
    return built


def test_wheel_contains_forces_schema_and_types(wheel: Path) -> None:
    """Every bundled force.json, its scenarios, the schema and py.typed are in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for force_dir in (ROOT / "forces").iterdir():
        if (force_dir / "force.json").is_file():
            assert f"engagerules/forces/{force_dir.name}/force.json" in names
    assert "engagerules/forces/gwent/tests/weekly.json" in names
    assert "engagerules/sources/schema/force.schema.json" in names
    assert "engagerules/sources/schema/profile.schema.json" in names
    assert "engagerules/forces/surrey/profiles/samples/cadet-hours-2022q4.xlsx" in names
    assert "engagerules/py.typed" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_wheel_runs_the_demo_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    """Unpacked alone and run from another directory, the demo finds its bundled force."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONSAFEPATH="1")
    probe = subprocess.run(
        [sys.executable, "-c", "import engagerules, sys; print(engagerules.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert probe.stdout.startswith(str(site)), "the test must exercise the wheel, not the checkout"
    demo = subprocess.run(
        [sys.executable, "-m", "engagerules", "demo"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert "MISSED" in demo.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "engagerules", "test", "gwent"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
