"""Declarative conditions on event attributes: CSV text and JSON values alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagerules import Condition, Event, Operator, Requirement, open_force, validate_file
from engagerules.engine.kinds.constraint import Constraint
from engagerules.model.conditions import denies, failed_condition, holds, measure, number, truthy


def event(**attrs: Any) -> Event:
    return Event(id="e", type="t", at=datetime(2022, 1, 1, tzinfo=UTC), attrs=attrs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        ("false", False),
        ("No", False),
        ("0", False),
        (0, False),
        (False, False),
        ("ASB hotspot", True),
        (True, True),
        ("yes", True),
        (2, True),
    ],
)
def test_truthy_reads_csv_text(value: object, expected: bool) -> None:
    """A recorded attribute is one with content; 'false' from a CSV is not."""
    assert truthy(value) is expected


def test_number_refuses_text_and_booleans() -> None:
    """Strings are not numbers ("520" is text); True is not a number of hours; NaN is nothing."""
    assert (number("2.5"), number(3), number(value=True), number("x"), number(float("nan"))) == (
        None,
        3.0,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("op", "value", "attrs", "expected"),
    [
        (Operator.EQUALS, "twitter", {"a": "Twitter "}, True),
        (Operator.EQUALS, 3, {"a": "3"}, True),
        (Operator.NOT_EQUALS, "x", {}, False),  # missing is never a pass
        (Operator.IN, ["a", "b"], {"a": "B"}, True),
        (Operator.IN, ["a", "b"], {"a": "c"}, False),
        (Operator.NOT_IN, ["statistics", "performance"], {"a": "Statistics"}, False),
        (Operator.NOT_IN, ["statistics"], {"a": "burglary"}, True),
        (Operator.MIN, 3, {"a": "2.5"}, False),
        (Operator.MAX, 3, {"a": 3}, True),
        (Operator.MIN, 3, {}, False),
        (Operator.ABSENT, None, {"a": ""}, True),
    ],
)
def test_operators(op: Operator, value: object, attrs: dict[str, Any], expected: bool) -> None:
    """Each operator compares CSV text and JSON values the same way."""
    assert holds(Condition("a", op, value), event(**attrs)) is expected


def test_differs_from_previous_compares_with_the_event_before() -> None:
    """The same location (case and spaces aside) as the previous event fails."""
    rule = Condition("location", Operator.DIFFERS_FROM_PREVIOUS)
    assert holds(rule, event(location="Hall"), None)
    assert not holds(rule, event(location="hall "), event(location="Hall"))
    assert holds(rule, event(location="Library"), event(location="Hall"))


def test_measure_counts_sums_and_distinct_values() -> None:
    """Count events, total an attribute (numbers only: "1.5" is text), or count values."""
    events = [
        event(hours="1.5", location="A"),
        event(hours=2, location="a"),
        event(hours="x", location="B"),
        event(hours=0.5, location="b"),
    ]
    assert measure(Requirement(types=("t",)), events) == 4
    assert measure(Requirement(types=("t",), sum="hours"), events) == 2.5
    assert measure(Requirement(types=("t",), distinct="location"), events) == 2


def test_list_attributes_are_tested_element_by_element() -> None:
    """A joint meeting with two forces matches 'in' for either; 'not_in' only if neither."""
    joint = event(partners=["avon", "devon"])
    assert holds(Condition("partners", Operator.IN, ["devon"]), joint)
    assert holds(Condition("partners", Operator.EQUALS, "avon"), joint)
    assert not holds(Condition("partners", Operator.NOT_IN, ["avon"]), joint)
    assert holds(Condition("partners", Operator.NOT_EQUALS, "kent"), joint)


def test_a_condition_in_words_lists_its_values_as_a_person_would() -> None:
    """Reasons read "station one of 'east' or 'west'", not a Python list; a reviewer's
    page keeps the values as code, in brackets."""
    two = Condition("station", Operator.IN, ["east", "west"])
    assert two.describe() == "station one of 'east' or 'west'"
    assert two.describe(markdown=True) == "`station` one of [`east`, `west`]"
    three = Condition("topic", Operator.NOT_IN, ["a", "b", "c"])
    assert three.describe() == "topic none of 'a', 'b' or 'c'"


#: Words that deny the thing a value stands for, whatever follows, in the cases people type.
_DENIALS = ("None", "NOBODY", "no-one", "nil", "Nothing", "zero", "0", "not", "n/a", "N.A.")
#: Words that deny the thing when the attribute's own word follows ("No partners ...").
_BEFORE_ITS_WORD = ("no", "No", "NEVER", "without")
#: What may follow a denial word: a separator, then any text.
_SEPARATORS = (" ", " - ", ": ", ", ", ". ", "! ", "\t")


@given(
    word=st.sampled_from(_DENIALS),
    separator=st.sampled_from(_SEPARATORS),
    rest=st.text(),
    label=st.sampled_from(("", "Partners: ", "partners attending:  ")),
)
def test_a_denial_never_meets_an_evidence_condition(
    word: str, separator: str, rest: str, label: str
) -> None:
    """Evidence asks whether the thing is there: "none present", "nil - cancelled", "0
    partners", "Partners: none" say it was not, so no record saying so meets `present`
    (nor a list of them)."""
    value = f"{label}{word}{separator}{rest}"
    evidence = Requirement(types=("t",), where=(Condition("partners", Operator.PRESENT),))
    assert failed_condition(evidence.where, event(partners=value)) is not None
    assert failed_condition(evidence.where, event(partners=[value, "n/a"])) is not None
    assert holds(Condition("partners", Operator.ABSENT), event(partners=value))


@given(
    word=st.sampled_from(_BEFORE_ITS_WORD),
    own=st.sampled_from(("partners", "Partner", "partner-agencies")),
    rest=st.text(),
)
def test_no_followed_by_the_things_own_word_denies_it(word: str, own: str, rest: str) -> None:
    """ "No partners attended", "without partner agencies": the thing's own word after
    "no", "never" or "without" denies it, whatever follows."""
    assert denies(f"{word} {own}{rest}", "partners")
    assert not holds(Condition("partners", Operator.PRESENT), event(partners=f"{word} {own}{rest}"))


@pytest.mark.parametrize(
    ("attr", "value", "denied"),
    [
        ("partners", "Cancelled - weather", True),
        ("partners", "Postponed", True),
        ("partners", "Did not attend", True),
        ("partners", "attendees: 0", True),
        ("partners", "Apologies received - none able to attend", True),
        ("partners", "Dim partneriaid yn bresennol", True),
        ("partners", "No attendance", True),
        ("feedback", "Feedback: none obtained", True),
        ("feedback", "Clerk unavailable - meeting cancelled", True),
        ("action_taken", "Action taken: none", True),
        (
            "feedback",
            "No concerns raised - clerk pleased with PCSO visibility at the market",
            False,
        ),
        ("feedback", "Never had a complaint; asks for more speed checks", False),
        ("advertised", "No. 10 Club newsletter and Facebook", False),
        ("action_taken", "No further action needed - ASB resolved after patrols", False),
        ("advertised", "Facebook: 3 posts", False),
    ],
)
def test_how_people_write_that_it_did_not_happen(attr: str, value: str, denied: bool) -> None:
    """An independent audit's values: ways of writing "nobody came" that met the duty, and
    positive records ("No concerns raised") that a first denial rule refused."""
    assert denies(value, attr) is denied
    assert holds(Condition(attr, Operator.PRESENT), event(**{attr: value})) is not denied


#: Denial words that a constraint's rule still reads as a record ("not ..." and "n/a" are
#: placeholders there too).
_HONEST = ("no", "None", "NOBODY", "no-one", "nil", "Nothing", "never", "without", "zero", "0")


@given(
    word=st.sampled_from(_HONEST),
    separator=st.sampled_from(_SEPARATORS),
    rest=st.from_regex(r"[a-z][a-z0-9 :,.'-]{0,30}", fullmatch=True),
)
def test_a_denial_is_a_record_for_a_constraint(word: str, separator: str, rest: str) -> None:
    """A constraint's rule asks whether the field was filled in honestly: "no visitors: wet
    weather" records the interest gathered, where it meets no evidence condition. ("not ..."
    stays a placeholder in both, as "not known" and "not recorded" are.)"""
    value = f"{word}{separator}{rest}"
    rule = Constraint(require=[Condition("interest", Operator.PRESENT)])
    assert rule.require[0].asks == "recorded"
    assert failed_condition(rule.require, event(interest=value)) is None
    assert failed_condition(rule.require, event(interest="n/a")) is not None
    if word.casefold() not in ("no", "never", "without"):  # "no visitors": not interest
        assert not holds(Condition("interest", Operator.PRESENT), event(interest=value))


@pytest.mark.parametrize(
    "value",
    ["Safer Caerphilly", "Northwood Youth Club", "Notable partners", "0.5 FTE outreach", "nonsuch"],
)
def test_a_value_opening_like_a_denial_is_still_there(value: str) -> None:
    """Only a whole denial word denies: "Northwood" and "0.5" are there."""
    assert not denies(value)
    assert holds(Condition("partners", Operator.PRESENT), event(partners=value))


def test_where_a_condition_stands_decides_what_present_asks() -> None:
    """Loaded forces: Gwent's action day evidence asks whether partners were there; Dorset's
    footfall rule asks whether interest was recorded, and accepts an honest "no visitors"."""
    gwent, dorset = open_force("gwent"), open_force("dorset")
    (action_day,) = gwent.obligation("gwent.cn.respect-action-day")
    assert [c.asks for c in action_day.evidence[0].where] == ["there"]
    (footfall,) = dorset.obligation("dorset.wd.engagement-calendar-footfall")
    assert {c.asks for c in footfall.rule.keeps} == {"recorded"}
    honest = event(footfall=0, interest="no visitors: wet weather")
    assert failed_condition(footfall.rule.keeps, honest) is None
    assert failed_condition(action_day.evidence[0].where, event(partners="none present"))


_KINDS = ("engagement_event", "street_corner_meeting")


@given(
    op=st.sampled_from([("min", 1), ("present", True), ("equals", "x"), ("absent", True)]),
    attrs_=st.dictionaries(
        st.sampled_from(["footfall", "other"]),
        st.one_of(st.none(), st.integers(-2, 3), st.sampled_from(["x", "", "no one", "X "])),
    ),
    kind=st.sampled_from(_KINDS),
    tested=st.lists(st.sampled_from(_KINDS), min_size=1, max_size=2, unique=True),
)
def test_a_condition_naming_its_types_tests_those_and_passes_the_rest(
    op: tuple[str, Any], attrs_: dict[str, Any], kind: str, tested: list[str]
) -> None:
    """A condition with `types` is the plain condition for records of those types and no
    test at all for the step's other types (a street-corner meeting has no foot-fall)."""
    name, value = op
    plain = Condition(attr="footfall", op=Operator(name), value=None if value is True else value)
    scoped = Condition(
        attr="footfall", op=Operator(name), value=None if value is True else value, types=tested
    )
    event = Event(id="e", type=kind, at=datetime(2019, 9, 10, tzinfo=UTC), attrs=attrs_)
    if kind in tested:
        assert holds(scoped, event) == holds(plain, event)
    else:
        assert holds(scoped, event)
    assert scoped.to_json()["types"] == tested


def test_condition_types_must_be_the_steps_own(tmp_path: Path) -> None:
    """A condition naming a type its step does not take, or naming types and no operator,
    is refused at its JSON path."""
    raw = json.loads((Path(__file__).parents[1] / "forces/dorset/force.json").read_text())
    wanted = "dorset.wd.daily-face-to-face"
    index, ob = next((i, o) for i, o in enumerate(raw["obligations"]) if o["id"] == wanted)
    ob["evidence"][0]["where"] = [
        {"attr": "footfall", "min": 1, "types": ["tweet"]},
        {"attr": "footfall", "types": ["engagement_event"]},
    ]
    path = tmp_path / "force.json"
    path.write_text(json.dumps(raw))
    text = "\n".join(str(p) for p in validate_file(path))
    at = f"$.obligations[{index}].evidence[0].where"
    assert f"{at}[0].types: tweet is not a type of this step" in text
    assert f"{at}[1]" in text
