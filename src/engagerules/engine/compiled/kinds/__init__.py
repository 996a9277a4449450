"""One compiled module per kind, beside the reference's `engine/kinds/`: each names its
`KIND`, says which duties of it it `compiles`, and `evaluate`s one duty version by query."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from engagerules.engine.compiled.kinds import (
    constraint,
    coverage,
    recurring,
    standing,
    target,
    triggered,
)
from engagerules.engine.compiled.query import Ask, Query
from engagerules.engine.verdicts import Outcome
from engagerules.model.periods import Window
from engagerules.model.plan import Kind, Obligation

__all__ = ["ASKS", "COMPILED"]

#: Per compiled kind: whether it compiles one duty, and how it judges one version.
COMPILED: Mapping[
    Kind,
    tuple[Callable[[Obligation], bool], Callable[[Query, Obligation, Window, datetime], Outcome]],
] = {
    module.KIND: (module.compiles, module.evaluate)
    for module in (recurring, constraint, triggered, standing, target, coverage)
}

#: Per kind whose evidence is looked up window by window: the lookups one version makes,
#: which a check answers by one query for all its duties before judging them.
ASKS: Mapping[Kind, Callable[[Query, Obligation, Window, datetime], list[Ask]]] = {
    module.KIND: module.asks for module in (recurring, constraint, target)
}
