"""The worked plugin example (docs/writing-a-force.md), built with setuptools and with
hatchling, installs into a fresh virtual environment and is listed valid by `forces`.

To stay fast and offline, the fresh environment borrows engagerules, pip and the build
backends from the running one through a `.pth` file, and pip builds the plugin with
`--no-build-isolation --no-deps`: only the plugin itself is installed into it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PLUGINS = Path(__file__).parent / "fixtures" / "plugins"
EXAMPLES = [("northshire-setuptools", "northshire"), ("eastshire-hatchling", "eastshire")]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment whose own site-packages holds nothing but a path file."""
    home = tmp_path_factory.mktemp("venv") / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    # `import` lines of a path file run at start-up: addsitedir also reads the borrowed
    # directory's own path files (the editable install of engagerules is one).
    lines = [f"import site; site.addsitedir({path!r})" for path in sorted(ours)]
    (Path(purelib) / "_borrowed.pth").write_text("\n".join(lines) + "\n")
    return python


def run(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.parametrize(("example", "name"), EXAMPLES)
def test_plugin_example_installs_and_is_listed_valid(
    fresh: Path, tmp_path: Path, example: str, name: str
) -> None:
    """Built and installed, the force is listed valid and its scenarios pass with --strict."""
    source = shutil.copytree(PLUGINS / example, tmp_path / example)  # builds leave files
    before = run(fresh, "-m", "engagerules", "forces", "--format", "json")
    assert name not in {row["id"] for row in json.loads(before.stdout)}
    installed = run(
        fresh, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "-q", str(source),
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    listed = run(fresh, "-m", "engagerules", "forces", "--format", "json")
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    assert "error" not in rows[name], rows[name]
    assert rows[name]["origin"] == f"plugin:{name}-rules"
    text = run(fresh, "-m", "engagerules", "forces").stdout
    line = next(line for line in text.splitlines() if line.startswith(name))
    assert "INVALID" not in line and "1 obligations" in line
    tested = run(fresh, "-m", "engagerules", "test", name, "--strict")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.strip() == f"{name}: 1 passed, 0 failed"
