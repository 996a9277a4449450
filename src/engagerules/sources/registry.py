"""Finding forces: bundled ones, installed plugins, or a directory on disk.

A plugin is any installed distribution that declares an entry point in the group
`engagerules.forces`; the entry point names a package (or module) whose directory holds
`force.json`, or a callable returning that directory. The core never needs editing to
add a force, as OpenFisca country packages plug into openfisca-core.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

import attrs

from engagerules.errors import UnknownForceError
from engagerules.model.plan import Force
from engagerules.sources.config import CONFIG_FILE, load_force

__all__ = ["ENTRY_POINT_GROUP", "ForceSource", "available_forces", "find_force", "open_force"]

ENTRY_POINT_GROUP = "engagerules.forces"


@attrs.frozen
class ForceSource:
    """Where a force's configuration was found, before it is loaded."""

    name: str
    path: Path
    origin: str  # "bundled", "plugin:<distribution>" or "directory"


def bundled_root() -> Path:
    """The directory of bundled forces: inside the installed package, or, when running
    from a checkout (an editable install), the repository's `forces/`."""
    packaged = Path(str(resources.files("engagerules"))) / "forces"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "forces"


def _bundled() -> dict[str, ForceSource]:
    root = bundled_root()
    if not root.is_dir():
        return {}
    return {
        d.name: ForceSource(d.name, d, "bundled")
        for d in sorted(root.iterdir())
        if (d / CONFIG_FILE).is_file()
    }


def _plugins() -> dict[str, ForceSource]:
    found: dict[str, ForceSource] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = f"plugin:{entry.dist.name if entry.dist else entry.value}"
        found.setdefault(entry.name, ForceSource(entry.name, Path(), origin))
    return found


def _plugin_path(name: str) -> Path:
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP, name=name):
        try:
            target = entry.load()
        except Exception as exc:  # a broken plugin must not take the CLI down
            msg = f"force plugin {name!r} ({entry.value}) failed to load: {exc}"
            raise UnknownForceError(msg) from None
        return _directory_of(target)
    msg = f"no force plugin named {name!r}"  # pragma: no cover - callers check first
    raise UnknownForceError(msg)


def _directory_of(target: object) -> Path:
    if isinstance(target, Path | str):
        return Path(target)
    if callable(target) and not hasattr(target, "__path__"):
        produce: Callable[[], object] = target
        return _directory_of(produce())
    module_file = getattr(target, "__file__", None)
    if module_file is None:
        name = getattr(target, "__name__", repr(target))
        return Path(str(resources.files(importlib.import_module(name))))
    return Path(module_file).parent


def available_forces() -> list[ForceSource]:
    """Every force found by name: bundled first, then plugins not shadowing a bundled one."""
    found = _bundled()
    for name, source in _plugins().items():
        found.setdefault(name, source)
    return [found[name] for name in sorted(found)]


def find_force(name_or_path: str) -> ForceSource:
    """Resolve a name (bundled, then plugin) or a path to a force directory or file."""
    bundled = _bundled()
    if name_or_path in bundled:
        return bundled[name_or_path]
    plugins = _plugins()
    if name_or_path in plugins:
        source = plugins[name_or_path]
        return attrs.evolve(source, path=_plugin_path(name_or_path))
    path = Path(name_or_path)
    if path.is_dir() and (path / CONFIG_FILE).is_file():
        return ForceSource(path.resolve().name, path, "directory")
    if path.is_file() and path.suffix == ".json":
        return ForceSource(path.resolve().parent.name, path.parent, "directory")
    names = ", ".join(sorted({*bundled, *plugins})) or "none"
    msg = (
        f"unknown force {name_or_path!r}: not a bundled force or plugin ({names}), "
        f"nor a directory holding {CONFIG_FILE}"
    )
    raise UnknownForceError(msg)


def open_force(name_or_path: str) -> Force:
    """Find and load a force; raises `UnknownForceError` or `ConfigError`."""
    source = find_force(name_or_path)
    path = source.path
    if path.is_file():
        return load_force(path)
    return load_force(path / CONFIG_FILE)
