"""The shipped JSON Schemas: read once, shared by the loaders, never changed by them."""

from __future__ import annotations

import pytest

from engagerules.sources.config import schema
from engagerules.sources.overrides import overrides_schema
from engagerules.sources.profiles import profile_schema
from engagerules.sources.shipped import shipped_schema


def test_loaders_share_the_one_cached_copy() -> None:
    """The overrides and profile loaders validate against the schema shipped_schema read."""
    assert overrides_schema() is shipped_schema("overrides")
    assert profile_schema() is shipped_schema("profile")
    assert shipped_schema("force") is shipped_schema("force")
    assert shipped_schema("profile")["$schema"].endswith("2020-12/schema")


def test_composing_the_force_schema_leaves_the_shipped_one_alone() -> None:
    """config.schema adds each kind's keys to a copy: the shipped schema stays as written."""
    composed = schema()["$defs"]["obligation"]
    shipped = shipped_schema("force")["$defs"]["obligation"]
    assert "allOf" in composed
    assert "allOf" not in shipped
    assert len(composed["properties"]) > len(shipped["properties"])


def test_unknown_schema_is_an_error() -> None:
    """A name with no shipped file fails loudly rather than validating against nothing."""
    with pytest.raises(FileNotFoundError):
        shipped_schema("nonesuch")
