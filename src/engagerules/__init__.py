"""engagerules: police community-engagement plans as rules a computer can check.

The public API, in the order data flows: load a force, read events, evaluate, render.

    >>> from datetime import date, datetime, timezone
    >>> import engagerules as er
    >>> force = er.open_force("gwent")
    >>> log = er.read_events(["activity.jsonl"], force)          # doctest: +SKIP
    >>> report = er.evaluate(force, log, date(2022, 10, 1), date(2022, 12, 31),
    ...                      datetime(2023, 1, 9, tzinfo=timezone.utc))  # doctest: +SKIP
"""

from engagerules.authoring.forcedocs import render_force_docs
from engagerules.authoring.simulate import simulate
from engagerules.engine.agenda import AgendaItem, agenda, agenda_json, render_agenda
from engagerules.engine.evaluate import evaluate
from engagerules.engine.explain import (
    Explanation,
    Note,
    WindowExplanation,
    explain,
    explanation_json,
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
from engagerules.model.results import Report, Result, Status, Tally
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
from engagerules.outputs.shapes import due_json, obligation_json, report_json, result_json
from engagerules.outputs.text import render_text
from engagerules.sources.config import load_force, validate_file
from engagerules.sources.events import Event, EventLog, Rejection, parse_events, read_events
from engagerules.sources.importer import ImportLog, explain_row, import_events, open_profile
from engagerules.sources.profiles import Profile, load_profile, validate_profile
from engagerules.sources.pseudonyms import pseudonym
from engagerules.sources.registry import ForceSource, available_forces, find_force, open_force
from engagerules.sources.waivers import Waiver, apply_waivers, parse_waivers

__all__ = [
    "Advisory",
    "AgendaItem",
    "Citation",
    "Condition",
    "ConfigError",
    "Constraint",
    "Coverage",
    "Cycle",
    "Document",
    "Due",
    "Duration",
    "EngageRulesError",
    "Event",
    "EventError",
    "EventIndex",
    "EventLog",
    "EventType",
    "Explanation",
    "FollowUp",
    "Force",
    "ForceSource",
    "ImportLog",
    "Kind",
    "ModelError",
    "Note",
    "Obligation",
    "Operator",
    "Problem",
    "ProblemsError",
    "Profile",
    "Recurring",
    "Rejection",
    "Report",
    "Requirement",
    "Result",
    "Role",
    "Rule",
    "Scope",
    "Standing",
    "Status",
    "Tally",
    "Target",
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
    "render_agenda",
    "render_explanation",
    "render_force_docs",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_text",
    "report_json",
    "result_json",
    "schedule",
    "simulate",
    "validate_file",
    "validate_profile",
]

__version__ = "0.1.0"
