"""Local readings: a force's team changes readings of a bundled or plugin force, by name.

OpenFisca's reforms are the model: a base system, and named changes laid over it that
every result then carries. Here the changes are data, an overrides file:

    {"force": "gwent", "name": "gwent-fortnightly",
     "overrides": [{"obligation": "gwent.cn.weekly-positive-tweet",
                    "set": {"cadence": "P2W", "anchor": "2022-09-05"},
                    "why": "the performance board reads the plan's weekly tweet fortnightly"}]}

Each entry is applied to the raw configuration before the model is built, as a JSON merge
patch (RFC 7386) of the obligation's keys; the merged configuration is then validated as a
whole, and each problem it has inside a changed key is reported at the overrides file's
JSON path (`$.overrides[0].set.cadence`), so every problem is located where it can be fixed.

Which parts of the duty each entry changes (cadence, deadline, units, threshold, owner,
roles, evidence) is worked out from the keys it sets. Changing a part the configuration already
reads is a local reading; changing a part the plan states is a departure from the plan,
allowed, and marked in every report.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from jsonschema import Draft202012Validator

from engagerules.errors import ConfigError, Problem, did_you_mean
from engagerules.model.limits import path_problem
from engagerules.model.readings import Change, LocalReadings, Part, Reading, Readings
from engagerules.sources import strictjson
from engagerules.sources.shipped import shipped_schema
from engagerules.sources.unitsfile import read_units

__all__ = [
    "OVERRIDES_FILE",
    "Applied",
    "Overrides",
    "apply_overrides",
    "is_overrides_file",
    "located",
    "overrides_schema",
    "read_overrides",
]

#: The file name of a refinement shipped as a directory or plugin, in place of force.json.
OVERRIDES_FILE = "overrides.json"

#: Which part of a duty each key of an obligation belongs to. Keys not listed (title,
#: description, tags) change the wording, not what is checked.
_PART_OF_KEY = {
    "cadence": Part.CADENCE,
    "anchor": Part.CADENCE,
    "times": Part.CADENCE,
    "slot": Part.CADENCE,
    "effective": Part.EFFECTIVE,
    "owner": Part.OWNER,
    "scope": Part.UNITS,
    "require": Part.THRESHOLD,
    "clears": Part.EVIDENCE,
    "kind": Part.EVIDENCE,
    "reason": Part.EVIDENCE,
}
_DEADLINE_KEYS = {"trigger": {"within", "deadline_attr"}, "target": {"by", "start"}}
_AMOUNT_KEYS = {"min", "sum", "distinct"}


_WHERE = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+))?(?:: (?P<path>\$.*))?$")


def located(where: str, message: str) -> Problem:
    """A problem whose file, line and JSON path are also kept apart (`Problem.at`), when
    `where` has the usual form `file: $.path` or `file:line`."""
    match = _WHERE.match(where)
    if match is None or (match["line"] is None and match["path"] is None):
        return Problem(where, message)
    line = int(match["line"]) if match["line"] else None
    return Problem.at(message, file=match["file"], line=line, path=match["path"])


def overrides_schema() -> dict[str, Any]:
    """The JSON Schema of an overrides file, as shipped in the package."""
    return shipped_schema("overrides")


@attrs.frozen
class Overrides:
    """An overrides file read and checked for shape; applied by `apply_overrides`."""

    file: Path
    raw: Mapping[str, Any] = attrs.field(eq=False)
    #: Problems of its shape, reported with those found applying it (every one, at once).
    problems: tuple[Problem, ...] = ()
    #: Entries with a problem of shape, left out when the file is applied.
    broken: frozenset[int] = frozenset()

    @property
    def force(self) -> str:
        return str(self.raw["force"])

    @property
    def name(self) -> str:
        return str(self.raw.get("name", self.file.stem))


def read_overrides(path: Path | str) -> Overrides:
    """Read an overrides file (or a directory holding `overrides.json`); raises
    `ConfigError` listing every problem of its shape, each with its JSON path."""
    file = Path(path)
    problem = path_problem(str(path))
    if problem is not None:
        raise ConfigError([Problem(repr(str(path)), problem)])
    if file.is_dir():
        file = file / OVERRIDES_FILE
    raw = strictjson.read_file(file, exact=True, missing="no such overrides file")
    flawed = [
        Problem.at(reason, file=str(file), path=strictjson.path_text(path))
        for path, reason in strictjson.flaws(raw)
    ]
    if flawed:  # numbers JSON cannot mean, or nesting no override needs: fix those first
        raise ConfigError(flawed)
    validator = Draft202012Validator(overrides_schema())
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.path)))
    problems = [
        Problem.at(_message(error), file=str(file), path=error.json_path) for error in errors
    ]
    if not isinstance(raw, dict) or not isinstance(raw.get("force"), str):
        raise ConfigError(problems)
    broken = frozenset(
        int(error.path[1])
        for error in errors
        if len(error.path) > 1 and error.path[0] == "overrides" and isinstance(error.path[1], int)
    )
    if any(len(error.path) < 2 and error.path and error.path[0] == "overrides" for error in errors):
        broken = (
            frozenset(range(len(raw["overrides"])))
            if isinstance(raw.get("overrides"), list)
            else frozenset()
        )
    return Overrides(file, raw, tuple(problems), broken)


def is_overrides_file(path: Path) -> bool:
    """Whether `path` is local readings rather than a force: `overrides.json`, a directory
    holding only that, or a JSON object naming the force it refines and no obligations."""
    if path.is_dir():
        return not (path / "force.json").is_file() and (path / OVERRIDES_FILE).is_file()
    if path.name == OVERRIDES_FILE:
        return True
    try:
        raw = strictjson.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, strictjson.LimitError):
        return False
    return isinstance(raw, dict) and "force" in raw and "obligations" not in raw


def _message(error: Any) -> str:
    if error.validator == "required":
        return str(error.message).split(" is a required")[0] + " is required"
    if error.validator == "anyOf":
        return "give 'overrides', a 'units_file', or both"
    if error.validator == "enum" and list(error.path)[-1:] == ["set"]:
        return f"{error.instance!r} cannot be changed by an override (id, source, readings stay)"
    message = str(error.message)
    return message if len(message) < 200 else message[:197] + "..."


@attrs.frozen
class Applied:
    """A configuration with overrides laid over it, before validation.

    `places` maps JSON paths of the merged configuration to where a person fixes them
    (the overrides file's path of the key, or a units file's line); `local` holds, per
    obligation index, the readings the overrides set; `problems` those found applying.
    """

    raw: dict[str, Any]
    places: dict[str, str]
    local: dict[int, list[Reading]]
    sets: tuple[LocalReadings, ...]
    problems: tuple[Problem, ...]


def apply_overrides(
    raw: dict[str, Any],
    base: Path,
    places: Mapping[str, str],
    overrides: Sequence[Overrides],
) -> Applied:
    """Lay each overrides file over `raw` in order; never mutates `raw`."""
    merged = copy.deepcopy(raw)
    where = dict(places)
    local: dict[int, list[Reading]] = {}
    sets: list[LocalReadings] = []
    problems: list[Problem] = []
    for doc in overrides:
        found, changes, units_file = _apply_one(merged, base, where, local, doc)
        problems.extend(found)
        sets.append(
            LocalReadings(
                name=doc.name,
                force=doc.force,
                file=str(doc.file),
                title=str(doc.raw.get("title", "")),
                changes=tuple(changes),
                units_file=units_file,
            )
        )
    return Applied(merged, where, local, tuple(sets), tuple(problems))


def _apply_one(
    merged: dict[str, Any],
    base: Path,
    where: dict[str, str],
    local: dict[int, list[Reading]],
    doc: Overrides,
) -> tuple[list[Problem], list[Change], str | None]:
    problems: list[Problem] = list(doc.problems)
    if merged.get("id") != doc.force:
        problems.append(
            Problem.at(
                f"these readings refine {doc.force!r}, not {merged.get('id')!r}",
                file=str(doc.file),
                path="$.force",
            )
        )
    units_file = doc.raw.get("units_file")
    if not isinstance(units_file, str):
        units_file = None
    else:
        problems.extend(_replace_units(merged, where, doc.file.parent / units_file, base))
    obligations = merged.get("obligations")
    if not isinstance(obligations, list):
        return problems, [], units_file
    by_id: dict[str, list[int]] = {}
    for index, ob in enumerate(obligations):
        if isinstance(ob, dict) and isinstance(ob.get("id"), str):
            by_id.setdefault(ob["id"], []).append(index)
    changes: list[Change] = []
    entries = doc.raw.get("overrides")
    for j, entry in enumerate(entries if isinstance(entries, list) else []):
        if j in doc.broken:
            continue
        at = f"{doc.file}: $.overrides[{j}]"
        indices = by_id.get(entry["obligation"])
        if not indices:
            hint = did_you_mean(entry["obligation"], by_id)
            problems.append(
                located(
                    f"{at}.obligation",
                    f"no obligation {entry['obligation']!r} in {merged.get('id')}{hint}",
                )
            )
            continue
        for index in indices:
            changes.append(_change(obligations, index, entry, doc, local))
            where[f"$.obligations[{index}]"] = f"{at}.set"
            for key in entry["set"]:
                where[f"$.obligations[{index}].{key}"] = f"{at}.set.{key}"
    return problems, changes, units_file


def _change(
    obligations: list[Any],
    index: int,
    entry: Mapping[str, Any],
    doc: Overrides,
    local: dict[int, list[Reading]],
) -> Change:
    before = obligations[index]
    after = merge_patch(before, entry["set"])
    obligations[index] = after
    base_read = before.get("readings") if isinstance(before.get("readings"), dict) else {}
    worded = before.get("stated") if isinstance(before.get("stated"), dict) else {}
    parts = changed_parts(before, after, entry["set"])
    quote = (before.get("source") or {}).get("quote") if isinstance(before, dict) else None
    made: list[Reading] = []
    for part in parts:
        base = base_read.get(part.value)
        words = worded.get(part.value)
        plan = (
            base.get("plan")
            if isinstance(base, dict)
            else words or entry.get("plan") or quote or "the plan's own words"
        )
        made.append(
            Reading(
                part=part,
                plan=str(entry.get("plan") or plan),
                reading=str(entry.get("reading") or _described(entry["set"], part)),
                why=str(entry["why"]),
                by=doc.name,
                departure=isinstance(words, str),
            )
        )
    local.setdefault(index, []).extend(made)
    departure = any(r.departure for r in made)
    return Change(
        obligation=str(before.get("id")),
        keys=tuple(entry["set"]),
        parts=parts,
        departure=departure,
        why=str(entry["why"]),
    )


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, null removes, else replace."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def changed_parts(
    before: Mapping[str, Any], after: Mapping[str, Any], keys: Any
) -> tuple[Part, ...]:
    """The parts of the duty the keys set change, in `Part` order."""
    found: set[Part] = set()
    for key in keys:
        if key in _PART_OF_KEY:
            found.add(_PART_OF_KEY[key])
        elif key in _DEADLINE_KEYS:
            found.update(_sub_parts(before.get(key), after.get(key), _DEADLINE_KEYS[key]))
        elif key == "evidence":
            found.add(_evidence_part(before.get("evidence"), after.get("evidence")))
    return tuple(p for p in Part if p in found)


def _sub_parts(before: Any, after: Any, deadline_keys: set[str]) -> set[Part]:
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    parts = set()
    if changed & deadline_keys:
        parts.add(Part.DEADLINE)
    rest = changed - deadline_keys
    if rest & {"value", "combine", "group", "baseline"}:
        parts.add(Part.THRESHOLD)
    if rest - {"value", "combine", "group", "baseline"}:
        parts.add(Part.EVIDENCE)
    return parts


def _evidence_part(before: Any, after: Any) -> Part:
    """Threshold when only the amounts of the same requirements change, roles when only
    who may do them changes, else evidence."""
    if not (isinstance(before, list) and isinstance(after, list) and len(before) == len(after)):
        return Part.EVIDENCE
    changed: set[str] = set()
    for old, new in zip(before, after, strict=True):
        if not (isinstance(old, dict) and isinstance(new, dict)):
            return Part.EVIDENCE
        changed.update(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if changed and changed <= {"roles"}:
        return Part.ROLES
    return Part.THRESHOLD if changed <= _AMOUNT_KEYS else Part.EVIDENCE


def _described(patch: Mapping[str, Any], part: Part) -> str:
    """The keys of `patch` that make `part`, as compact text, when no words were given."""
    shown = [
        f"{key} {json.dumps(value, ensure_ascii=False, separators=(', ', ': '))}"
        for key, value in patch.items()
        if key in _DEADLINE_KEYS or key == "evidence" or _PART_OF_KEY.get(key) is part
    ]
    return "; ".join(shown) or "changed locally"


def _replace_units(
    merged: dict[str, Any], where: dict[str, str], file: Path, base: Path
) -> list[Problem]:
    """Units of the kinds the file lists replace the configuration's units of those kinds."""
    rows, row_places, problems = read_units(file)
    units = merged.get("units")
    if not isinstance(units, list):
        return problems
    kinds = {row["kind"] for row in rows}
    kept = [
        (i, u) for i, u in enumerate(units) if not (isinstance(u, dict) and u.get("kind") in kinds)
    ]
    old = {k: where.pop(k) for k in list(where) if k.startswith("$.units[")}
    for new_index, (old_index, _) in enumerate(kept):
        key = f"$.units[{old_index}]"
        where[f"$.units[{new_index}]"] = old.get(key, f"{base}: {key}")
    for offset, place in enumerate(row_places):
        where[f"$.units[{len(kept) + offset}]"] = place
    merged["units"] = [u for _, u in kept] + rows
    return problems


def local_readings(readings: Readings, extra: Sequence[Reading]) -> Readings:
    """`readings` with each local reading in place of the configuration's for its part."""
    for reading in extra:
        readings = readings.replaced(reading)
    return readings


def relocate(
    problems: Sequence[Problem], file: Path, places: Mapping[str, str]
) -> Iterator[Problem]:
    """Move each problem at a merged JSON path to where it was written: the longest known
    prefix of its path, followed by the rest of the path (for a units file's row, the
    column, named as the file names it)."""
    head = f"{file}: "
    keys = sorted(places, key=len, reverse=True)
    for problem in problems:
        path = problem.where[len(head) :] if problem.where.startswith(head) else None
        key = next((k for k in keys if path is not None and _under(path, k)), None)
        if path is None or key is None:
            yield problem
            continue
        rest = path[len(key) :]
        place = places[key]
        if key.startswith("$.units[") and rest:
            column = _column(rest)
            rest = f".{column}" if place.endswith("]") else f": {column}"
        yield located(place + rest, problem.message)


def _under(path: str, prefix: str) -> bool:
    """Whether `path` is `prefix` or inside it (`$.units[1]` is not inside `$.units[12]`)."""
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] in ".[")


def _column(rest: str) -> str:
    name = rest.lstrip(".").split(".")[0].split("[")[0]
    return {"name": "title", "within": "parent"}.get(name, name)
