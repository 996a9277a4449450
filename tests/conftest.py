"""Shared fixtures: the mini test force (tests/fixtures/mini), an event-log builder, and a
site directory for plugins installed in-process."""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from engagerules import EventLog, Force, Report, evaluate, load_force, parse_events

FIXTURES = Path(__file__).parent / "fixtures"
#: The forces bundled with the project, by directory name.
FORCES = Path(__file__).resolve().parents[1] / "forces"
BUNDLED = sorted(p.parent.name for p in FORCES.glob("*/force.json"))


@functools.cache
def bundled(name: str) -> Force:
    """A bundled force by name, loaded once (a hypothesis test takes its name, not the
    force, so a failure's report does not print the whole force)."""
    return load_force(FORCES / name)


# No per-example deadline: a deadline is a timed test, and on a shared 2-core machine it
# fails for load, not for a bug. Performance is measured by benchmarks/, never asserted.
settings.register_profile("engagerules", deadline=None)
settings.load_profile("engagerules")

#: The source documents: $ENGAGERULES_SEEDS, else `shared/seeds` beside the checkout (as CI
#: lays it out), else the workplace copy.
SEEDS = next(
    (
        path
        for path in (
            Path(os.environ.get("ENGAGERULES_SEEDS", "")),
            Path(__file__).resolve().parents[2] / "shared" / "seeds",
            Path("/work/shared/seeds"),
        )
        if str(path) not in ("", ".") and path.is_dir()
    ),
    Path("/work/shared/seeds"),
)


@pytest.fixture(scope="session")
def mini() -> Force:
    return load_force(FIXTURES / "mini")


@pytest.fixture
def log_of(mini: Force) -> Callable[[Sequence[dict[str, Any]]], EventLog]:
    def build(records: Sequence[dict[str, Any]]) -> EventLog:
        return parse_events([("test", i + 1, r) for i, r in enumerate(records)], mini)

    return build


@pytest.fixture
def check(
    mini: Force, log_of: Callable[[Sequence[dict[str, Any]]], EventLog]
) -> Callable[..., Report]:
    """Evaluate records against one obligation of the mini force."""

    def run(
        obligation: str,
        records: Sequence[dict[str, Any]],
        start: str,
        end: str,
        as_of: str = "2030-01-01T00:00:00+00:00",
    ) -> Report:
        return evaluate(
            mini,
            log_of(records),
            date.fromisoformat(start),
            date.fromisoformat(end),
            datetime.fromisoformat(as_of),
            obligations=[obligation],
        )

    return run


def forget_modules_under(site: Path) -> list[str]:
    """Take every module imported from `site` out of `sys.modules`; their names."""
    inside = str(site) + os.sep
    gone = []
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None) or ""
        paths = [str(p) for p in getattr(module, "__path__", None) or []]
        if where.startswith(inside) or any(p.startswith(inside) for p in paths):
            del sys.modules[name]
            gone.append(name)
    importlib.invalidate_caches()
    return gone


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on `sys.path` to install force plugins into, in-process.

    Taking it off `sys.path` again (monkeypatch does) is not enough: a plugin the registry
    loaded stays in `sys.modules`, pointing into this test's temporary directory, and a
    later test's plugin of the same package name would be given this one's directory. So
    every module imported from here is forgotten when the test ends.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    yield site
    forget_modules_under(site)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The local Spark session of the compiled engine (engine/compiled/spark.py) as an Ibis
    connection, one per test session: starting it takes seconds. Without PySpark or a Java
    runtime the test skips, except in CI (CI=true), where it fails."""
    from engagerules.errors import UsageError

    try:
        from engagerules.engine.compiled.spark import spark_connection

        connection, _ = spark_connection()
    except UsageError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc} (required in CI)")
        pytest.skip(str(exc))
    yield connection
    connection.disconnect()
