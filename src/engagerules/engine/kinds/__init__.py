"""One module per obligation kind, and the one registry that maps a kind to its module.

Each kind module exports `evaluate(force, obligation, index, span, as_of, trace=None) ->
Outcome`; with a `Trace`, it notes what became of each event it looked at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engagerules.engine.index import EventIndex
from engagerules.engine.kinds import constraint, coverage, recurring, standing, target, triggered
from engagerules.engine.trace import Trace
from engagerules.engine.verdicts import Outcome
from engagerules.model.periods import Window
from engagerules.model.plan import Force, Kind, Obligation

__all__ = ["EVALUATORS", "Evaluator"]

Evaluator = Callable[[Force, Obligation, EventIndex, Window, datetime, Trace | None], Outcome]

EVALUATORS: dict[Kind, Evaluator] = {
    Kind.RECURRING: recurring.evaluate,
    Kind.TRIGGERED: triggered.evaluate,
    Kind.CONSTRAINT: constraint.evaluate,
    Kind.COVERAGE: coverage.evaluate,
    Kind.STANDING: standing.evaluate,
    Kind.TARGET: target.evaluate,
}
