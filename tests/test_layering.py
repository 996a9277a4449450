"""The package's layers point one way: the model knows no reader, the engine no output.

Issue 19 moved `Event` into the model and the words of reasons below the engine; this holds
them there, so a convenient import cannot quietly turn the arrows round again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "engagerules"

#: Each layer and the layers it must never import from.
FORBIDDEN = {
    "model": ("engagerules.sources", "engagerules.engine", "engagerules.outputs"),
    "engine": ("engagerules.outputs", "engagerules.authoring", "engagerules.cli"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down(layer: str) -> None:
    bad = [
        f"{path.relative_to(SRC)}:{line}: {module}"
        for path in sorted((SRC / layer).rglob("*.py"))
        for line, module in _imports(path)
        if module.startswith(FORBIDDEN[layer])
    ]
    assert bad == []


def test_event_is_a_model_value() -> None:
    from engagerules.model.event import Event
    from engagerules.sources import events

    assert events.Event is Event
    assert Event.__module__ == "engagerules.model.event"
