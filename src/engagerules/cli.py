"""The command line: a thin shell over the Python API.

Every failure a user can cause ends here as one line on stderr and exit status 2 (bad
usage or unreadable input) or 1 (an invalid configuration, or something missed). A
traceback is always a bug.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import gc
import io
import json
import os
import re
import shlex
import shutil
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import attrs

from engagerules.engine.evaluate import evaluate
from engagerules.engine.filters import check_filters
from engagerules.engine.kinds import kind_module
from engagerules.engine.schedule import owned_by, schedule
from engagerules.engine.selection import Selection, select_report
from engagerules.errors import (
    ConfigError,
    EngageRulesError,
    Problem,
    ProblemsError,
    UnknownForceError,
    UsageError,
    did_you_mean,
)
from engagerules.model.durations import parse_duration
from engagerules.model.event import EventLog, Rejection, gc_paused
from engagerules.model.limits import path_problem, range_problem, year_problem
from engagerules.model.periods import local_midnight
from engagerules.model.plan import Force, Obligation
from engagerules.model.results import FAILING, Report, RowAccount, Status
from engagerules.model.words import (
    and_list,
    cadence_words,
    citation_words,
    day_words,
    plural,
    printable,
    printable_lines,
    requirement_text,
    role_words,
    unit_words,
    window_words,
)
from engagerules.outputs.jsontext import json_text
from engagerules.outputs.shapes import due_json, force_json, obligations_json, report_json_parts
from engagerules.sources.config import validate_file
from engagerules.sources.events import read_events
from engagerules.sources.overrides import is_overrides_file, read_overrides
from engagerules.sources.registry import available_forces, base_of, find_force, open_force
from engagerules.sources.waivers import Waiver, apply_waivers, expired_waivers, parse_waivers

if TYPE_CHECKING:  # imported when used: a check loads neither the compiled engine's extra
    # (unless asked), nor import profiles, nor the renderers of formats it does not write
    from engagerules.engine.compiled.run import Ingested
    from engagerules.engine.compiled.source import Records
    from engagerules.sources.importer import ImportLog

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in the same one-line form as ours."""

    def error(self, message: str) -> Any:
        # argparse quotes arguments raw: a CR or LF in one must not break the line.
        self.exit(EXIT_USAGE, f"engagerules: error: {_one_line(message)} (see --help)\n")


def _date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        msg = f"{_shown(text)!r} is not a date (YYYY-MM-DD)"
        raise argparse.ArgumentTypeError(msg) from None
    problem = year_problem(day)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return day


#: The most events `simulate` writes in one run (a year of a large force is ~200,000).
_MAX_SIMULATED = 10_000_000


def _count(text: str) -> int:
    """`simulate --events N`: a whole number up to `_MAX_SIMULATED`, so a typo of many
    digits is an error, not hours of work."""
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) > _MAX_SIMULATED:
        msg = f"{_shown(text)!r} is not a number of events from 0 to {_MAX_SIMULATED:,}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _shown(text: str) -> str:
    """An argument as a message quotes it: cut short, so the message stays one line."""
    return text if len(text) <= 40 else text[:37] + "..."


_REPORT_FORMATS = ("text", "json", "junit", "markdown", "html")


def _statuses(text: str) -> list[Status]:
    """`--fail-on missed,partial`: one or more statuses, comma-separated."""
    allowed = [s.value for s in Status if s is not Status.MET]
    found = []
    for part in text.split(","):
        word = part.strip().lower()
        if word not in allowed:
            msg = f"{part.strip()!r} is not a status that can fail a check ({', '.join(allowed)})"
            raise argparse.ArgumentTypeError(msg)
        found.append(Status(word))
    return found


#: A year ahead is the most any plan's agenda needs.
_MAX_DAYS = 366


def _days(text: str) -> int:
    """`agenda --days`: a whole number of days ahead, 0 to 366."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= _MAX_DAYS:
        msg = f"{text!r} is not a number of days from 0 to 366"
        raise argparse.ArgumentTypeError(msg)
    return value


_ROLE_HELP = "only duties of this role code, including those of the teams it belongs to"
_SCOPE_HELP = "only duties of this unit id, the units enclosing it and force-wide duties"
_WAIVERS_HELP = "JSON waivers exempting windows (see docs/reports.md)"
_FORMAT_HELP = "output format (default: text)"
_OUTPUT_HELP = "write here instead of standard output"
_FORCE_HELP = "a bundled force (gwent, dorset, surrey, notts), a plugin's name, or a directory"
_EVENTS_HELP = "activity event files: .jsonl, .json or .csv"


def _reminder(text: str) -> timedelta:
    """`calendar --remind`: an ISO 8601 duration in weeks, days, hours or minutes (an
    alarm is a fixed time before its item, so months and years do not apply)."""
    try:
        duration = parse_duration(text)
    except ValueError:
        duration = None
    if duration is None or duration.years or duration.months:
        msg = f"{text!r} is not a duration in weeks, days, hours or minutes (PT30M, P1D, P1W)"
        raise argparse.ArgumentTypeError(msg)
    return timedelta(
        weeks=duration.weeks, days=duration.days, hours=duration.hours, minutes=duration.minutes
    )


def _instant(text: str) -> str:
    """Checked for shape here; turned into an instant once the force's zone is known."""
    try:
        moment = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        msg = f"{_shown(text)!r} is not an ISO 8601 date or timestamp"
        raise argparse.ArgumentTypeError(msg) from None
    problem = year_problem(moment)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return text


def resolve_as_of(text: str | None, force: Force) -> datetime:
    """`--as-of`: a timestamp (an offset is needed), a date (its local midnight), or now.

    The clock is read here, at the edge, and nowhere inside the engine.
    """
    if text is None:
        return datetime.now(UTC).astimezone(force.zone)
    if len(text) == 10:
        return local_midnight(date.fromisoformat(text), force.zone)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        msg = f"--as-of {text!r} needs an offset (+01:00) or Z"
        raise UsageError(msg)
    return moment


def _range(args: argparse.Namespace) -> tuple[date, date]:
    start, end = args.start, args.end
    if end < start:
        msg = f"--to {end} is before --from {start}"
        raise UsageError(msg)
    problem = range_problem(start, end, flags=True)
    if problem is not None:
        raise UsageError(problem)
    return start, end


def _write(text: str | Iterable[str] | Iterable[bytes | memoryview], output: str | None) -> None:
    """Write `text` (or its parts, as they are made) to `output`, or to stdout. Parts in
    bytes (a JSON report's: its UTF-8) are written as they are, never decoded to be
    encoded again (at ten million records, 130 MB twice)."""
    parts: Iterator[Any] = iter((text,) if isinstance(text, str) else text)
    first = next(parts, "")
    binary = not isinstance(first, str)
    parts = chain((first,), parts)
    if output is None or output == "-":
        stream = getattr(sys.stdout, "buffer", None) if binary else None
        if stream is None:  # text parts, or a stdout without bytes beneath (a test's)
            sys.stdout.writelines(p if isinstance(p, str) else str(p, "utf-8") for p in parts)
            return
        sys.stdout.flush()  # what was written as text goes first
        stream.writelines(parts)
        stream.flush()
        return
    mode, encoding = ("wb", None) if binary else ("w", "utf-8")
    try:  # (not `with`: a part's own error is a bug, not one of writing)
        out: IO[Any] = Path(output).open(mode, encoding=encoding)  # noqa: SIM115 - closed below
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise _cannot_write(output, exc) from None
    try:
        with out:
            out.writelines(parts)
    except (OSError, UnicodeEncodeError) as exc:
        raise _cannot_write(output, exc) from None


def _cannot_write(output: str, exc: Exception) -> UsageError:
    return UsageError(f"{output!r}: cannot write: {getattr(exc, 'strerror', None) or exc}")


def _say(*lines: str, output: str | None = None) -> None:
    """Lines of text for a person, each escaped as the text report escapes (`printable`):
    nothing from a plan, a log or an export can restyle the terminal or forge a line."""
    _write(printable_lines(lines), output)


def _tell(line: str) -> None:
    """One line on stderr (a note, a warning, a problem), escaped as `_say` escapes."""
    sys.stderr.write(printable(line) + "\n")


_json = json_text


# ---------------------------------------------------------------------------- commands


def _cmd_forces(args: argparse.Namespace) -> int:
    rows: list[Any] = []  # a ForceShape, or a row saying why a force is invalid
    for source in available_forces():
        try:
            force = open_force(source.name)
        except EngageRulesError as exc:
            rows.append({"id": source.name, "origin": source.origin, "error": str(exc)})
            continue
        row = force_json(force, source.origin)
        if source.origin != "bundled" and find_force(source.name).refinement:
            row["id"] = source.name
            row["refines"] = force.id
        elif source.name != force.id:
            row["select"] = source.name
        rows.append(row)
    _same_ids(rows)
    if args.format == "json":
        _write(_json(rows), None)
        return EXIT_OK
    width = max((len(row["id"]) for row in rows), default=0)
    for row in rows:
        if "error" in row:
            _say(f"{row['id']:<{width}}  ({row['origin']}) INVALID: {row['error']}")
        else:
            parts = row["parts"]
            refines = f", refines {row['refines']}" if row.get("refines") else ""
            select = f"; select it as {row['select']!r}" if row.get("select") else ""
            _say(
                f"{row['id']:<{width}}  {row['name']} - {row['obligations']} obligations, "
                f"{len(row['units'])} units ({row['origin']}{refines}{select}); parts: "
                f"{parts['stated']} stated by the plan, {parts['read']} read"
            )
    return EXIT_OK


def _same_ids(rows: list[Any]) -> None:
    """Two sources whose force.json declare one force id are both errors naming both: a
    report's force id must say which plan it judged."""
    by_id: dict[str, list[Any]] = {}
    for row in rows:
        if "error" not in row and "refines" not in row:
            by_id.setdefault(row["id"], []).append(row)
    for force_id, same in by_id.items():
        if len(same) > 1:
            origins = " and ".join(f"{r.get('select', force_id)} ({r['origin']})" for r in same)
            for row in same:
                name = row.get("select", force_id)
                error = f"force id {force_id!r} is declared by {origins}: uninstall one"
                rows[rows.index(row)] = {"id": name, "origin": row["origin"], "error": error}


def _cmd_obligations(args: argparse.Namespace) -> int:
    force = _open(args)
    if args.format == "json":
        _write(_json(obligations_json(force.obligations)), None)
        return EXIT_OK
    checked = [ob for ob in force.obligations if ob.scored]
    advisory = [ob for ob in force.obligations if not ob.scored]
    for heading, group in (
        ("CHECKED", checked),
        ("ADVISORY: in the plan, not checked from activity records", advisory),
    ):
        if not group:
            continue
        _say(f"{heading} ({len(group)})", "")
        for ob in group:
            _say(*_obligation_lines(force, ob))
    return EXIT_OK


def _obligation_lines(force: Force, ob: Obligation) -> list[str]:
    """One duty in words: title and id, then how often, where, who, and its source."""
    how = ob.kind.value if ob.cycle is None else cadence_words(ob.cadence, ob.anchor)
    if ob.times:
        how += " at " + and_list(t.strftime("%H:%M") for t in ob.times)
    if ob.scope.per is None:
        where = "force-wide"
    elif ob.scope.per_person:
        where = "per person"
    else:
        turns = ", in turn, any order" if ob.scope.any_order else ", in turn"
        where = f"per {ob.scope.per}" + (turns if ob.scope.rota else "")
    return [
        ob.title,
        f"  id: {ob.id}",
        f"  {how}, {where}; owner: {role_words(force, ob.owner)} ({ob.owner})",
        *(f"  needs: {requirement_text(force, r)}" for r in ob.evidence),
        *(f"  {_plain(line)}" for line in kind_module(ob.kind).doc_lines(force, ob, ob.rule)),
        f"  source: {citation_words(force, ob.source)}",
        *(f"  {r.part.value}: {r.sentence()}" for r in ob.readings.read),
        "",
    ]


def _plain(line: str) -> str:
    """A line of the force documentation (`- **Trigger:** each `tweet` ...`) as plain text
    (`trigger: each tweet ...`), so `obligations` states thresholds and deadlines too."""
    text = line.removeprefix("- ")
    heading = re.match(r"\*\*([^*]+):\*\* ", text)
    if heading is not None:
        text = heading.group(1).lower() + ": " + text[heading.end() :]
    return text.replace("`", "").replace("**", "")


def _cmd_schedule(args: argparse.Namespace) -> int:
    force = _open(args)
    start, end = _range(args)
    _check_filters(force, args)
    found = schedule(force, start, end, role=args.role, scope=args.scope)
    if args.format == "json":
        _write(_json([due_json(d) for d in found]), None)
        return EXIT_OK
    opened = local_midnight(start, force.zone)
    earlier = inherited = 0
    for due in found:
        notes = []
        if due.window.start < opened:
            earlier += 1
            notes.append(f"opened before {day_words(start)}")
        if args.scope is not None and due.scope not in (None, args.scope, "*"):
            inherited += 1
            notes.append("a duty of an enclosing unit")
        where = "per person" if due.scope == "*" else unit_words(force, due.scope)
        _say(
            f"{window_words(due.window)}: {due.obligation.title}, {where}; "
            f"{role_words(force, due.obligation.owner)}"
            + (f" ({'; '.join(notes)})" if notes else ""),
            f"  id: {due.obligation.id}",
        )
    if earlier:
        _say(
            "",
            f"{plural(earlier, 'window')} opened before {day_words(start)} and "
            "overlap the range, so they are listed.",
        )
    if inherited:
        _say(
            f"{plural(inherited, 'window')} are duties of units enclosing "
            f"{unit_words(force, args.scope)}: events logged in "
            f"{unit_words(force, args.scope)} count for them too."
        )
    return EXIT_OK


def _open(args: argparse.Namespace) -> Force:
    """The force named by FORCE, with every `--overrides` file laid over it in order."""
    _note_shadowed(args.force)
    return open_force(args.force, getattr(args, "overrides", None) or ())


def _note_shadowed(name: str) -> None:
    """Say so when FORCE names a bundled force or plugin and a directory of that name is
    here too: the name wins, and `./NAME` would have chosen the directory."""
    from engagerules.sources.registry import shadowed_directory

    if shadowed_directory(name) is not None:
        _tell(
            f"engagerules: note: {name!r} is the installed force; the directory ./{name} "
            f"is not used (give ./{name} to use it)"
        )


def _check_filters(force: Force, args: argparse.Namespace) -> None:
    role, scope = getattr(args, "role", None), getattr(args, "scope", None)
    check_filters(force, role=role, scope=scope, option="--")


def run_check(
    force: Force,
    files: Sequence[str],
    start: date,
    end: date,
    as_of: datetime,
    profile: str | None = None,
) -> Report:
    read = _read(files, force, profile)
    return attrs.evolve(evaluate(force, read.log, start, end, as_of), rows=read.rows)


class _Input(NamedTuple):
    """What a command read: the events, and the export's rows when a profile read them."""

    log: EventLog
    rows: RowAccount | None = None


#: `--max-rejected`'s default: a run rejecting more than this share of its rows stops.
DEFAULT_MAX_REJECTED = 0.5


def _share(text: str) -> float:
    """`--max-rejected`: a share of the rows read, as a percentage (`10%`) or 0 to 1."""
    word = text.strip()
    try:
        value = float(word[:-1]) / 100 if word.endswith("%") else float(word)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        msg = f"{_shown(text)!r} is not a share of rows (a percentage such as 10%, or 0 to 1)"
        raise argparse.ArgumentTypeError(msg)
    return value


def _run_compiled_check(
    force: Force, args: argparse.Namespace, start: date, end: date, as_of: datetime
) -> tuple[Report, Callable[[], EventLog]]:
    """`_compiled_check`; over DuckDB, run as the program, with pandas kept out
    (`without_pandas`: pyarrow, asked for pandas while it was, goes on taking Python
    values for none of pandas' until it must have pandas, which the program, exiting
    next, never asks of it; a caller's process may)."""
    from engagerules.engine.compiled.source import without_pandas

    alone = args.backend == "duckdb" and getattr(args, "program", False)
    with without_pandas() if alone else contextlib.nullcontext():
        return _compiled_check(force, args, start, end, as_of)


@gc_paused()
def _compiled_check(
    force: Force, args: argparse.Namespace, start: date, end: date, as_of: datetime
) -> tuple[Report, Callable[[], EventLog]]:
    """`check --engine ibis`: the compiled duties judged by a query over the ingested file
    (DuckDB in process, or `--backend spark`: Spark in local mode) or table (`--backend
    URL`), the others by the reference, in one report (issue 23).

    No cyclic collection runs meanwhile (as none runs in `evaluate`): importing Ibis and
    DuckDB's backend, and the rows the queries return (a million and more at 10M records),
    set off full collections that walked every object for nothing (at 1M records, three,
    0.17 s of CPU); and what is left is then frozen, so the first collection after does
    not walk all that was made meanwhile (0.09 s more)."""
    from engagerules.engine.compiled import evaluate_compiled, records_from
    from engagerules.engine.compiled.run import Ingested
    from engagerules.engine.compiled.source import FILE_BACKENDS

    if len(args.events) != 1 or args.profile:
        msg = (
            "--engine ibis reads one file written by `engagerules ingest` (.parquet), or with "
            "--backend URL one table it wrote"
        )
        raise UsageError(msg)
    source = args.events[0]
    if args.backend in FILE_BACKENDS:
        if not source.lower().endswith(".parquet"):
            msg = f"{source}: --engine ibis over {args.backend} reads a .parquet file from `ingest`"
            raise UsageError(msg)
        records = records_from(source, backend=args.backend)
        try:
            log = _kept_beside(records, source, force, args)
        except BaseException:
            records.close()
            raise
    else:
        from engagerules.sources.events import read_table

        whole = read_table(args.backend, source, force)
        log = Ingested(whole.rejections, whole.read, lambda: whole)
        records = records_from(source, backend=args.backend, table=source)
    try:
        report = evaluate_compiled(force, log, records, start, end, as_of)
    finally:
        records.close()
    gc.freeze()  # what is left lives as long as the command (as `_read` leaves the events)
    return report, log.events


def _kept_beside(records: Records, source: str, force: Force, args: argparse.Namespace) -> Ingested:
    """What ingest kept beside the records of a file (their rejections and count), and how
    to read every record in Python should the check need to: from the metadata alone when
    the file is read in order (its rows stay where they are), else by reading them all."""
    from engagerules.engine.compiled.run import Ingested
    from engagerules.sources.parquet import parquet_meta
    from engagerules.sources.vouched import found

    if records.ordered:
        rejections, read = parquet_meta(source, force)
        _show_values(args, rejections)
        whole = functools.cache(lambda: _read_events([source], force, None).log)
        return Ingested(tuple(rejections), read, whole, found(source))
    log = _read(args.events, force, None, args).log
    return Ingested(log.rejections, log.read, lambda: log)


def _read(
    files: Sequence[str],
    force: Force,
    profile: str | None = None,
    args: argparse.Namespace | None = None,
) -> _Input:
    """Read events (through an import profile when given), showing progress on stderr
    when a person is watching it; a run that rejects every row, or more than
    `--max-rejected` of them, stops here with one line (a wrong date format must not
    read as a month of missed duties).

    The events then live as long as the command: `gc.freeze()` takes them (and everything
    else alive) out of the cyclic collector's sight, which would otherwise walk all of
    them, several times, while the report is built."""
    read = _read_events(files, force, profile)
    limit = getattr(args, "max_rejected", None)
    _check_rejected(read, DEFAULT_MAX_REJECTED if limit is None else limit)
    if args is not None:
        _show_values(args, read.log.rejections)
    gc.freeze()
    return read


def _show_values(args: argparse.Namespace, rejections: Sequence[Rejection]) -> None:
    """With `--show-values`, the rejected records' values, on this terminal only (every
    reader withholds values from reasons; each rejection keeps them quoted)."""
    if getattr(args, "show_values", False) and rejections:
        sys.stderr.write("engagerules: note: the rejected records' values (this terminal only):\n")
        sys.stderr.writelines(f"  {_one_line(str(r.revealed()))}\n" for r in rejections)


def _check_rejected(read: _Input, limit: float) -> None:
    """Stop a run whose import profile rejected every row, or too many of them. Event
    files in engagerules' own format are not held to it: their rejections are the report's
    to list, record by record, as the hardening tests expect."""
    if read.rows is None:
        return
    total = read.rows.read
    rejected = len(read.log.rejections)
    if not total or not rejected:
        return
    first = read.log.rejections[0]
    if not read.log.events:
        filtered = read.rows.filtered_total
        left = f", the other {filtered} filtered out" if filtered else ""
        msg = (
            f"no row was imported: {rejected} of the {plural(total, 'row')} read were "
            f"rejected{left} (the first: {first})"
        )
        raise UsageError(msg)
    if rejected / total > limit:
        msg = (
            f"{rejected} of the {plural(total, 'row')} read were rejected ({rejected / total:.0%}, "
            f"more than --max-rejected {limit:.0%}; the first: {first})"
        )
        raise UsageError(msg)


def _read_events(files: Sequence[str], force: Force, profile: str | None) -> _Input:
    if profile is not None:
        imported, title = _import(profile, files, force)
        _tell(f"engagerules: note: {profile}: {imported.summary()}")
        return _Input(imported.log, imported.account(title))
    if not sys.stderr.isatty():
        return _Input(read_events(files, force))

    def progress(name: str, count: int) -> None:
        sys.stderr.write(f"\rreading {printable(name)}: {count:,} records")
        sys.stderr.flush()

    try:
        return _Input(read_events(files, force, progress=progress))
    finally:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _waivers(path: str | None, force: Force) -> tuple[Waiver, ...]:
    """Read and check a waiver file (`--waivers`); bad files stop the run with exit 2."""
    if path is None:
        return ()
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        msg = f"{path}: no such waiver file"
        raise UsageError(msg) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the name
        msg = f"{path}: cannot be read: {exc}"
        raise UsageError(msg) from None
    return parse_waivers(text, path, force)


def _note_expired(waivers: Sequence[Waiver], as_of: datetime, force: Force) -> None:
    for waiver in expired_waivers(waivers, as_of, force):
        _tell(f"engagerules: note: {waiver.where} expired on {waiver.expiry} and no longer applies")


def _cmd_check(args: argparse.Namespace) -> int:
    force = _open(args)
    start, end = _range(args)
    as_of = resolve_as_of(args.as_of, force)
    waivers = _waivers(args.waivers, force)
    _check_filters(force, args)
    if args.engine == "ibis":
        report, events = _run_compiled_check(force, args, start, end, as_of)
    else:
        read = _read(args.events, force, args.profile, args)
        report = attrs.evolve(evaluate(force, read.log, start, end, as_of), rows=read.rows)
        events = lambda: read.log  # noqa: E731 - the same shape as the compiled check's
    report = apply_waivers(report, waivers, force)
    report = select_report(report, force, _selection(args))
    _note_expired(waivers, as_of, force)
    fail_on = FAILING if not args.fail_on else frozenset(args.fail_on)

    def text(r: Report) -> str:
        from engagerules.outputs.text import render_text

        return render_text(r, force=force)

    def junit(r: Report) -> str:
        from engagerules.outputs.junit import render_junit

        return render_junit(r, fail_on=fail_on)

    def markdown(r: Report) -> str:
        from engagerules.outputs.markdown import render_markdown

        return render_markdown(r, fail_on=fail_on, force=force)

    def html(r: Report) -> str:
        from engagerules.outputs.html import render_html

        return render_html(r, force=force, fail_on=fail_on, events=events())

    renderers: dict[str, Callable[[Report], str | Iterable[str] | Iterable[bytes | memoryview]]] = {
        "json": report_json_parts,
        "text": text,
        "junit": junit,
        "markdown": markdown,
        "html": html,
    }
    _write(renderers[args.format](report), args.output)
    _note_written(args.format, args.output)
    for name, render in renderers.items():
        extra = getattr(args, f"also_{name}", None)
        if extra is not None:
            _write(render(report), extra)
            _note_written(name, extra)
    return EXIT_FAILED if report.failed(fail_on) else EXIT_OK


def _note_written(name: str, output: str | None) -> None:
    """Say on stderr where a report file went, so nobody has to guess (stdout stays clean)."""
    if output is not None and output != "-":
        _tell(f"wrote the {name} report to {output}")


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(
        scope=args.scope, role=args.role, with_enclosing=getattr(args, "with_enclosing", False)
    )


def _cmd_explain(args: argparse.Namespace) -> int:
    from engagerules.engine.explain import explain, render_explanation
    from engagerules.outputs.shapes import explanation_json

    force = _open(args)
    start, end = _range(args)
    _check_filters(force, args)
    as_of = resolve_as_of(args.as_of, force)
    waivers = _waivers(args.waivers, force)
    log = _read(args.events, force, args.profile, args).log
    found = explain(
        force,
        args.obligation,
        log,
        start,
        end,
        as_of,
        waivers=waivers,
        limit=args.limit,
        person=args.person,
    )
    selection = _selection(args)
    if args.role is not None and not any(
        owned_by(ob, args.role, force) for ob in force.obligation(args.obligation)
    ):
        msg = (
            f"{args.obligation} is not a duty of {role_words(force, args.role)} ({args.role}) "
            "or of a team it belongs to"
        )
        raise UsageError(msg)
    found = attrs.evolve(
        found,
        windows=tuple(w for w in found.windows if selection.keeps_scope(force, w.result.scope)),
        scope=args.scope,
    )
    _note_expired(waivers, as_of, force)
    if args.format == "json":
        _write(_json(explanation_json(found)), args.output)
    else:
        _write(render_explanation(found, force), args.output)
    return EXIT_OK


def _cmd_agenda(args: argparse.Namespace) -> int:
    from engagerules.engine.agenda import agenda, render_agenda
    from engagerules.outputs.shapes import agenda_json

    force = _open(args)
    _check_filters(force, args)
    as_of = resolve_as_of(args.as_of, force)
    waivers = _waivers(args.waivers, force)
    log = _read(args.events, force, args.profile, args).log
    items = agenda(
        force, log, as_of, role=args.role, scope=args.scope, waivers=waivers, days=args.days
    )
    _note_expired(waivers, as_of, force)
    if args.format == "json":
        _write(_json(agenda_json(items, force)), args.output)
    else:
        text = render_agenda(items, force, as_of, role=args.role, scope=args.scope, days=args.days)
        _write(text, args.output)
    return EXIT_OK


def _profile_problems(path: Path) -> list[Problem]:
    """`validate PROFILE`: the profile's own problems, then what its force does not know."""
    from engagerules.sources.profiles import force_problems, load_profile, validate_profile

    problems = validate_profile(path)
    if problems:
        return problems
    return force_problems(load_profile(path), _profile_force(str(path)))


def _profile_force(path: str, given: Force | None = None) -> Force:
    """The force a profile is for, opened; with `given`, checked to be the same force."""
    from engagerules.sources.profiles import load_profile

    profile = load_profile(path)
    name = profile.force
    beside = profile.path.parent / name
    if given is not None and name == given.id:
        return given
    force = open_force(str(beside) if beside.is_dir() else name)
    if given is not None and force.id != given.id:
        msg = f"{path}: the profile is for force {force.id!r}, not {given.id!r}"
        raise UsageError(msg)
    return force


def _import(path: str, files: Sequence[str], force: Force) -> tuple[ImportLog, str]:
    """Read exports through the profile at `path`, for `force`; and the profile's title."""
    from engagerules.sources.importer import import_events, open_profile

    _profile_force(path, force)
    profile, key = open_profile(path, force, files)
    return import_events(profile, force, files, key=key), profile.title


def _cmd_import(args: argparse.Namespace) -> int:
    from engagerules.sources.importer import event_record, explain_row, import_events, open_profile

    force = _profile_force(args.profile)
    profile, key = open_profile(args.profile, force, args.files)
    if args.row is not None:
        if len(args.files) != 1:
            msg = "--row explains one row of one file: give exactly one FILE"
            raise UsageError(msg)
        steps = explain_row(
            profile, force, args.files[0], args.row, key=key, show_values=args.show_values
        )
        _say(*steps)
        return EXIT_OK
    imported = import_events(profile, force, args.files, key=key)
    records = (event_record(e, force.zone) for e in imported.log.events)
    _write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), args.output)
    if args.format == "json":
        summary = _json(imported.to_json())
    else:
        lines = [*map(str, imported.log.rejections), f"{profile.id}: {imported.summary()}"]
        summary = printable_lines(lines)
    if args.show_values and imported.shown:
        sys.stderr.write("engagerules: note: the rejected rows' values (this terminal only):\n")
        sys.stderr.writelines(f"  {_one_line(str(r))}\n" for r in imported.shown)
    if args.output in (None, "-"):
        sys.stderr.write(summary)
    else:
        _write(summary, None)
    return EXIT_OK


def _cmd_ingest(args: argparse.Namespace) -> int:
    """Read events once, with `check`'s own reader, and keep what it gave as Parquet."""
    from engagerules.sources.parquet import write_parquet

    force = _open(args)
    to_table = "://" in args.output
    if not to_table and not args.output.lower().endswith(".parquet"):
        msg = (
            f"-o {args.output!r}: ingest writes Parquet (name the file .parquet) "
            "or a table (-o URL)"
        )
        raise UsageError(msg)
    log = _read_events(args.events, force, args.profile).log
    if to_table:
        from engagerules.sources.parquet import write_table

        write_table(log, force, args.output, args.table)
    else:
        write_parquet(log, force, args.output)
    for rejection in log.rejections:
        sys.stderr.write(f"{_one_line(str(rejection))}\n")
    _tell(
        f"wrote {len(log.events):,} events to "
        f"{f'table {args.table}' if to_table else args.output} "
        f"(read {log.read:,}: {len(log.events):,} events, {len(log.rejections):,} rejected; "
        "the rejections are kept in the file and reported by every check of it)"
    )
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    """Print a JSON Schema: a whole force.json by default (what `validate` checks)."""
    from engagerules.authoring import schemas

    if args.kind is not None:
        found = schemas.kind_schema(args.kind)
    elif args.output_shape is not None:
        found = schemas.output_schema(args.output_shape)
    elif args.profile:
        found = schemas.shipped_input_schema("profile")
    elif args.overrides_file:
        found = schemas.shipped_input_schema("overrides")
    else:
        found = schemas.force_schema()
    _write(json.dumps(found, indent=2, ensure_ascii=False) + "\n", args.out)
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    """Scaffold a force (or a plugin package) that validates and passes its scenario."""
    from engagerules.authoring.scaffold import new_force

    document = Path(args.document) if args.document else None
    home = new_force(args.force_id, Path(args.dir), document=document, plugin=args.plugin)
    _tell(f"wrote {home}: force.json, force.schema.json (for your editor), tests/example.json")
    _tell(f"next: engagerules validate {home} && engagerules test {home}")
    return EXIT_OK


def _serve_extra(exc: ImportError) -> UsageError:
    """A missing part of the server is a usage error naming the extra that brings it."""
    missing = exc.name or "a part of it"
    msg = f"the server needs the serve extra ({missing} is not installed): "
    return UsageError(msg + "pip install 'engagerules[serve]'")


def _store(args: argparse.Namespace) -> Any:
    """The server's store named by --db (default: engagerules.db in the working directory)."""
    try:
        from engagerules.serve.store import default_url, open_store
    except ImportError as exc:
        raise _serve_extra(exc) from None
    return open_store(args.db or default_url(Path.cwd()))


def _cmd_serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted."""
    try:
        import uvicorn

        from engagerules.serve.app import create_app
    except ImportError as exc:
        raise _serve_extra(exc) from None
    store = _store(args)
    store.stale_after = timedelta(seconds=args.claim_timeout)
    directories = [Path(d) for d in args.forces or ()]
    for directory in directories:
        open_force(str(directory))  # a broken force is a usage error now, not a 500 later
    app = create_app(store, public_url=args.public_url, directories=directories)
    sys.stderr.write(
        f"engagerules: serving on http://{args.host}:{args.port} (store: {store.engine.url})\n"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return EXIT_OK


def _cmd_grants(args: argparse.Namespace) -> int:
    """`tokens` and `keys`: add (the secret is shown once), list, revoke."""
    store = _store(args)
    table = args.command
    if args.action == "add":
        if table == "tokens":
            parts = (args.feed or "").rsplit("/", 2)
            if len(parts) != 3 or not all(parts):
                raise UsageError("--feed FORCE/ROLE/UNIT is needed (ROLE or UNIT may be *)")
            force, role, unit = parts
            loaded = open_force(force)
            if Path(force).is_dir():  # a directory the server is given with --forces
                force = Path(force).resolve().name
            check_filters(
                loaded, role=None if role == "*" else role, scope=None if unit == "*" else unit,
                option="--feed ",
            )  # fmt: skip
            ident, secret = store.add_token(force, role, unit)
        else:
            if not args.force:
                raise UsageError("--force FORCE is needed")
            open_force(args.force)
            ident, secret = store.add_key(args.force, args.right or ["read"])
        _write(f"{ident} {secret}\n", None)
        sys.stderr.write("engagerules: note: the secret is shown once; only its hash is kept\n")
        return EXIT_OK
    if args.action == "revoke":
        if not args.id:
            raise UsageError(f"{table} revoke ID: give the id `{table} list` shows")
        if not store.revoke(table, args.id):
            raise UsageError(f"no live {table[:-1]} {args.id!r}")
        _write(f"revoked {args.id}\n", None)
        return EXIT_OK
    for grant in store.grants(table):
        state = f"revoked {grant.revoked:%Y-%m-%d}" if grant.revoked else "live"
        _write(
            f"{grant.id}  {grant.force}  {grant.what}  {grant.created:%Y-%m-%d}  {state}\n", None
        )
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from engagerules.sources.profiles import is_profile

    path = Path(args.path)
    unusable = path_problem(args.path)
    if unusable is not None:
        raise UsageError(f"{args.path!r}: {unusable}")
    if not path.exists():
        try:
            path = find_force(args.path).path
        except EngageRulesError:
            msg = f"{args.path}: no such file, directory or force"
            raise UsageError(msg) from None
    problems = _profile_problems(path) if is_profile(path) else _validate(path)
    if not problems and not is_profile(path) and not is_overrides_file(path):
        problems = _authoring_problems(path)
    for problem in problems:
        _tell(str(problem))
    if problems:
        sys.stderr.write(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found\n")
        return EXIT_FAILED
    _say(f"{path}: valid")
    return EXIT_OK


def _authoring_problems(path: Path) -> list[Problem]:
    """A valid force's quotes against its documents (those at hand; the rest are noted)
    and its scenario files."""
    from engagerules.authoring.verify import document_problems, scenario_problems
    from engagerules.sources.config import load_force

    file = path / "force.json" if path.is_dir() else path
    force = load_force(file)
    problems, notes = document_problems(file, force)
    for note in notes:
        sys.stderr.write(f"engagerules: note: {_one_line(note)}\n")
    return problems + scenario_problems(force)


def _validate(path: Path) -> list[Problem]:
    """A force configuration's problems; for an overrides file, those of the force it
    refines with the file laid over it."""
    if not is_overrides_file(path):
        return validate_file(path)
    try:
        doc = read_overrides(path)
        base, chain = base_of(find_force(doc.force))
    except ConfigError as exc:
        return list(exc.problems)
    except UnknownForceError as exc:  # the force it refines: a problem of the file
        return [Problem.at(str(exc), file=str(path), path="$.force")]
    return validate_file(base.path, overrides=[*chain, doc])


def _cmd_simulate(args: argparse.Namespace) -> int:
    from engagerules.authoring.simulate import simulate

    force = _open(args)
    start, end = _range(args)
    try:
        records = simulate(
            force, start, end, events=args.events, compliance=args.compliance, seed=args.seed
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _write(_serialise_records(records, args.output), args.output)
    if args.output not in (None, "-"):
        _tell(f"wrote {len(records)} events to {args.output}")
    return EXIT_OK


def _serialise_records(records: list[dict[str, Any]], output: str | None) -> str:
    suffix = Path(output).suffix.lower() if output else ".jsonl"
    if suffix == ".json":
        return _json(records)
    if suffix == ".csv":
        extra = sorted({k for r in records for k in r.get("attrs", {})})
        columns = ["id", "type", "at", "scope", "role", "person", "refs", *extra]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns, lineterminator="\n")
        writer.writeheader()
        for r in records:
            row = {k: v for k, v in r.items() if k not in ("attrs", "refs")}
            row.update(r.get("attrs", {}))
            if r.get("refs"):
                row["refs"] = ";".join(r["refs"])
            writer.writerow(row)
        return buffer.getvalue()
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _cmd_test(args: argparse.Namespace) -> int:
    from engagerules.authoring.scenarios import (
        load_scenarios,
        run_scenario,
        scenario_files,
        scenario_gaps,
    )

    force = _open(args)
    files = scenario_files(force)
    if not files:
        msg = f"{force.id} ships no scenario files ({force.root}/tests/*.json)"
        raise UsageError(msg)
    passed = failed = 0
    scenarios = [scenario for file in files for scenario in load_scenarios(file, force)]
    for scenario in scenarios:
        outcome = run_scenario(force, scenario)
        if outcome.passed:
            passed += 1
            if args.verbose:
                _say(f"PASS {scenario.file.name}: {scenario.name}")
            continue
        failed += 1
        _say(f"FAIL {scenario.file.name}: {scenario.name}")
        _say(*(f"  {failure}" for failure in outcome.failures))
    gaps = scenario_gaps(force, scenarios)
    level = "error" if args.strict else "warning"
    for gap in gaps:
        _tell(f"engagerules: {level}: {gap}")
    summary = f"{force.id}: {passed} passed, {failed} failed"
    if gaps:
        summary += f"; {plural(len(gaps), 'checked duty', 'checked duties')} not shown both ways"
    _write(summary + "\n", None)
    return EXIT_FAILED if failed or (gaps and args.strict) else EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    from engagerules.authoring.audit import audit
    from engagerules.outputs.auditreport import audit_json, render_audit

    force = _open(args)
    wanted = args.obligation or None
    if wanted is not None:
        ids = force.obligation_ids
        for ob_id in wanted:
            if ob_id not in ids:
                msg = f"{force.id} has no obligation {ob_id!r}{did_you_mean(ob_id, ids)}"
                raise UsageError(msg)
    found = audit(force, wanted)
    overrides = args.overrides or ()
    if args.format == "json":
        _write(json.dumps(audit_json(found, overrides), indent=2, ensure_ascii=False) + "\n", None)
    else:
        _write(render_audit(found, overrides, verbose=args.verbose), None)
    return EXIT_FAILED if found.findings else EXIT_OK


def _cmd_docs(args: argparse.Namespace) -> int:
    from engagerules.authoring.forcedocs import render_force_docs

    force = _open(args)
    _say(*render_force_docs(force).rstrip("\n").split("\n"), output=args.output)
    return EXIT_OK


def _cmd_calendar(args: argparse.Namespace) -> int:
    from engagerules.outputs.calendar import calendar_stamp, duty_calendar

    force = _open(args)
    start, end = _range(args)
    _check_filters(force, args)
    log = read_events(args.events, force) if args.events else None
    if log is not None:
        for rejection in log.rejections:
            _tell(f"engagerules: warning: {rejection}")
    try:
        stamp = calendar_stamp(force, os.environ.get("SOURCE_DATE_EPOCH"))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    cal = duty_calendar(
        force,
        start,
        end,
        role=args.role,
        scope=args.scope,
        events=log,
        stamp=stamp,
        reminder=args.remind,
        timed_reminder=args.remind_timed,
    )
    _write_bytes(cal.to_ical(), args.output)
    if args.output not in (None, "-"):
        items = len(cal.walk("VEVENT"))
        sys.stderr.write(f"wrote {plural(items, 'calendar item')} to {args.output}\n")
    return EXIT_OK


def _write_bytes(data: bytes, output: str | None) -> None:
    """Bytes as they are: iCalendar lines end in CRLF, which text mode could double."""
    if output is None or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        return
    try:
        Path(output).write_bytes(data)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise _cannot_write(output, exc) from None


def _cmd_demo(args: argparse.Namespace) -> int:
    candidates = [s for s in available_forces() if s.origin == "bundled"]
    name = args.force
    force = None
    for source in candidates:
        if name is not None and source.name != name:
            continue
        loaded = open_force(source.name)
        if loaded.demo is not None:
            force = loaded
            break
    if force is None or force.demo is None:
        msg = f"no bundled force {'named ' + repr(name) + ' ' if name else ''}offers a demo"
        raise UsageError(msg)
    demo = force.demo
    report = run_check(force, [str(demo.events)], demo.start, demo.end, demo.as_of)
    intro = (
        f"engagerules demo: {force.name}'s plan checked against a simulated activity log\n"
        f"(the same as: {program()} check {force.id} {demo.events} --from {demo.start} "
        f"--to {demo.end} --as-of {demo.as_of.isoformat()})\n\n"
    )
    from engagerules.outputs.text import render_text

    _write(intro + render_text(report, detail_limit=args.limit, force=force), None)
    _write(_next_steps(force, report), None)
    return EXIT_OK


def program() -> str:
    """How a command printed for a newcomer runs from here: `engagerules` when that is
    on PATH, else this Python with `-m engagerules` (a virtual environment not activated)."""
    if shutil.which("engagerules") is not None:
        return "engagerules"
    return f"{shlex.quote(sys.executable)} -m engagerules"


def _next_steps(force: Force, report: Report) -> str:
    """Where a newcomer goes after the demo: three commands that work as printed, the
    second explaining the duty that was missed most often."""
    demo = force.demo
    if demo is None:  # pragma: no cover - the demo command picks a force with one
        return ""
    from engagerules.outputs.summary import slips

    missed = slips(report.results, Status.MISSED)
    first = missed[0].obligation if missed else force.obligation_ids[0]
    unit = missed[0].units[0][0] if missed else "force-wide"
    where = "" if unit == "force-wide" else f" --scope {unit}"
    dates = f"--from {demo.start} --to {demo.end}"
    run = program()
    return (
        "\nNext, try:\n"
        f"  {run} obligations {force.id}\n"
        f"      the duties of the plan, in words\n"
        f"  {run} explain {force.id} {first} {demo.events} {dates}"
        f" --as-of {demo.as_of.isoformat()}{where}\n"
        f"      why each window of the duty missed most often was met or missed, "
        "record by record\n"
        f"  {run} check {force.id} {demo.events} {dates}"
        f" --as-of {demo.as_of.isoformat()} --html report.html\n"
        f"      the same check as a page for a sergeant or a board\n"
    )


# ---------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="engagerules",
        description="Check police community-engagement plans against activity records.",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an internal error, print the traceback (also ENGAGERULES_DEBUG=1); "
        "accepted anywhere on the line",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_plan_commands(sub)
    _add_check(sub)
    _add_explain_and_agenda(sub)
    _add_export_commands(sub)
    _add_authoring_commands(sub)
    _add_import(sub)
    _add_ingest(sub)
    _add_schema(sub)
    _add_new(sub)
    _add_serve(sub)
    return parser


def _add_import(sub: Any) -> None:
    """`import`: exports read through an import profile, written as events."""
    p = sub.add_parser(
        "import",
        help="read exports through an import profile and write them as events",
        description="Read exports (CSV, Excel, JSON Lines, an SQL database) through an import "
        "profile and write them as events (JSON Lines), accounting for every row: read = "
        "imported + filtered + rejected. See docs/check-your-own-exports.md.",
    )
    p.add_argument("profile", metavar="PROFILE", help="the import profile (a JSON file)")
    p.add_argument(
        "files",
        metavar="FILE",
        nargs="+",
        help="exports to read; for an SQL profile, an SQLite file or a database URL",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="the events file (default: stdout)")
    p.add_argument("--row", type=int, metavar="N", help="explain how row N is mapped, step by step")
    _show_values_option(p)
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="the accounting summary's format",
    )
    p.set_defaults(run=_cmd_import)


def _add_ingest(sub: Any) -> None:
    """`ingest`: events read once, validated, kept as Parquet for repeat checks and queries."""
    p = sub.add_parser(
        "ingest",
        help="read events once, as check does, and write them as Parquet",
        description="Read events (or exports, with --profile) with the reader `check` uses and "
        "write the events it accepts as Parquet (UTC instants, declared attributes typed, refs "
        "as lists), its rejections kept in the file's metadata, so `check FORCE FILE.parquet` "
        "gives the same report as `check` on the original files. Needs the ibis extra "
        "(pyarrow).",
    )
    _force(p)
    p.add_argument("events", metavar="EVENTS", nargs="+", help="event files or exports to read")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE|URL",
        required=True,
        help="the .parquet file, or a database by SQLAlchemy URL (with --table)",
    )
    p.add_argument(
        "--table",
        default="events",
        metavar="NAME",
        help="the table -o URL writes (default: events; its rejections go in NAME_meta)",
    )
    _profile_option(p)
    p.set_defaults(run=_cmd_ingest)


def _add_new(sub: Any) -> None:
    """`new`: a force to start from."""
    p = sub.add_parser(
        "new",
        help="scaffold a force directory (or plugin package) that validates and passes a test",
        description="Write a new force: force.json with one example duty citing an example "
        "plan, the composed JSON Schema for your editor, one scenario, and your own plan "
        "copied beside it (--document) so its quotes can be verified.",
    )
    p.add_argument("force_id", metavar="FORCE", help="the new force's id, e.g. northshire")
    p.add_argument("--document", metavar="FILE", help="your plan as text, copied beside it")
    p.add_argument("--plugin", choices=("setuptools", "hatchling"), help="as a plugin package")
    p.add_argument("--dir", default=".", metavar="DIR", help="where to write it (default: .)")
    p.set_defaults(run=_cmd_new)


def _add_serve(sub: Any) -> None:
    """`serve`, `tokens`, `keys`: the server and who may read it."""
    p = sub.add_parser(
        "serve",
        help="serve subscribable duty calendars and the /v1 API (docs/serve.md)",
        description="Serve feeds Outlook subscribes to and the /v1 API, over a store: "
        "SQLite beside the data by default, PostgreSQL by --db URL. Needs the serve extra.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--db", metavar="URL", help="the store: a SQLAlchemy URL (default: ./engagerules.db)"
    )
    p.add_argument("--public-url", metavar="URL", help="the https address people reach it at")
    p.add_argument(
        "--forces", action="append", metavar="DIR",
        help="also serve the force in DIR, by the directory's name (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--claim-timeout", type=float, default=120.0, metavar="SECONDS",
        help="after this long a batch left in progress by a dead server may be retried",
    )  # fmt: skip
    p.set_defaults(run=_cmd_serve)
    for name, what in (("tokens", "feed tokens"), ("keys", "API keys")):
        p = sub.add_parser(name, help=f"add, list or revoke {what}")
        p.add_argument(
            "action", choices=("add", "list", "revoke"),
            help="add one (its secret is shown once), list them, or revoke one by ID",
        )  # fmt: skip
        p.add_argument("id", nargs="?", metavar="ID", help="the id to revoke")
        p.add_argument("--db", metavar="URL", help="the store (default: ./engagerules.db)")
        if name == "tokens":
            p.add_argument("--feed", metavar="FORCE/ROLE/UNIT", help="what the token may read")
        else:
            p.add_argument("--force", metavar="FORCE", help="the force the key is for")
            p.add_argument(
                "--right", action="append", choices=("read", "post"),
                help="what the key may do (repeatable; default read)",
            )  # fmt: skip
        p.set_defaults(run=_cmd_grants)


def _add_schema(sub: Any) -> None:
    """`schema`: the JSON Schemas for editors and for other languages' programs."""
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of a force.json, a kind, a profile, overrides or an output",
        description="Print a JSON Schema (2020-12). With no option: the whole force.json, as "
        "`validate` checks it (kinds' keys included), for an editor (docs/writing-a-force.md).",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--kind", metavar="K", help="one obligation of kind K")
    which.add_argument("--profile", action="store_true", help="an import profile")
    which.add_argument(
        "--overrides", dest="overrides_file", action="store_true", help="an overrides file"
    )
    which.add_argument(
        "--output",
        dest="output_shape",
        metavar="SHAPE",
        help="a command's --format json output: check, obligations, schedule, forces, agenda",
    )
    p.add_argument("-o", dest="out", metavar="FILE", help="write it here (default: stdout)")
    p.set_defaults(run=_cmd_schema)


def _profile_option(p: argparse.ArgumentParser) -> None:
    """`--profile`, and what a run reading rows may be told about its rejections."""
    p.add_argument(
        "--profile",
        metavar="PROFILE",
        help="read EVENTS as exports through this import profile (see `import`)",
    )
    p.add_argument(
        "--max-rejected",
        type=_share,
        metavar="SHARE",
        help="stop (exit 2) when more than this share of the rows read is rejected, "
        f"as a percentage or 0 to 1 (default: {DEFAULT_MAX_REJECTED:.0%}%; a run rejecting "
        "every row always stops)",
    )
    _show_values_option(p)


def _show_values_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--show-values",
        action="store_true",
        help="also print the rejected cells' values on stderr, for your own terminal; "
        "reports never quote them",
    )


def _selection_options(p: argparse.ArgumentParser, scope_help: str) -> None:
    """`--scope`, `--with-enclosing` and `--role` of `check` and `explain`."""
    p.add_argument("--scope", metavar="S", help=scope_help)
    p.add_argument(
        "--with-enclosing",
        action="store_true",
        help="with --scope, also the duties of the units enclosing it and force-wide ones",
    )
    p.add_argument("--role", metavar="R", help=_ROLE_HELP)


def _add_plan_commands(sub: Any) -> None:
    """Reading a plan: `forces`, `obligations`, `schedule`."""
    p = sub.add_parser("forces", help="list the forces available")
    p.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    p.set_defaults(run=_cmd_forces)

    p = sub.add_parser("obligations", help="list a force's obligations")
    _force(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    p.set_defaults(run=_cmd_obligations)

    p = sub.add_parser("schedule", help="list due windows between two dates")
    _force_and_range(p)
    p.add_argument("--role", metavar="R", help=_ROLE_HELP)
    p.add_argument("--scope", metavar="S", help=_SCOPE_HELP)
    p.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    p.set_defaults(run=_cmd_schedule)


def _add_check(sub: Any) -> None:
    """The compliance check CI gates on."""
    p = sub.add_parser("check", help="judge activity events against a force's obligations")
    _force(p)
    p.add_argument("events", metavar="EVENTS", nargs="+", help=_EVENTS_HELP)
    _range_options(p)
    p.add_argument(
        "--as-of", type=_instant, metavar="T", help="instant of judgement (default: now)"
    )
    p.add_argument("--format", choices=_REPORT_FORMATS, default="text", help=_FORMAT_HELP)
    p.add_argument("-o", "--output", metavar="FILE", help=_OUTPUT_HELP)
    _profile_option(p)
    _selection_options(
        p, "only the results of this unit id and the units inside it (headline included)"
    )
    p.add_argument(
        "--fail-on",
        action="extend",
        type=_statuses,
        metavar="STATUS",
        help="statuses that make the exit status 1 (default: "
        + ",".join(s.value for s in Status if s in FAILING)
        + "); comma-separated or repeated",
    )
    p.add_argument(
        "--engine",
        choices=("reference", "ibis"),
        default="reference",
        help="ibis: judge the compiled duties by a query where the records live (needs the "
        "ibis extra and a file from `ingest`); the report says which engine judged each duty",
    )
    p.add_argument(
        "--backend",
        default="duckdb",
        metavar="duckdb|spark|URL",
        help="where --engine ibis runs its queries: DuckDB in process over the .parquet file "
        "(default), Spark in local mode over it (spark: the spark extra and Java 17), or a "
        "database by SQLAlchemy URL over the table EVENTS names (written by "
        "`ingest -o URL --table NAME`)",
    )
    _check_outputs(p)
    p.set_defaults(run=_cmd_check)


def _add_export_commands(sub: Any) -> None:
    """Data out: `simulate` (activity logs) and `calendar` (duties for Outlook)."""
    p = sub.add_parser("simulate", help="write a seeded, simulated activity log")
    _force_and_range(p)
    p.add_argument(
        "--events", type=_count, required=True, metavar="N", help="how many events to write"
    )
    p.add_argument(
        "--compliance",
        type=float,
        default=0.8,
        help="share of due windows the log meets, 0 to 1 (default: 0.8)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed: same seed, same log")
    p.add_argument("-o", "--output", metavar="FILE", help=_OUTPUT_HELP)
    p.set_defaults(run=_cmd_simulate)

    _add_calendar(sub)


def _add_authoring_commands(sub: Any) -> None:
    """For rule authors and newcomers: `validate`, `test`, `docs`, `demo`."""
    p = sub.add_parser(
        "validate",
        help="validate a force configuration or an import profile, listing every problem",
    )
    p.add_argument(
        "path",
        metavar="PATH",
        help="a force directory, its force.json, a force's name, or an import profile",
    )
    p.set_defaults(run=_cmd_validate)

    p = sub.add_parser("test", help="run a force's scenario tests (forces/<force>/tests/*.json)")
    _force(p)
    p.add_argument("-v", "--verbose", action="store_true", help="list passing scenarios too")
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 1) when a checked duty has no met or no missed scenario",
    )
    p.set_defaults(run=_cmd_test)

    p = sub.add_parser(
        "audit",
        help="judge adversarial logs built from each duty's structure; exit 1 on a finding",
        description="For every judged duty, build a compliant log (which must be met) and "
        "adversarial ones (empty, wrong role, wrong unit, late, before the trigger, one record "
        "for two triggers, the next period, codes outside their list, month ends, clock "
        "changes, the last windows in force), which must not be; print what went the wrong "
        "way with the log and the command to reproduce it. See docs/audit.md.",
    )
    _force(p)
    p.add_argument(
        "--obligation",
        action="append",
        metavar="ID",
        help="audit only this obligation; repeatable",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    p.add_argument(
        "-v", "--verbose", action="store_true", help="also list the classes that do not apply"
    )
    p.set_defaults(run=_cmd_audit)

    p = sub.add_parser(
        "docs", help="write a force's encoding as Markdown, duty by duty, in document order"
    )
    _force(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(run=_cmd_docs)

    p = sub.add_parser("demo", help="check a bundled sample log against a bundled force")
    p.add_argument(
        "--force", metavar="FORCE", help="a bundled force with a demo (default: the first)"
    )
    p.add_argument("--limit", type=int, default=15, help="results shown per status")
    p.set_defaults(run=_cmd_demo)


def _check_outputs(p: argparse.ArgumentParser) -> None:
    """`check --waivers` and one `--<format> FILE` per report format."""
    p.add_argument("--waivers", metavar="FILE", help=_WAIVERS_HELP)
    for name in _REPORT_FORMATS:
        p.add_argument(
            f"--{name}",
            dest=f"also_{name}",
            metavar="FILE",
            help=f"also write the {name} report to FILE (one evaluation, several outputs)",
        )


def _add_explain_and_agenda(sub: Any) -> None:
    """The analyst's `explain` and the sergeant's `agenda`."""
    p = sub.add_parser(
        "explain", help="why each window of one obligation was met or missed, event by event"
    )
    _force(p)
    p.add_argument(
        "obligation", metavar="OBLIGATION", help="the obligation's id (see `obligations FORCE`)"
    )
    p.add_argument("events", metavar="EVENTS", nargs="+", help=_EVENTS_HELP)
    _range_options(p)
    p.add_argument(
        "--as-of", type=_instant, metavar="T", help="instant of judgement (default: now)"
    )
    _selection_options(p, "only windows of this unit id and the units inside it")
    p.add_argument("--person", metavar="P", help="only this person's windows (a per-person duty)")
    p.add_argument("--waivers", metavar="FILE", help=_WAIVERS_HELP)
    p.add_argument("--limit", type=int, default=10, help="near misses shown per reason")
    p.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    p.add_argument("-o", "--output", metavar="FILE", help=_OUTPUT_HELP)
    _profile_option(p)
    p.set_defaults(run=_cmd_explain)

    p = sub.add_parser(
        "agenda", help="duties due in the current windows and not yet met, soonest first"
    )
    _force(p)
    p.add_argument("events", metavar="EVENTS", nargs="+", help=_EVENTS_HELP)
    p.add_argument("--as-of", type=_instant, metavar="T", help="the moment (default: now)")
    p.add_argument(
        "--days",
        type=_days,
        default=0,
        metavar="N",
        help="also list duties whose windows open in the next N days (default: 0, open now)",
    )
    p.add_argument("--role", metavar="R", help=_ROLE_HELP)
    p.add_argument("--scope", metavar="S", help=_SCOPE_HELP)
    p.add_argument("--waivers", metavar="FILE", help=_WAIVERS_HELP)
    p.add_argument("--format", choices=("text", "json"), default="text", help=_FORMAT_HELP)
    p.add_argument("-o", "--output", metavar="FILE", help=_OUTPUT_HELP)
    _profile_option(p)
    p.set_defaults(run=_cmd_agenda)


def _add_calendar(sub: Any) -> None:
    """`calendar`: its own function so `build_parser` stays within the statement limit."""
    p = sub.add_parser("calendar", help="export duties as an iCalendar file for Outlook")
    _force_and_range(p)
    p.add_argument("--role", metavar="R", help=_ROLE_HELP)
    p.add_argument("--scope", metavar="S", help=_SCOPE_HELP)
    p.add_argument(
        "--events",
        action="append",
        metavar="FILE",
        help="activity events whose triggers become dated follow-up items; repeatable",
    )
    p.add_argument(
        "--remind",
        type=_reminder,
        metavar="DURATION",
        help="add a reminder this long before each all-day item, e.g. PT30M or P1D (counted "
        "from 09:00 on its day)",
    )
    p.add_argument(
        "--remind-timed",
        type=_reminder,
        metavar="DURATION",
        help="add a reminder this long before each timed item, e.g. PT15M (default: none, "
        "so a briefing twice a day does not ring twice a day)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="the .ics file (default: stdout)")
    p.set_defaults(run=_cmd_calendar)


def _force_and_range(p: argparse.ArgumentParser) -> None:
    _force(p)
    _range_options(p)


def _force(p: argparse.ArgumentParser) -> None:
    """FORCE, and the local readings that may be laid over it."""
    p.add_argument("force", metavar="FORCE", help=_FORCE_HELP)
    p.add_argument(
        "--overrides",
        action="append",
        metavar="FILE",
        help="local readings (an overrides file) laid over the force; repeatable, in order",
    )


def _range_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from",
        dest="start",
        type=_date,
        required=True,
        metavar="D",
        help="first day of the range, YYYY-MM-DD (the force's local time)",
    )
    p.add_argument(
        "--to",
        dest="end",
        type=_date,
        required=True,
        metavar="D",
        help="last day of the range, YYYY-MM-DD, inclusive",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status says how it went.

    0 nothing failed; 1 something missed or breached (or `validate` found problems); 2 bad
    usage or unreadable input, one line per problem naming where; 3 an internal error: a
    bug, said in one line, with the traceback only under `--debug` or `ENGAGERULES_DEBUG=1`,
    so a CI gate never mistakes a crash for a failing check.

    Run as the program (no `argv`: the `engagerules` command, `python -m engagerules`),
    which exits next, it leaves every object it still holds to the cyclic collector's
    permanent generation (`gc.freeze`): the interpreter's last collections at exit would
    otherwise walk all of them, the modules of Ibis, DuckDB and pandas among them, for
    nothing (0.3 s of CPU at every compiled check, a tenth of it at 1M records).
    """
    code = _main(argv)
    if argv is None:
        gc.freeze()
    return code


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    cut = words.index("--") if "--" in words else len(words)
    debug = "--debug" in words[:cut] or os.environ.get("ENGAGERULES_DEBUG", "") not in ("", "0")
    words = [w for i, w in enumerate(words) if not (i < cut and w == "--debug")]
    parser = build_parser()
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    # run as the program (which exits when the command is done), or called (by a test, a
    # script): what only the former may do to the process (`_run_compiled_check`)
    args.program = argv is None
    try:
        code: int = args.run(args)
    except ProblemsError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"engagerules: error: {_one_line(str(problem))}\n")
        return EXIT_USAGE
    except EngageRulesError as exc:
        sys.stderr.write(f"engagerules: error: {_one_line(str(exc))}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # `engagerules check ... | head`
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("engagerules: interrupted\n")
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        detail = _one_line(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(
            f"engagerules: internal error (a bug in engagerules, not in your input): {detail}"
            + ("" if debug else " (rerun with --debug for the traceback)")
            + "\n"
        )
        return EXIT_BUG
    return code


def _one_line(text: str) -> str:
    """A message as one line: line breaks and other control characters shown escaped, so an
    error can never print a forged second line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
