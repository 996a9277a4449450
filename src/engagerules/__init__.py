"""engagerules: police community-engagement plans as rules a computer can check.

The public API, in the order data flows: load a force, read events, evaluate, render.

    >>> from datetime import date, datetime, timezone
    >>> import engagerules as er
    >>> force = er.open_force("gwent")
    >>> log = er.read_events(["activity.jsonl"], force)          # doctest: +SKIP
    >>> report = er.evaluate(force, log, date(2022, 10, 1), date(2022, 12, 31),
    ...                      datetime(2023, 1, 9, tzinfo=timezone.utc))  # doctest: +SKIP
"""

from engagerules.calendar import (
    FollowUp,
    build_calendar,
    calendar_stamp,
    duty_calendar,
    follow_ups,
)
from engagerules.config import load_force, validate_file
from engagerules.durations import Duration, parse_duration
from engagerules.engine import evaluate
from engagerules.errors import (
    ConfigError,
    EngageRulesError,
    EventError,
    Problem,
    UnknownForceError,
    UsageError,
)
from engagerules.events import Event, EventIndex, EventLog, Rejection, parse_events, read_events
from engagerules.forcedocs import render_force_docs
from engagerules.model import (
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
    Scope,
    Target,
    Trigger,
    Unit,
)
from engagerules.periods import Cycle, Window, range_bounds
from engagerules.registry import ForceSource, available_forces, find_force, open_force
from engagerules.results import Report, Result, Status, Tally
from engagerules.schedule import Due, schedule
from engagerules.shapes import due_json, obligation_json, report_json, result_json
from engagerules.simulate import simulate
from engagerules.textreport import render_text

__all__ = [
    "Citation",
    "Condition",
    "ConfigError",
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
    "FollowUp",
    "Force",
    "ForceSource",
    "Kind",
    "Obligation",
    "Operator",
    "Problem",
    "Rejection",
    "Report",
    "Requirement",
    "Result",
    "Role",
    "Scope",
    "Status",
    "Tally",
    "Target",
    "Trigger",
    "Unit",
    "UnknownForceError",
    "UsageError",
    "Window",
    "available_forces",
    "build_calendar",
    "calendar_stamp",
    "due_json",
    "duty_calendar",
    "evaluate",
    "find_force",
    "follow_ups",
    "load_force",
    "obligation_json",
    "open_force",
    "parse_duration",
    "parse_events",
    "range_bounds",
    "read_events",
    "render_force_docs",
    "render_text",
    "report_json",
    "result_json",
    "schedule",
    "simulate",
    "validate_file",
]

__version__ = "0.1.0"
