"""A pytest plugin that collects force scenario files (`forces/<force>/tests/*.json`).

Enable it with `pytest_plugins = ["engagerules.pytest_plugin"]` in a `conftest.py`; a force
package outside this repository does the same to run its own scenarios under pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engagerules.authoring.scenarios import Scenario, load_scenarios, run_scenario
from engagerules.errors import ConfigError
from engagerules.model.plan import Force
from engagerules.sources.config import CONFIG_FILE, load_force


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Scenario files are the JSON files in a `tests/` folder beside a `force.json`."""
    if (
        file_path.suffix == ".json"
        and file_path.parent.name == "tests"
        and (file_path.parent.parent / CONFIG_FILE).is_file()
    ):
        collected: ScenarioFile = ScenarioFile.from_parent(parent, path=file_path)
        return collected
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        force = load_force(self.path.parent.parent / CONFIG_FILE)
        try:
            scenarios = load_scenarios(self.path, force)
        except ConfigError as exc:
            raise self.CollectError("\n".join(str(p) for p in exc.problems)) from None
        for scenario in scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, force=force, scenario=scenario)


class ScenarioItem(pytest.Item):
    def __init__(self, *, force: Force, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.force = force
        self.scenario = scenario

    def runtest(self) -> None:
        outcome = run_scenario(self.force, self.scenario)
        if not outcome.passed:
            raise ScenarioFailure(outcome.failures)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: object = None
    ) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return f"{self.scenario.where} ({self.scenario.name}):\n  " + "\n  ".join(
                excinfo.value.failures
            )
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.index, f"scenario: {self.scenario.name}"


class ScenarioFailure(Exception):
    def __init__(self, failures: tuple[str, ...]) -> None:
        super().__init__("; ".join(failures))
        self.failures = failures
