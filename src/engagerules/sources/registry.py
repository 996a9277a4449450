"""Finding forces: bundled ones, installed plugins, or a directory on disk.

A plugin is any installed distribution that declares an entry point in the group
`engagerules.forces`; the entry point names a package (or module) whose directory holds
`force.json`, or a callable returning that directory. The core never needs editing to
add a force, as OpenFisca country packages plug into openfisca-core.

A plugin or directory may instead hold `overrides.json`: a refinement, local readings laid
over the force it names (bundled, plugin or another refinement), as OpenFisca reforms lay
named changes over a country system. Opening it opens that force with the readings applied.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from importlib import metadata, resources
from pathlib import Path

import attrs

from engagerules.errors import ConfigError, Problem, UnknownForceError
from engagerules.model.limits import path_problem
from engagerules.model.plan import Force
from engagerules.sources.config import CONFIG_FILE, load_force
from engagerules.sources.overrides import OVERRIDES_FILE, Overrides, read_overrides

__all__ = [
    "ENTRY_POINT_GROUP",
    "ForceSource",
    "available_forces",
    "base_of",
    "find_force",
    "open_force",
    "shadowed_directory",
]

ENTRY_POINT_GROUP = "engagerules.forces"


@attrs.frozen
class ForceSource:
    """Where a force's configuration was found, before it is loaded."""

    name: str
    path: Path
    origin: str  # "bundled", "plugin:<distribution>" or "directory"

    @property
    def refinement(self) -> bool:
        """Whether this source is local readings over another force (`overrides.json`)."""
        directory = self.path if self.path.is_dir() else self.path.parent
        return self.path.name == OVERRIDES_FILE or (
            not (directory / CONFIG_FILE).is_file() and (directory / OVERRIDES_FILE).is_file()
        )


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
    """Each entry-point name once. A name two distributions declare is kept with an origin
    naming both (`plugin:a-rules+b-rules`): opening it is then an error naming both,
    never whichever happened to be installed first."""
    found: dict[str, ForceSource] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist.name if entry.dist else entry.value
        if entry.name in found:
            earlier = found[entry.name].origin.removeprefix("plugin:")
            if dist not in earlier.split("+"):
                found[entry.name] = ForceSource(entry.name, Path(), f"plugin:{earlier}+{dist}")
            continue
        found[entry.name] = ForceSource(entry.name, Path(), f"plugin:{dist}")
    return found


def _clash(source: ForceSource) -> None:
    if "+" in source.origin:
        packages = " and ".join(sorted(source.origin.removeprefix("plugin:").split("+")))
        msg = (
            f"force {source.name!r} is declared by two installed packages, {packages}: "
            "uninstall one (pip uninstall ...)"
        )
        raise UnknownForceError(msg)


def shadowed_directory(name: str) -> Path | None:
    """A directory in the working directory named like a bundled force or plugin, which
    `name` does not select (names win; `./name` selects the directory), or None."""
    path = Path(name)
    named = name in _bundled() or name in _plugins()
    if not named:  # nothing shadowed; and a name no system can open is not looked up
        return None
    holds = path.is_dir() and any((path / f).is_file() for f in (CONFIG_FILE, OVERRIDES_FILE))
    return path if holds else None


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
    """Resolve a name (bundled, then plugin) or a path to a force directory or file.

    Names come first: a directory `gwent/` in the working directory is selected as
    `./gwent`, never by `gwent` (the CLI notes the clash, `shadowed_directory`)."""
    bundled = _bundled()
    if name_or_path in bundled:
        return bundled[name_or_path]
    plugins = _plugins()
    if name_or_path in plugins:
        source = plugins[name_or_path]
        _clash(source)
        return attrs.evolve(source, path=_plugin_path(name_or_path))
    path = Path(name_or_path)
    problem = path_problem(name_or_path)
    if problem is not None:
        raise UnknownForceError(f"unknown force {name_or_path!r}: {problem}")
    if path.is_dir() and ((path / CONFIG_FILE).is_file() or (path / OVERRIDES_FILE).is_file()):
        return ForceSource(path.resolve().name, path, "directory")
    if path.is_file() and path.suffix == ".json":
        return ForceSource(path.resolve().parent.name, path.parent, "directory")
    names = ", ".join(sorted({*bundled, *plugins})) or "none"
    msg = (
        f"unknown force {name_or_path!r}: not a bundled force or plugin ({names}), "
        f"nor a directory holding {CONFIG_FILE}"
    )
    raise UnknownForceError(msg)


def open_force(name_or_path: str, overrides: Sequence[str | Path] = ()) -> Force:
    """Find and load a force, with a refinement's readings and then each overrides file
    in `overrides` laid over it; raises `UnknownForceError` or `ConfigError`."""
    local = [read_overrides(path) for path in overrides]
    base, chain = base_of(find_force(name_or_path))
    path = base.path
    file = path if path.is_file() else path / CONFIG_FILE
    return load_force(file, overrides=[*chain, *local])


def base_of(source: ForceSource) -> tuple[ForceSource, list[Overrides]]:
    """The force a refinement rests on, and the readings laid over it, base first."""
    chain: list[Overrides] = []
    seen: set[str] = set()
    while source.refinement:
        directory = source.path if source.path.is_dir() else source.path.parent
        doc = read_overrides(directory / OVERRIDES_FILE)
        if doc.force in seen or len(chain) > 8:
            where = f"{doc.file}: $.force"
            message = f"refinements refine each other in a loop via {doc.force!r}"
            raise ConfigError([Problem(where, message)])
        seen.add(doc.force)
        chain.insert(0, doc)
        source = find_force(doc.force)
    return source, chain
