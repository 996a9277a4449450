"""The public API (`engagerules/__init__.py`): every name in `__all__` is there, imported on use."""

from __future__ import annotations

import importlib

import pytest

import engagerules


@pytest.mark.parametrize("name", engagerules.__all__)
def test_every_public_name_resolves_to_its_module_object(name: str) -> None:
    """Each exported name is the object its module defines, found through the package."""
    module = importlib.import_module(engagerules._EXPORTS[name])
    assert getattr(engagerules, name) is getattr(module, name)


def test_all_lists_exactly_the_exports_and_unknown_names_fail() -> None:
    """`__all__` and the lazy table agree; a misspelt name is an AttributeError."""
    assert sorted(engagerules.__all__) == sorted(engagerules._EXPORTS)
    assert set(engagerules.__all__) <= set(dir(engagerules))
    with pytest.raises(AttributeError, match="read_event"):
        engagerules.read_event  # noqa: B018 - the lookup is the test


def test_unmatched_reasons_and_data_quality_are_public_and_read_only() -> None:
    """The reasons' words and one data-quality entry are exported; the words cannot be changed."""
    assert engagerules.UNMATCHED_REASONS["type_unused"] == "a type no duty uses"
    with pytest.raises(TypeError):
        engagerules.UNMATCHED_REASONS["type_unused"] = "changed"  # type: ignore[index]
    entry = engagerules.DataQuality("e1", "log.jsonl", 3, "no unit")
    assert (entry.id, entry.line) == ("e1", 3)
    assert {"UNMATCHED_REASONS", "DataQuality"} <= set(engagerules.__all__)
