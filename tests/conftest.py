"""Shared fixtures: the mini test force (tests/fixtures/mini) and an event-log builder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from engagerules import EventLog, Force, Report, evaluate, load_force, parse_events

FIXTURES = Path(__file__).parent / "fixtures"


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
