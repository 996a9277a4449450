"""Kind modules take the registry's defaults instead of repeating them (issue 19, item 3)."""

from __future__ import annotations

import ast
import importlib
import inspect

import attrs
import pytest

from engagerules.engine.kinds import KINDS, KindModule
from engagerules.model.plan import Kind


def _repeats(kind: Kind) -> list[str]:
    """The registry's fields a kind's module defines as its default already is: a constant
    equal to it, or a function whose whole body is the default's (`return []`, ...)."""
    module = importlib.import_module(f"engagerules.engine.kinds.{kind.value}")
    found = []
    for field in attrs.fields(KindModule):
        if field.default is attrs.NOTHING or field.name not in vars(module):
            continue
        value = vars(module)[field.name]
        if not callable(value):
            if value == field.default:
                found.append(field.name)
            continue
        mine, default = (_body(f) for f in (value, field.default))
        if mine is not None and mine == default:
            found.append(field.name)
    return found


def _body(function: object) -> str | None:
    """A function's statements but its docstring, as source, or None if it has no source."""
    try:
        tree = ast.parse(inspect.getsource(function))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        return None
    body = [
        s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    return "\n".join(ast.unparse(s) for s in body)


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_kind_module_repeats_a_registry_default(kind: Kind) -> None:
    """A module defines only what its kind does differently from the registry's defaults."""
    assert _repeats(kind) == []


def test_a_constraint_s_record_rule_is_the_default_reading_its_rule() -> None:
    """`record_rule` is no longer written per kind: the default reads `Rule.keeps`, which
    a constraint's rule gives as its `require` (and every other kind as nothing)."""
    module = KINDS[Kind.CONSTRAINT]
    assert module.record_rule is KINDS[Kind.RECURRING].record_rule
