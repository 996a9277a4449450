"""Who did it (issue 19): evidence that names no roles is the owner's and its team's; any
broader reading is listed and shown, and accepting every role is never silent."""

from __future__ import annotations

import copy
import json
import tempfile
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from engagerules import ConfigError, Force, Part, Status, evaluate, load_force, parse_events
from engagerules.model.plan import Role, accepted_roles, members_of
from engagerules.sources.overrides import changed_parts
from strategies import FORCE_BASE, RANGE_START, event_records, force_configs

#: A team (NPT) with two members, one of them itself a team (SSG) with a member of its own,
#: and two roles outside it.
ROLES = [
    {"id": "NPT", "title": "Neighbourhood team"},
    {"id": "CSO", "title": "Community support officer", "member_of": ["NPT"]},
    {"id": "SSG", "title": "Sergeants", "member_of": ["NPT"]},
    {"id": "PS", "title": "Sergeant", "member_of": ["SSG"]},
    {"id": "INSP", "title": "Inspector"},
    {"id": "SCHOOLS", "title": "Safer schools officer"},
]


def _config(evidence: dict[str, Any], **extra: Any) -> dict[str, Any]:
    obligation = {
        "id": "t.daily",
        "title": "daily engagement",
        "kind": "recurring",
        "cadence": "P1D",
        "owner": "NPT",
        "evidence": [evidence],
        "source": {"document": "plan.txt", "section": "Rules"},
        **extra,
    }
    return {**FORCE_BASE, "roles": ROLES, "obligations": [obligation]}


@cache
def _load(text: str) -> Force:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "force.json"
        path.write_text(text, encoding="utf-8")
        return load_force(path)


def _force(config: dict[str, Any]) -> Force:
    return _load(json.dumps(config, sort_keys=True))


def _status(force: Force, role: str | None) -> Status:
    record: dict[str, Any] = {"id": "e1", "type": "tweet", "at": "2022-10-10T10:00:00Z"}
    if role is not None:
        record["role"] = role
    log = parse_events([("log", 1, record)], force)
    as_of = datetime(2022, 10, 12, tzinfo=force.zone)
    (result,) = evaluate(force, log, date(2022, 10, 10), date(2022, 10, 10), as_of).results
    return result.status


def test_members_of_follows_teams_down_through_teams() -> None:
    """A team's members include the members of its member teams, the team first."""
    roles = [Role(r["id"], r["title"], tuple(r.get("member_of", ()))) for r in ROLES]
    assert members_of(roles, "NPT") == ("NPT", "CSO", "SSG", "PS")
    assert members_of(roles, "PS") == ("PS",)
    assert accepted_roles(roles, ["SSG", "INSP"]) == ("SSG", "PS", "INSP")


def test_no_roles_accepts_the_owner_and_its_team() -> None:
    """Evidence naming no roles: the owner's and its members' records meet the window."""
    force = _force(_config({"types": ["tweet"]}))
    assert force.obligations[0].evidence[0].roles == ("NPT", "CSO", "SSG", "PS")
    assert _status(force, "PS") is Status.MET
    assert _status(force, "CSO") is Status.MET


@pytest.mark.parametrize("role", ["INSP", "SCHOOLS", None])
def test_no_roles_refuses_anyone_outside_the_team(role: str | None) -> None:
    """A role outside the owner's team, or no role recorded, never meets the window."""
    assert _status(_force(_config({"types": ["tweet"]})), role) is Status.MISSED


def test_a_step_owner_accepts_its_own_team_not_the_duty_owners() -> None:
    """A step with its own owner is that owner's (and its members'), not the duty's team."""
    force = _force(_config({"types": ["tweet"], "owner": "SSG"}))
    assert force.obligations[0].evidence[0].roles == ("SSG", "PS")
    assert _status(force, "PS") is Status.MET
    assert _status(force, "CSO") is Status.MISSED


def test_listed_roles_are_stated_and_accept_their_members() -> None:
    """Listing a team accepts its members; the roles part is then the plan's word."""
    force = _force(_config({"types": ["tweet"], "roles": ["SSG", "INSP"]}))
    assert _status(force, "PS") is Status.MET
    assert _status(force, "INSP") is Status.MET
    assert _status(force, "CSO") is Status.MISSED
    assert Part.ROLES in force.obligations[0].readings.stated


def test_any_role_without_a_reading_is_refused_at_its_path() -> None:
    """`roles: "any"` with no `readings.roles` is refused, located at the roles key."""
    with pytest.raises(ConfigError) as caught:
        _force(_config({"types": ["tweet"], "roles": "any"}))
    assert "$.obligations[0].evidence[0].roles" in str(caught.value)
    assert "readings.roles" in str(caught.value)


def test_any_role_stated_as_a_reading_accepts_everyone_and_says_so() -> None:
    """With its reading, "any" accepts every role (and none), and the reading is shown."""
    reading = {"plan": "the team", "reading": "anyone's record counts", "why": "a figure"}
    force = _force(_config({"types": ["tweet"], "roles": "any"}, readings={"roles": reading}))
    requirement = force.obligations[0].evidence[0]
    assert requirement.any_role and requirement.roles == ()
    assert _status(force, "SCHOOLS") is Status.MET
    assert _status(force, None) is Status.MET
    shown = force.obligations[0].readings.of(Part.ROLES)
    assert shown is not None and "anyone" in shown.sentence()


@pytest.mark.parametrize("bad", ["anyone", [], [5]])
def test_roles_must_be_a_list_of_roles_or_any(bad: object) -> None:
    """Anything but a non-empty list of role codes or "any" is refused."""
    with pytest.raises(ConfigError) as caught:
        _force(_config({"types": ["tweet"], "roles": bad}))
    assert "$.obligations[0].evidence[0].roles" in str(caught.value)


def test_an_override_of_roles_alone_changes_the_roles_part() -> None:
    """A local change to who may do a step is a change to its roles, not its evidence."""
    before = {"evidence": [{"types": ["tweet"]}]}
    after = {"evidence": [{"types": ["tweet"], "roles": ["INSP"]}]}
    assert changed_parts(before, after, ["evidence"]) == (Part.ROLES,)


#: A role no generated duty names, owns or has in its team.
OUTSIDER = "CADET"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(config=force_configs(), records=event_records())
def test_a_role_outside_owner_and_team_never_makes_a_window_met(
    config: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    """Whatever the duty and the log, records all made by a role outside every duty's
    accepted roles (or by nobody named) meet nothing: no window of any kind is met."""
    force = _force(config)
    assert all(OUTSIDER not in r.roles for ob in force.obligations for r in ob.evidence)
    outsiders = copy.deepcopy(records)
    for record in outsiders:
        if record["type"] not in ("warrant", "enrolled", "departed"):  # triggers: anyone's
            record["role"] = OUTSIDER
    log = parse_events([("gen", i + 1, r) for i, r in enumerate(outsiders)], force)
    as_of = datetime(2022, 12, 1, tzinfo=force.zone)
    report = evaluate(force, log, RANGE_START, RANGE_START + timedelta(days=34), as_of)
    met = [r for r in report.results if r.status is Status.MET]
    assert not met, met
