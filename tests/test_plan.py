"""The model's values check themselves: each validator refuses a bad value, naming it."""

from __future__ import annotations

import importlib
import inspect
import math
import re
import types
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from attrs import fields as attrs_fields

from engagerules import (
    Advisory,
    Citation,
    Condition,
    Constraint,
    Coverage,
    Duration,
    EngageRulesError,
    Kind,
    ModelError,
    Obligation,
    Operator,
    Recurring,
    Requirement,
    Rule,
    Scope,
    Standing,
    Target,
    Trigger,
    Triggered,
    available_forces,
    open_force,
)
from engagerules.engine.kinds import KINDS, KindModule, kind_module
from engagerules.sources.config import schema

WEEK = Duration(weeks=1)
SOURCE = Citation("plan.txt", "Weekly")


def _obligation(rule: Rule, **changes: Any) -> Obligation:
    fields: dict[str, Any] = {
        "id": "t.duty",
        "title": "A duty",
        "rule": rule,
        "owner": "PS",
        "source": SOURCE,
        "evidence": (Requirement(("tweet",)),),
    }
    fields.update(changes)
    return Obligation(**fields)


BAD_VALUES = [
    pytest.param(lambda: Requirement(types="tweet"), "tweet", id="types-as-string"),  # type: ignore[arg-type]
    pytest.param(lambda: Requirement(types=()), "()", id="types-empty"),
    pytest.param(lambda: Requirement(types=("tweet", "")), "''", id="types-blank-name"),
    pytest.param(lambda: Requirement(("tweet",), min=0), "0", id="min-zero"),
    pytest.param(lambda: Requirement(("tweet",), min=-1), "-1", id="min-negative"),
    pytest.param(lambda: Requirement(("tweet",), min=math.nan), "nan", id="min-nan"),
    pytest.param(lambda: Requirement(("tweet",), min=math.inf), "inf", id="min-infinite"),
    pytest.param(lambda: Requirement(("tweet",), min=True), "True", id="min-bool"),
    pytest.param(
        lambda: Requirement(("tweet",), sum="hours", distinct="where"), "hours", id="sum-distinct"
    ),
    pytest.param(lambda: Requirement(("tweet",), roles="PS"), "PS", id="roles-as-string"),  # type: ignore[arg-type]
    pytest.param(lambda: Duration(weeks=-2), "-2", id="duration-negative"),
    pytest.param(lambda: Duration(days=1.5), "1.5", id="duration-fraction"),  # type: ignore[arg-type]
    pytest.param(lambda: Scope(per="person", rota=True), "rota", id="rota-per-person"),
    pytest.param(lambda: Scope(per="section", rota=True), "rota", id="rota-without-units"),
    pytest.param(lambda: Scope(rota=True), "rota", id="rota-force-wide"),
    pytest.param(lambda: Scope(units=("north",)), "north", id="units-without-per"),
    pytest.param(lambda: Scope(per="section", units="north"), "north", id="units-as-string"),  # type: ignore[arg-type]
    pytest.param(lambda: Recurring(cadence=Duration()), "PT0M", id="cadence-zero"),
    pytest.param(lambda: Recurring(cadence="P1W"), "P1W", id="cadence-as-text"),  # type: ignore[arg-type]
    pytest.param(lambda: Recurring(WEEK, times=("08:00",)), "08:00", id="time-as-text"),  # type: ignore[arg-type]
    pytest.param(lambda: Recurring(WEEK, times=(time(8), time(8))), "twice", id="time-repeated"),
    pytest.param(lambda: Recurring(WEEK, slot=Duration()), "PT0M", id="slot-zero"),
    pytest.param(lambda: Trigger(("warrant",), within=Duration()), "PT0M", id="within-zero"),
    pytest.param(lambda: Trigger("warrant", within=WEEK), "warrant", id="trigger-as-string"),  # type: ignore[arg-type]
    pytest.param(lambda: Trigger(("warrant",), WEEK, match="nearby"), "nearby", id="match"),
    pytest.param(lambda: Triggered(trigger=None), "None", id="triggered-without-trigger"),  # type: ignore[arg-type]
    pytest.param(lambda: Target("likes", math.inf, date(2023, 3, 31)), "inf", id="target-infinite"),
    pytest.param(
        lambda: Target("likes", 10, date(2023, 3, 31), combine="mean"), "mean", id="combine"
    ),
    pytest.param(
        lambda: Target("likes", 10, date(2023, 3, 31), baseline=math.nan), "nan", id="baseline"
    ),
    pytest.param(lambda: Target("likes", 10, "2023-03-31"), "2023-03-31", id="by-as-text"),  # type: ignore[arg-type]
    pytest.param(lambda: Constraint(require="x"), "x", id="require-as-string"),  # type: ignore[arg-type]
    pytest.param(lambda: Coverage(clears="left"), "left", id="clears-as-string"),  # type: ignore[arg-type]
    pytest.param(lambda: Standing(cadence=Duration()), "PT0M", id="standing-zero"),
    pytest.param(lambda: Advisory(reason=None), "None", id="advisory-without-reason"),  # type: ignore[arg-type]
    pytest.param(lambda: Condition("where", "bigger", 3), "bigger", id="operator"),
    pytest.param(
        lambda: _obligation(Triggered(Trigger(("w",), WEEK)), scope=Scope("s", ("a",), rota=True)),
        "rotate",
        id="rota-not-recurring",
    ),
    pytest.param(
        lambda: _obligation(
            Recurring(WEEK), effective_from=date(2023, 1, 2), effective_until=date(2023, 1, 1)
        ),
        "2023-01-01",
        id="effective-backwards",
    ),
    pytest.param(lambda: _obligation(Recurring(WEEK), evidence=("tweet",)), "tweet", id="evidence"),
    pytest.param(lambda: _obligation(rule=Kind.RECURRING), "recurring", id="rule-as-kind"),
]


@pytest.mark.parametrize(("build", "shown"), BAD_VALUES)
def test_each_validator_refuses_its_bad_value(build: Any, shown: str) -> None:
    """A bad field value raises a ModelError (an EngageRulesError and a ValueError) naming it."""
    with pytest.raises(ModelError) as caught:
        build()
    assert isinstance(caught.value, EngageRulesError)
    assert isinstance(caught.value, ValueError)
    assert shown in str(caught.value)


def test_requirement_types_never_match_by_substring() -> None:
    """Types given as a list become a tuple, so `tweet` is one name, not five letters."""
    req = Requirement(["tweet"])  # type: ignore[arg-type]
    assert req.types == ("tweet",)
    assert "twe" not in req.types


def test_condition_values_are_frozen_and_hashable() -> None:
    """A JSON list becomes a tuple (at any depth), so a condition can be hashed."""
    cond = Condition("station", Operator.IN, ["east", ["west"]])
    assert cond.value == ("east", ("west",))
    assert hash(cond) == hash(Condition("station", Operator.IN, ("east", ("west",))))


@pytest.mark.parametrize("name", [f.name for f in available_forces()])
def test_every_bundled_force_is_hashable(name: str) -> None:
    """Every bundled force hashes, and equal loads hash equal (calendar versions by value)."""
    assert hash(open_force(name)) == hash(open_force(name))


def test_times_get_a_default_slot_and_no_times_none() -> None:
    """An hour after each time by default; no slot without times."""
    assert Recurring(WEEK, times=(time(8),)).slot == Duration(hours=1)
    assert Recurring(WEEK).slot is None


def test_obligation_fields_come_from_its_rule() -> None:
    """kind, cadence, times and the types read are the rule's; other kinds have none."""
    ob = _obligation(Triggered(Trigger(("warrant",), WEEK)))
    assert ob.kind is Kind.TRIGGERED
    assert ob.cadence is None and ob.times == () and ob.cycle is None
    assert ob.event_types == {"tweet", "warrant"}
    assert _obligation(Recurring(WEEK, anchor=date(2023, 1, 2))).cycle is not None


def test_every_kind_has_one_module_whose_rule_names_it() -> None:
    """The registry covers every Kind, and each module's rule class says its own kind."""
    assert set(KINDS) == set(Kind)
    for kind in Kind:
        module = kind_module(kind)
        assert module.RULE.kind is kind
        assert module.MEANING
        assert set(module.SCHEMA) == {"properties", "then"}


def test_every_kind_module_function_takes_what_the_registry_passes() -> None:
    """Each function a kind module defines has the parameters of the registry's default,
    and the module defines no public name the registry would not read (a misspelt hook
    would otherwise be ignored silently and its default used)."""
    defaults = {f.name: f.default for f in attrs_fields(KindModule)}
    for kind in Kind:
        module = importlib.import_module(f"engagerules.engine.kinds.{kind.value}")
        for name, value in vars(module).items():
            if not callable(value) or name.startswith("_") or isinstance(value, type):
                continue
            if getattr(value, "__module__", None) != module.__name__:
                continue  # imported, not defined here
            default = defaults.get(name)
            if name in {"build", "evaluate"}:
                continue
            if default is None:
                # a helper another module uses (recurring's period_start, standing's gaps)
                assert name in _SHARED_HELPERS, f"{module.__name__}.{name} is not a hook"
                continue
            own = list(inspect.signature(value).parameters)
            expected = list(inspect.signature(default).parameters)
            assert len(own) == len(expected), (module.__name__, name, own, expected)


#: Public functions a kind module shares beyond the hooks: the standing gap helpers
#: (recurring rolling duties use them) and the constraint's window verdict (the compiled
#: engine words its windows with it).
_SHARED_HELPERS = {"period_start", "gaps", "gap_deadline", "gap_window", "act_gaps", "verdict"}
#: And the verdicts the compiled standing, target and coverage kinds share (issue 23).
_SHARED_HELPERS |= {"line_verdict", "unit_result", "reading_result", "window_result"}
#: And the pairing of the steps of one item, which the compiled recurring kind calls too.
_SHARED_HELPERS |= {"item_steps"}
#: And how evidence naming its period is read, which the compiled recurring kind calls too.
_SHARED_HELPERS |= {"names_period", "period_reach", "period_records"}


def test_a_kind_module_missing_a_required_name_is_named() -> None:
    """A module without `evaluate` is refused at registration, naming what it lacks."""
    broken = types.ModuleType("engagerules.engine.kinds.broken")
    broken.RULE = KINDS[Kind.RECURRING].RULE  # type: ignore[attr-defined]
    broken.MEANING = "x"  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="does not define SCHEMA, build, evaluate"):
        KindModule.of(broken)


def test_only_the_kinds_package_branches_on_kind() -> None:
    """Outside engine/kinds/, no code tests `Kind.<MEMBER>` or a rule's class: a new kind
    touches its module, the Kind enum and its tests, and nothing else."""
    src = Path(__file__).resolve().parent.parent / "src" / "engagerules"
    rules = "|".join(module.RULE.__name__ for module in KINDS.values())
    branching = re.compile(rf"Kind\.[A-Z]+\b|isinstance\([^)]*\b({rules})\b")
    found = [
        f"{path.relative_to(src)}:{number}: {line.strip()}"
        for path in sorted(src.rglob("*.py"))
        if "kinds" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if branching.search(line)
    ]
    assert found == []


def test_schema_is_composed_from_every_kind_fragment() -> None:
    """The obligation schema lists every kind and applies each kind's own requirements."""
    obligation = schema()["$defs"]["obligation"]
    assert obligation["properties"]["kind"]["enum"] == [k.value for k in Kind]
    kinds = [rule["if"]["properties"]["kind"]["const"] for rule in obligation["allOf"]]
    assert kinds == [k.value for k in Kind]
    for key in ("cadence", "trigger", "require", "clears", "target", "reason", "times"):
        assert key in obligation["properties"]
