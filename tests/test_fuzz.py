"""The fuzz suite (issue 11): hostile events, configurations, waivers, arguments and text
through the real entry point, `engagerules.cli.main`, in-process.

Whatever the input: exit 0, 1 or 2 only; never a traceback; an error is one line naming
the file, line or JSON path; read = matched + unmatched + rejected, and read is the number
of records written; calendars parse and hold no control character but CRLF line ends;
Markdown and text escape what they print.

CI runs a bounded number of examples (profile `fuzz-ci`, derandomised, well under two
minutes); `ENGAGERULES_FUZZ=long` selects `fuzz-long` for the documented long run
(docs/hardening.md), and `ENGAGERULES_FUZZ_EXAMPLES` sets the examples per test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import FIXTURES
from engagerules.cli import main
from strategies import (
    argument_values,
    config_mutations,
    csv_files,
    dump_json,
    hostile_text,
    json_array_files,
    jsonl_files,
    waiver_files,
)

MINI = FIXTURES / "mini"
BASE = json.loads((MINI / "force.json").read_text("utf-8"))
RANGE = ("--from", "2022-10-01", "--to", "2022-10-31")
AS_OF = ("--as-of", "2022-11-15T00:00:00Z")
GOOD_EVENTS = "".join(
    json.dumps(r) + "\n"
    for r in (
        {"id": "g1", "type": "tweet", "at": "2022-10-03T10:15:00+01:00", "scope": "north"},
        {"id": "w1", "type": "warrant_executed", "at": "2022-10-05T06:00:00Z", "scope": "south"},
    )
)

_EXAMPLES = {"ci": 25, "long": 1_000}
PROFILE = os.environ.get("ENGAGERULES_FUZZ", "ci")
if PROFILE not in _EXAMPLES:  # pragma: no cover - a typo in the environment
    msg = f"ENGAGERULES_FUZZ={PROFILE!r}: use ci or long"
    raise ValueError(msg)
for _name, _examples in _EXAMPLES.items():
    settings.register_profile(
        f"fuzz-{_name}",
        max_examples=int(os.environ.get("ENGAGERULES_FUZZ_EXAMPLES", _examples)),
        deadline=None,
        derandomize=_name == "ci",  # CI checks the same examples every run
        database=None if _name == "ci" else settings.default.database,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )
fuzz = settings(settings.get_profile(f"fuzz-{PROFILE}"))

#: Every control character but the LF that ends a line of text.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


# ---------------------------------------------------------------------------- running


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`main(argv)` with stdout and stderr captured; any exception fails the example."""
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env or {}}
    try:
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return code, out.getvalue(), err.getvalue()


def settled(code: int, err: str, *names: str, listed: bool = False) -> None:
    """Exit 0, 1 or 2 only, no traceback; exit 2 is one line naming one of `names` (a
    file, a JSON path, an argument), or with `listed` (an invalid configuration, whose
    every problem is reported) one such line per problem."""
    assert code in (0, 1, 2), err
    assert "Traceback" not in err, err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 or (listed and lines), err
        for line in lines:
            assert line.startswith("engagerules: error: "), err
            assert any(name in line for name in names), (names, err)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    """A fresh directory per example (pytest's tmp_path is shared by all of them)."""
    with tempfile.TemporaryDirectory(prefix="engagerules-fuzz-") as folder:
        yield Path(folder)


def control_free_text(text: str) -> None:
    assert not _CONTROL.search(text), repr(_CONTROL.search(text))


def safe_markdown(text: str) -> None:
    """The Markdown renders with no live link, image or HTML of anyone else's making."""
    html = MarkdownIt("commonmark").enable("table").render(text)
    for tag in ("<a ", "<img", "<script", "<iframe"):
        assert tag not in html, html


def calendar_clean(data: bytes) -> icalendar.Calendar:
    """Parses with icalendar and holds no control character but CRLF line ends."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    control_free_text(text.replace("\r\n", ""))
    return icalendar.Calendar.from_ical(data)


# ---------------------------------------------------------------------------- events


event_files = st.one_of(
    jsonl_files().map(lambda f: (".jsonl", *f)),
    json_array_files().map(lambda f: (".json", *f)),
    csv_files().map(lambda f: (".csv", *f)),
)


@fuzz
@given(event_files)
def test_hostile_events_are_read_accounted_for_and_escaped(
    file: tuple[str, bytes, int],
) -> None:
    """Hostile event files: every record written is read, and matched, unmatched or
    rejected with its file and a one-line reason; reports escape what they print."""
    suffix, data, written = file
    with workdir() as folder:
        events = folder / f"events{suffix}"
        events.write_bytes(data)
        text, markdown = folder / "r.txt", folder / "r.md"
        code, out, err = run(
            "check", str(MINI), str(events), *RANGE, *AS_OF, "--format", "json",
            "--text", str(text), "--markdown", str(markdown),
        )  # fmt: skip
        settled(code, err, str(events))
        if code == 2:
            return
        report = json.loads(out)
        tally = report["events"]
        assert tally["read"] == tally["matched"] + tally["unmatched"] + tally["rejected"]
        assert tally["read"] == written
        assert tally["rejected"] == len(report["rejections"])
        for rejection in report["rejections"]:
            assert rejection["file"] == str(events) and rejection["line"] >= 1
            assert not re.search("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", rejection["reason"])
        control_free_text(text.read_text("utf-8"))
        safe_markdown(markdown.read_text("utf-8"))


# ---------------------------------------------------------------------------- configurations


def _problem_lines(err: str, file: Path) -> None:
    """`validate` lists problems one per line, each naming the file, then a count; notes
    (documents not at hand, so quotes not verified) are lines of their own."""
    for line in err.splitlines():
        if line.startswith("engagerules: note: "):
            continue
        assert line.startswith(str(file)) or re.fullmatch(r"\d+ problems? found", line), err


@fuzz
@given(config_mutations(BASE), st.booleans())
def test_wrong_configurations_are_listed_or_run(raw: dict[str, Any], ascii_only: bool) -> None:
    """A schema-shaped but wrong force: `validate` lists its problems (exit 1); a valid
    one checks and exports like any other; other commands stop with exit 2."""
    with workdir() as folder:
        force = folder / "force"
        force.mkdir()
        config = force / "force.json"
        config.write_text(dump_json(raw, ascii_only=ascii_only), "utf-8")
        code, _, err = run("validate", str(force))
        assert code in (0, 1), err
        _problem_lines(err, config)
        events = folder / "e.jsonl"
        events.write_text(GOOD_EVENTS)
        code, out, err = run("check", str(force), str(events), *RANGE, *AS_OF, "--format", "json")
        settled(code, err, str(config), "$.", str(events), listed=True)
        if code != 2:
            tally = json.loads(out)["events"]
            assert tally["read"] == 2
        ics = folder / "c.ics"
        code, _, err = run("calendar", str(force), *RANGE, "--events", str(events), "-o", str(ics))
        settled(code, err, str(config), "$.", str(events), listed=True)
        if code == 0:
            calendar_clean(ics.read_bytes())
        for argv in (
            ("obligations", str(force), "--format", "json"),
            ("docs", str(force)),
            ("agenda", str(force), str(events), *AS_OF, "--format", "json"),
        ):
            code, _, err = run(*argv)
            settled(code, err, str(config), "$.", listed=True)


# ---------------------------------------------------------------------------- waivers


@fuzz
@given(waiver_files())
def test_hostile_waiver_files_are_one_line_naming_the_file(data: bytes) -> None:
    """A waiver file of any shape applies, or stops the check with one line naming it."""
    with workdir() as folder:
        events, waivers = folder / "e.jsonl", folder / "w.json"
        events.write_text(GOOD_EVENTS)
        waivers.write_bytes(data)
        code, out, err = run(
            "check", str(MINI), str(events), *RANGE, *AS_OF, "--format", "json",
            "--waivers", str(waivers),
        )  # fmt: skip
        settled(code, err, str(waivers), listed=True)
        if code != 2:
            assert json.loads(out)["events"]["read"] == 2


# ---------------------------------------------------------------------------- arguments

_COMMANDS: dict[str, tuple[str, ...]] = {
    "check": ("FORCE", "EVENTS"),
    "schedule": ("FORCE",),
    "calendar": ("FORCE",),
    "agenda": ("FORCE", "EVENTS"),
    "explain": ("FORCE", "mini.weekly-tweet", "EVENTS"),
    "obligations": ("FORCE",),
    "validate": ("FORCE",),
    "docs": ("FORCE",),
    "simulate": ("FORCE",),
}
_OPTIONS = ("--from", "--to", "--as-of", "--role", "--scope", "--format", "--fail-on",
            "--limit", "--events", "--compliance", "--seed")  # fmt: skip


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    """A command with its positionals and options, most values hostile, and sometimes a
    SOURCE_DATE_EPOCH."""
    command = draw(st.sampled_from(sorted(_COMMANDS)))
    argv = [command]
    for positional in _COMMANDS[command]:
        if positional == "FORCE":
            argv.append(draw(st.sampled_from(["MINI", "MINI", "MINI"]) | argument_values))
        else:
            argv.append(draw(st.just(positional) | argument_values))
    options = draw(st.lists(st.sampled_from(_OPTIONS), max_size=5))
    if draw(st.booleans()):
        options = ["--from", "--to", *options]
    for option in options:
        argv += [option, draw(argument_values)]
    env = {}
    if draw(st.integers(0, 3)) == 0:
        # An environment variable cannot hold a NUL (the OS refuses it, not engagerules).
        value = draw(argument_values.filter(lambda v: "\x00" not in v) | st.just("9" * 30))
        env["SOURCE_DATE_EPOCH"] = value
    return argv, env


@fuzz
@given(command_lines())
def test_hostile_arguments_are_exit_0_1_or_2(line: tuple[list[str], dict[str, str]]) -> None:
    """Any command line: exit 0, 1 or 2, and a usage error is one line."""
    argv, env = line
    with workdir() as folder:
        events = folder / "e.jsonl"
        events.write_text(GOOD_EVENTS)
        names = {"MINI": str(MINI), "EVENTS": str(events)}
        args = [names.get(a, a) for a in argv]
        if args[0] in ("calendar", "simulate", "docs"):
            args += ["-o", str(folder / "out")]
        if args[0] == "simulate" and "--events" not in args:
            args += ["--events", "5"]
        code, _, err = run(*args, env=env)
        assert code in (0, 1, 2), err
        assert "Traceback" not in err, err
        if code == 2 and args[0] != "validate":
            assert len(err.splitlines()) == 1 or all(
                line.startswith("engagerules: error: ") for line in err.splitlines()
            ), err


# ---------------------------------------------------------------------------- text


def _plain(text: str) -> str:
    """What a calendar reader gets back for `text`: breaks as LF, tabs as spaces, other
    control characters gone (see `escape_text`)."""
    text = re.sub("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", "\n", text.replace("\t", " "))
    return re.sub("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]", "", text)


titles = hostile_text.filter(lambda t: t.strip() != "")


@fuzz
@given(name=titles, title=titles, description=hostile_text, unit=titles, trigger=titles)
def test_hostile_titles_and_ids_are_escaped_everywhere(
    name: str, title: str, description: str, unit: str, trigger: str
) -> None:
    """Text of any kind in a force's names and titles and in a trigger event's id: the
    calendar parses, reads it back as written (less control characters) and holds no
    control character; the text report and Markdown escape it."""
    raw = json.loads(json.dumps(BASE))
    raw["name"] = name
    raw["units"][0]["name"] = unit
    weekly = next(o for o in raw["obligations"] if o["id"] == "mini.weekly-tweet")
    weekly["title"], weekly["description"] = title, description
    with workdir() as folder:
        force = folder / "force"
        force.mkdir()
        (force / "force.json").write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
        events = folder / "e.jsonl"
        records = [
            {"id": trigger, "type": "warrant_executed", "at": "2022-10-05T06:00:00Z",
             "scope": "north"},
            {"id": trigger + "!", "type": "nope", "at": "2022-10-05T06:00:00Z"},
        ]  # fmt: skip
        events.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
        ics = folder / "c.ics"
        code, _, err = run("calendar", str(force), *RANGE, "--events", str(events), "-o", str(ics))
        assert code == 0, err
        cal = calendar_clean(ics.read_bytes())
        items = cal.walk("VEVENT")
        tweets = [c for c in items if str(c["X-ENGAGERULES-OBLIGATION"]) == "mini.weekly-tweet"]
        assert tweets and all(str(c["SUMMARY"]).startswith(_plain(title)) for c in tweets)
        follow = [c for c in items if "X-ENGAGERULES-TRIGGER" in c]
        assert len(follow) == 1
        # The reader strips ids as str.strip does (U+001E is white space to Python).
        assert _plain(trigger.strip()) in str(follow[0]["DESCRIPTION"])
        for fmt in ("text", "markdown"):
            code, out, err = run("check", str(force), str(events), *RANGE, *AS_OF, "--format", fmt)
            assert code in (0, 1), err
            if fmt == "text":
                control_free_text(out)
            else:
                safe_markdown(out)


def test_the_fuzz_profile_is_chosen_by_the_environment() -> None:
    """`ENGAGERULES_FUZZ` picks the profile; CI's is bounded and derandomised."""
    chosen = settings.get_profile(f"fuzz-{PROFILE}")
    assert fuzz.max_examples == chosen.max_examples
    ci = settings.get_profile("fuzz-ci")
    assert ci.derandomize and ci.deadline is None
    if "ENGAGERULES_FUZZ_EXAMPLES" not in os.environ:
        assert ci.max_examples == _EXAMPLES["ci"]
