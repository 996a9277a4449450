"""The JSON Schemas shipped inside the package (`engagerules/sources/schema/*.schema.json`).

Read once each and kept: the force, overrides and profile loaders all validate against
them. The dict returned is shared by every caller, so a caller that composes a schema of
its own from one (as `config.schema` adds each kind's keys) copies it first.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from engagerules.sources import strictjson

__all__ = ["shipped_schema"]


@cache
def shipped_schema(name: str) -> dict[str, Any]:
    """The shipped schema `name` (`"force"`, `"overrides"`, `"profile"`), parsed once;
    do not change what it returns (copy it first)."""
    text = (
        resources.files("engagerules.sources")
        .joinpath(f"schema/{name}.schema.json")
        .read_text("utf-8")
    )
    loaded: dict[str, Any] = strictjson.loads(text)  # the one reader, even for our own files
    return loaded
