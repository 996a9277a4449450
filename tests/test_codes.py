"""Declared codes agree with their documentation: every value an event type's description
of a code attribute names is one of its declared codes, so a record written as the
description says is never rejected as an undeclared value."""

from __future__ import annotations

import re

import pytest

from engagerules import open_force

_FORCES = ("gwent", "dorset", "surrey", "notts")

#: A value as codes are written: words joined by `_`, `.` or `-` (`your_voice`, `police.uk`).
_CODE_LIKE = re.compile(r"\b[a-z0-9]+(?:[_.-][a-z0-9]+)+\b")


def named_values(description: str) -> list[str]:
    """The values a description names: the list after its last colon (or the whole text)
    when every item is one word (`high, medium or low`), with notes in parentheses and
    "..." dropped; otherwise only the code-like words in it (`design_team when ...`)."""
    listed = description.rsplit(":", 1)[-1]
    listed = re.sub(r"\([^()]*\)", " ", listed).replace("...", " ").replace("…", " ")
    items = [i.strip() for i in re.split(r",|\s+or\s+|\s+and\s+", f" {listed} ")]
    items = [i for i in items if i]
    if items and all(" " not in i for i in items):
        return items
    return _CODE_LIKE.findall(description)


def test_named_values_reads_the_forms_descriptions_take() -> None:
    """Lists after a colon, bare lists, notes in brackets, and prose naming codes."""
    assert named_values("level of threat, risk or harm: high, medium or low") == [
        "high",
        "medium",
        "low",
    ]
    assert named_values("face_to_face, phone or other") == ["face_to_face", "phone", "other"]
    assert named_values("with (alongside the team) or in_place (in its place)") == [
        "with",
        "in_place",
    ]
    assert named_values("avon-and-somerset, devon-and-cornwall, or both for a joint meeting") == [
        "avon-and-somerset",
        "devon-and-cornwall",
    ]
    assert named_values("the policing purpose (as for community meetings)") == []


@pytest.mark.parametrize("force_id", _FORCES)
def test_every_value_a_description_names_is_a_declared_code(force_id: str) -> None:
    """Dorset's alert topics, post topics and welfare formats, Notts' KIN purposes and
    Gwent's tweet topics once listed values their declarations lacked."""
    force = open_force(force_id)
    problems = [
        f"{kind.id}.{spec.name}: {value!r} is described but not declared"
        for kind in force.event_types
        for spec in kind.attributes
        if spec.codes and spec.name in kind.attrs
        for value in named_values(kind.attrs[spec.name])
        if value not in spec.code_ids
    ]
    assert not problems, "\n".join(problems)
