"""`engagerules new`: a force that validates and passes its one scenario before it is edited.

A developer at a force that is not bundled starts from something that works: a force.json
with one duty citing the words of a small example plan, a scenario with one window met and
one missed, the composed JSON Schema beside it for the editor, and (with `--document`) the
force's own plan copied in so its quotes can be checked as the bundled forces' are. With
`--plugin`, the same inside a package with the build backend's own way of shipping data.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from engagerules.authoring.schemas import force_schema
from engagerules.errors import UsageError

__all__ = ["BACKENDS", "EXAMPLE_DOCUMENT", "new_force"]

#: The build backends a plugin may be scaffolded for (docs/writing-a-force.md, Plugins).
BACKENDS = ("setuptools", "hatchling")
#: The example plan every scaffold carries, so the example duty's quote can be verified.
EXAMPLE_DOCUMENT = "example-plan.txt"
_EXAMPLE_PLAN = """Example neighbourhood engagement plan

Weekly

A walkabout in every ward each week by the neighbourhood team.

(Replace this file's duty with your own plan's words, or cite your own document instead.)
"""
_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def _force(force_id: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": "force.schema.json",
        "id": force_id,
        "name": f"{force_id.replace('-', ' ').title()} Police",
        "description": f"Made by `engagerules new {force_id}`: edit it to encode your plan.",
        "timezone": "Europe/London",
        "documents": documents,
        "units": [
            {"id": "north", "name": "North", "kind": "ward"},
            {"id": "south", "name": "South", "kind": "ward"},
        ],
        "roles": [
            {"id": "NPT", "title": "Neighbourhood team"},
            {"id": "PCSO", "title": "Police Community Support Officer", "member_of": ["NPT"]},
        ],
        "event_types": [{"id": "walkabout", "title": "Walkabout"}],
        "obligations": [
            {
                "id": f"{force_id}.weekly-walkabout",
                "title": "A walkabout in every ward each week",
                "kind": "recurring",
                "cadence": "P1W",
                "owner": "NPT",
                "scope": {"per": "ward"},
                "evidence": [{"types": ["walkabout"]}],
                "stated": {
                    "cadence": "each week",
                    "units": "in every ward",
                    "threshold": "A walkabout",
                    "owner": "by the neighbourhood team",
                    "evidence": "A walkabout",
                },
                "source": {
                    "document": EXAMPLE_DOCUMENT,
                    "section": "Weekly",
                    "quote": "A walkabout in every ward each week by the neighbourhood team.",
                },
            }
        ],
    }


def _scenario(force_id: str) -> dict[str, Any]:
    duty = f"{force_id}.weekly-walkabout"
    return {
        "scenarios": [
            {
                "name": "a walkabout in North meets the week; none in South misses it",
                "from": "2026-01-05",
                "to": "2026-01-11",
                "as_of": "2026-01-12T09:00:00Z",
                "events": [
                    {
                        "id": "w1",
                        "type": "walkabout",
                        "at": "2026-01-06T10:00:00Z",
                        "scope": "north",
                        "role": "PCSO",
                    }
                ],
                "expect": [
                    {"obligation": duty, "scope": "north", "status": "met", "evidence": ["w1"]},
                    {"obligation": duty, "scope": "south", "status": "missed"},
                ],
            }
        ]
    }


def _pyproject(force_id: str, package: str, backend: str) -> str:
    head = f"""[project]
name = "{force_id}-rules"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["engagerules"]

[project.entry-points."engagerules.forces"]
{force_id} = "{package}"
"""
    if backend == "setuptools":
        return (
            '[build-system]\nrequires = ["setuptools>=70.1"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            + head
            + f'\n[tool.setuptools.package-data]\n{package} = ["*.json", "*.txt", "tests/*.json"]\n'
        )
    return (
        '[build-system]\nrequires = ["hatchling>=1.21"]\nbuild-backend = "hatchling.build"\n\n'
        + head
        + f'\n[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n'
    )


def _dump(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def new_force(
    force_id: str, where: Path, *, document: Path | None = None, plugin: str | None = None
) -> Path:
    """Write a new force under `where` and return its directory (the one holding force.json).

    Refuses (`UsageError`) an id that is not a lower-case slug, a directory that exists, an
    unknown backend or a document that cannot be read, before writing anything."""
    if not _ID.match(force_id):
        msg = f"{force_id!r}: a force id is lower-case letters, digits and '-', from a letter"
        raise UsageError(msg)
    if plugin is not None and plugin not in BACKENDS:
        msg = f"--plugin {plugin!r}: one of {', '.join(BACKENDS)}"
        raise UsageError(msg)
    root = where / (f"{force_id}-rules" if plugin else force_id)
    if root.exists():
        msg = f"{root}: already exists; choose another place or remove it"
        raise UsageError(msg)
    if document is not None and not document.is_file():
        msg = f"{document}: no such document"
        raise UsageError(msg)
    package = force_id.replace("-", "_") + "_rules"
    home = root / "src" / package if plugin else root
    documents: list[dict[str, Any]] = [
        {"id": EXAMPLE_DOCUMENT, "title": "Example plan (replace)", "sections": ["Weekly"]}
    ]
    if document is not None:
        documents.append({"id": document.name, "title": document.stem, "sections": []})
    try:
        (home / "tests").mkdir(parents=True)
        _dump(home / "force.json", _force(force_id, documents))
        _dump(home / "force.schema.json", force_schema())
        _dump(home / "tests" / "example.json", _scenario(force_id))
        (home / EXAMPLE_DOCUMENT).write_text(_EXAMPLE_PLAN, encoding="utf-8")
        if document is not None:
            shutil.copyfile(document, home / document.name)
        if plugin:
            (home / "__init__.py").write_text(
                f'"""The {force_id} force for engagerules (its data is force.json)."""\n',
                encoding="utf-8",
            )
            (root / "pyproject.toml").write_text(
                _pyproject(force_id, package, plugin), encoding="utf-8"
            )
    except OSError as exc:
        msg = f"{root}: cannot write: {exc.strerror or exc}"
        raise UsageError(msg) from None
    return home
