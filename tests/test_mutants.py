"""The mutation run's list stays runnable: every mutant still matches the code it breaks,
and every mutant says which duties of a force it can reach.

`benchmarks/mutate.py` applies textual changes; when the engine is refactored, a change
whose text is gone would be reported as a survivor (or, worse, skipped), so the figure in
docs/mutation.md would stop meaning anything. Running the mutants is a documented command,
not CI; this keeps the list itself honest in CI.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mutate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "benchmarks" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutate", module)
    spec.loader.exec_module(module)
    return module


MUTATE = _mutate()


@pytest.mark.parametrize("mutant", MUTATE.MUTANTS, ids=lambda mu: mu.name)
def test_each_change_matches_its_file_once(mutant: Any) -> None:
    """The text a mutant replaces occurs exactly once in its file (else it is stale)."""
    text = (ROOT / mutant.file).read_text(encoding="utf-8")
    for old, new in mutant.changes:
        assert text.count(old) == 1, f"{mutant.name}: {old[:60]!r}"
        assert new != old
        text = text.replace(old, new, 1)


def test_mutant_names_are_unique_and_each_has_a_reach() -> None:
    names = [mu.name for mu in MUTATE.MUTANTS]
    assert len(names) == len(set(names))
    assert set(names) == set(MUTATE.REACH)


def test_reach_is_decided_from_each_force_configuration() -> None:
    """A coverage mutant reaches a force's coverage duties and only those; a target mutant
    reaches Dorset alone (the one force with a target); a mutant that changes no verdict
    reaches nothing anywhere."""
    reach = MUTATE.reaches(MUTATE.REACH)
    assert set(reach) == {"dorset", "gwent", "notts", "surrey"}
    assert [f for f in reach if reach[f]["target-strict"].applies] == ["dorset"]
    assert reach["gwent"]["coverage-ignores-as-of"].ids == (
        "gwent.cn.know-your-kins",
        "gwent.cn.council-spoc",
        "gwent.force.gwent-now-training",
    )
    assert not reach["gwent"]["vacancy-ends-all"].applies  # no gwent coverage has clears
    assert all(not reach[f]["partial-passes-ci"].applies for f in reach)
    assert "changes no verdict" in reach["notts"]["nan-accepted"].describe()
