"""engagerules: police community-engagement plans as rules a computer can check.

The public API, in the order data flows: load a force, read events, evaluate, render.

    >>> from datetime import date, datetime, timezone
    >>> import engagerules as er
    >>> force = er.open_force("gwent")
    >>> log = er.read_events(["activity.jsonl"], force)          # doctest: +SKIP
    >>> report = er.evaluate(force, log, date(2022, 10, 1), date(2022, 12, 31),
    ...                      datetime(2023, 1, 9, tzinfo=timezone.utc))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engagerules.authoring.audit import ADVERSARIES, Audit, Finding, audit
    from engagerules.authoring.forcedocs import render_force_docs
    from engagerules.authoring.simulate import simulate
    from engagerules.engine.agenda import (
        AgendaItem,
        agenda,
        render_agenda,
    )
    from engagerules.engine.evaluate import NaiveTimeError, evaluate
    from engagerules.engine.explain import (
        Explanation,
        Note,
        WindowExplanation,
        explain,
        render_explanation,
    )
    from engagerules.engine.index import EventIndex
    from engagerules.engine.kinds.advisory import Advisory
    from engagerules.engine.kinds.constraint import Constraint
    from engagerules.engine.kinds.coverage import Coverage
    from engagerules.engine.kinds.recurring import Recurring
    from engagerules.engine.kinds.standing import Standing
    from engagerules.engine.kinds.target import Target
    from engagerules.engine.kinds.triggered import Trigger, Triggered
    from engagerules.engine.schedule import Due, schedule
    from engagerules.engine.selection import Selection, select_report
    from engagerules.engine.trace import Trace
    from engagerules.errors import (
        ConfigError,
        EngageRulesError,
        EventError,
        ModelError,
        Problem,
        ProblemsError,
        UnknownForceError,
        UsageError,
        WaiverError,
    )
    from engagerules.model.durations import Duration, parse_duration
    from engagerules.model.event import Event, EventLog, Rejection
    from engagerules.model.periods import Cycle, Window, range_bounds
    from engagerules.model.plan import (
        Citation,
        Condition,
        Document,
        EventType,
        Force,
        Kind,
        Obligation,
        Operator,
        Requirement,
        Role,
        Rule,
        Scope,
        Unit,
    )
    from engagerules.model.readings import LocalReadings, Part, Reading, Readings
    from engagerules.model.results import (
        UNMATCHED_REASONS,
        DataQuality,
        Report,
        Result,
        RowAccount,
        Status,
        Tally,
    )
    from engagerules.outputs.auditreport import AuditShape, audit_json, render_audit
    from engagerules.outputs.calendar import (
        FollowUp,
        build_calendar,
        calendar_stamp,
        duty_calendar,
        follow_ups,
    )
    from engagerules.outputs.html import render_html
    from engagerules.outputs.junit import render_junit
    from engagerules.outputs.markdown import render_markdown
    from engagerules.outputs.shapes import (
        AgendaShape,
        DueShape,
        ForceShape,
        ObligationShape,
        ReportShape,
        ResultShape,
        agenda_json,
        due_json,
        explanation_json,
        obligation_json,
        report_json,
        result_json,
    )
    from engagerules.outputs.text import render_text
    from engagerules.sources.config import load_force, validate_file
    from engagerules.sources.events import parse_events, read_events
    from engagerules.sources.importer import ImportLog, explain_row, import_events, open_profile
    from engagerules.sources.overrides import read_overrides
    from engagerules.sources.parquet import write_parquet
    from engagerules.sources.profiles import Profile, load_profile, validate_profile
    from engagerules.sources.pseudonyms import pseudonym
    from engagerules.sources.registry import ForceSource, available_forces, find_force, open_force
    from engagerules.sources.waivers import Waiver, apply_waivers, parse_waivers

#: Where each public name lives. Names are imported when first used (PEP 562), so a
#: command loads only what it needs: `check` never imports icalendar, the HTML report
#: or the simulator.
_EXPORTS: dict[str, str] = {
    "ADVERSARIES": "engagerules.authoring.audit",
    "Audit": "engagerules.authoring.audit",
    "Finding": "engagerules.authoring.audit",
    "audit": "engagerules.authoring.audit",
    "AuditShape": "engagerules.outputs.auditreport",
    "audit_json": "engagerules.outputs.auditreport",
    "render_audit": "engagerules.outputs.auditreport",
    "render_force_docs": "engagerules.authoring.forcedocs",
    "simulate": "engagerules.authoring.simulate",
    "AgendaItem": "engagerules.engine.agenda",
    "agenda": "engagerules.engine.agenda",
    "agenda_json": "engagerules.outputs.shapes",
    "AgendaShape": "engagerules.outputs.shapes",
    "render_agenda": "engagerules.engine.agenda",
    "evaluate": "engagerules.engine.evaluate",
    "NaiveTimeError": "engagerules.engine.evaluate",
    "Explanation": "engagerules.engine.explain",
    "Note": "engagerules.engine.explain",
    "WindowExplanation": "engagerules.engine.explain",
    "explain": "engagerules.engine.explain",
    "explanation_json": "engagerules.outputs.shapes",
    "render_explanation": "engagerules.engine.explain",
    "EventIndex": "engagerules.engine.index",
    "Advisory": "engagerules.engine.kinds.advisory",
    "Constraint": "engagerules.engine.kinds.constraint",
    "Coverage": "engagerules.engine.kinds.coverage",
    "Recurring": "engagerules.engine.kinds.recurring",
    "Standing": "engagerules.engine.kinds.standing",
    "Target": "engagerules.engine.kinds.target",
    "Trigger": "engagerules.engine.kinds.triggered",
    "Triggered": "engagerules.engine.kinds.triggered",
    "Due": "engagerules.engine.schedule",
    "schedule": "engagerules.engine.schedule",
    "Trace": "engagerules.engine.trace",
    "ConfigError": "engagerules.errors",
    "EngageRulesError": "engagerules.errors",
    "EventError": "engagerules.errors",
    "ModelError": "engagerules.errors",
    "Problem": "engagerules.errors",
    "ProblemsError": "engagerules.errors",
    "UnknownForceError": "engagerules.errors",
    "UsageError": "engagerules.errors",
    "WaiverError": "engagerules.errors",
    "Duration": "engagerules.model.durations",
    "parse_duration": "engagerules.model.durations",
    "Cycle": "engagerules.model.periods",
    "Window": "engagerules.model.periods",
    "range_bounds": "engagerules.model.periods",
    "Citation": "engagerules.model.plan",
    "Condition": "engagerules.model.plan",
    "Document": "engagerules.model.plan",
    "EventType": "engagerules.model.plan",
    "Force": "engagerules.model.plan",
    "Kind": "engagerules.model.plan",
    "Obligation": "engagerules.model.plan",
    "Operator": "engagerules.model.plan",
    "Requirement": "engagerules.model.plan",
    "Role": "engagerules.model.plan",
    "Rule": "engagerules.model.plan",
    "Scope": "engagerules.model.plan",
    "Unit": "engagerules.model.plan",
    "LocalReadings": "engagerules.model.readings",
    "Part": "engagerules.model.readings",
    "Reading": "engagerules.model.readings",
    "Readings": "engagerules.model.readings",
    "DataQuality": "engagerules.model.results",
    "Report": "engagerules.model.results",
    "Result": "engagerules.model.results",
    "RowAccount": "engagerules.model.results",
    "Selection": "engagerules.engine.selection",
    "select_report": "engagerules.engine.selection",
    "Status": "engagerules.model.results",
    "Tally": "engagerules.model.results",
    "UNMATCHED_REASONS": "engagerules.model.results",
    "FollowUp": "engagerules.outputs.calendar",
    "build_calendar": "engagerules.outputs.calendar",
    "calendar_stamp": "engagerules.outputs.calendar",
    "duty_calendar": "engagerules.outputs.calendar",
    "follow_ups": "engagerules.outputs.calendar",
    "render_html": "engagerules.outputs.html",
    "render_junit": "engagerules.outputs.junit",
    "render_markdown": "engagerules.outputs.markdown",
    "due_json": "engagerules.outputs.shapes",
    "obligation_json": "engagerules.outputs.shapes",
    "report_json": "engagerules.outputs.shapes",
    "DueShape": "engagerules.outputs.shapes",
    "ForceShape": "engagerules.outputs.shapes",
    "ObligationShape": "engagerules.outputs.shapes",
    "ReportShape": "engagerules.outputs.shapes",
    "ResultShape": "engagerules.outputs.shapes",
    "result_json": "engagerules.outputs.shapes",
    "render_text": "engagerules.outputs.text",
    "load_force": "engagerules.sources.config",
    "validate_file": "engagerules.sources.config",
    "Event": "engagerules.model.event",
    "EventLog": "engagerules.model.event",
    "Rejection": "engagerules.model.event",
    "parse_events": "engagerules.sources.events",
    "read_events": "engagerules.sources.events",
    "write_parquet": "engagerules.sources.parquet",
    "ImportLog": "engagerules.sources.importer",
    "explain_row": "engagerules.sources.importer",
    "import_events": "engagerules.sources.importer",
    "open_profile": "engagerules.sources.importer",
    "read_overrides": "engagerules.sources.overrides",
    "Profile": "engagerules.sources.profiles",
    "load_profile": "engagerules.sources.profiles",
    "validate_profile": "engagerules.sources.profiles",
    "pseudonym": "engagerules.sources.pseudonyms",
    "ForceSource": "engagerules.sources.registry",
    "available_forces": "engagerules.sources.registry",
    "find_force": "engagerules.sources.registry",
    "open_force": "engagerules.sources.registry",
    "Waiver": "engagerules.sources.waivers",
    "apply_waivers": "engagerules.sources.waivers",
    "parse_waivers": "engagerules.sources.waivers",
}

__all__ = [
    "ADVERSARIES",
    "UNMATCHED_REASONS",
    "Advisory",
    "AgendaItem",
    "AgendaShape",
    "Audit",
    "AuditShape",
    "Citation",
    "Condition",
    "ConfigError",
    "Constraint",
    "Coverage",
    "Cycle",
    "DataQuality",
    "Document",
    "Due",
    "DueShape",
    "Duration",
    "EngageRulesError",
    "Event",
    "EventError",
    "EventIndex",
    "EventLog",
    "EventType",
    "Explanation",
    "Finding",
    "FollowUp",
    "Force",
    "ForceShape",
    "ForceSource",
    "ImportLog",
    "Kind",
    "LocalReadings",
    "ModelError",
    "NaiveTimeError",
    "Note",
    "Obligation",
    "ObligationShape",
    "Operator",
    "Part",
    "Problem",
    "ProblemsError",
    "Profile",
    "Reading",
    "Readings",
    "Recurring",
    "Rejection",
    "Report",
    "ReportShape",
    "Requirement",
    "Result",
    "ResultShape",
    "Role",
    "RowAccount",
    "Rule",
    "Scope",
    "Selection",
    "Standing",
    "Status",
    "Tally",
    "Target",
    "Trace",
    "Trigger",
    "Triggered",
    "Unit",
    "UnknownForceError",
    "UsageError",
    "Waiver",
    "WaiverError",
    "Window",
    "WindowExplanation",
    "agenda",
    "agenda_json",
    "apply_waivers",
    "audit",
    "audit_json",
    "available_forces",
    "build_calendar",
    "calendar_stamp",
    "due_json",
    "duty_calendar",
    "evaluate",
    "explain",
    "explain_row",
    "explanation_json",
    "find_force",
    "follow_ups",
    "import_events",
    "load_force",
    "load_profile",
    "obligation_json",
    "open_force",
    "open_profile",
    "parse_duration",
    "parse_events",
    "parse_waivers",
    "pseudonym",
    "range_bounds",
    "read_events",
    "read_overrides",
    "render_agenda",
    "render_audit",
    "render_explanation",
    "render_force_docs",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_text",
    "report_json",
    "result_json",
    "schedule",
    "select_report",
    "simulate",
    "validate_file",
    "validate_profile",
    "write_parquet",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'engagerules' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
