"""`engagerules import` and `--profile`: the example profiles end to end, and no name out.

The example profiles under forces/<force>/profiles/ import their invented sample exports
with every row accounted for, `check --profile` reads the same exports directly, and no
name from a person column reaches any output: events, JSON, text, HTML, Markdown, JUnit,
the calendar, the accounting summary or a row's explanation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engagerules import open_force
from engagerules.cli import main
from engagerules.sources.profiles import load_profile, validate_profile
from engagerules.sources.rows import read_rows

ROOT = Path(__file__).resolve().parents[1]
KEY_ENV = "ENGAGERULES_PSEUDONYM_KEY"

#: Each example profile, its sample export, and the quarter it covers.
EXAMPLES = [
    ("gwent", "social-posts.json", "social-posts-2022-10.csv"),
    ("gwent", "engagement-database.json", "engagement-database.sqlite"),
    ("gwent", "engagement-database-updates.json", "engagement-database.sqlite"),
    ("dorset", "engagement-log.json", "engagement-log-2022q4.xlsx"),
    ("surrey", "cadet-hours.json", "cadet-hours-2022q4.xlsx"),
    ("surrey", "cadet-roster.json", "cadet-hours-2022q4.xlsx"),
    ("notts", "page-posts.json", "page-posts-2022-10.csv"),
]


def paths(force: str, profile: str, sample: str) -> tuple[str, str]:
    folder = ROOT / "forces" / force / "profiles"
    return str(folder / profile), str(folder / "samples" / sample)


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "a-key-for-the-example-tests")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_bundled_force_has_an_example_profile() -> None:
    """Each bundled force ships at least one example profile, and every one is valid."""
    shipped = sorted((ROOT / "forces").glob("*/profiles/*.json"))
    assert {p.parts[-3] for p in shipped} == {"gwent", "dorset", "surrey", "notts"}
    assert {(p.parts[-3], p.name) for p in shipped} == {(f, p) for f, p, _ in EXAMPLES}
    for path in shipped:
        assert validate_profile(path) == [], path


@pytest.mark.parametrize(("force", "profile", "sample"), EXAMPLES)
def test_each_example_imports_its_sample_with_every_row_accounted_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, force: str, profile: str, sample: str
) -> None:
    """`import --format json`: read = imported + filtered + rejected, nothing rejected, and
    the events written read back as events of the force."""
    profile_path, sample_path = paths(force, profile, sample)
    out = tmp_path / "events.jsonl"
    code, summary, _ = run(
        capsys, "import", profile_path, sample_path, "-o", str(out), "--format", "json"
    )
    assert code == 0
    rows = json.loads(summary)["rows"]
    assert rows["read"] == rows["imported"] + rows["filtered"] + rows["rejected"]
    assert rows["imported"] > 0
    assert rows["rejected"] == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == rows["imported"]
    code, report, _ = run(
        capsys, "check", force, str(out), "--from", "2022-10-01", "--to", "2022-12-31",
        "--as-of", "2023-01-09T09:00:00Z", "--format", "json",
    )  # fmt: skip
    assert json.loads(report)["events"]["rejected"] == 0


@pytest.mark.parametrize(("force", "profile", "sample"), EXAMPLES)
def test_check_reads_the_export_directly_with_profile(
    capsys: pytest.CaptureFixture[str], force: str, profile: str, sample: str
) -> None:
    """`check --profile` gives a report whose events are the export's imported rows."""
    profile_path, sample_path = paths(force, profile, sample)
    code, out, err = run(
        capsys, "check", force, sample_path, "--profile", profile_path,
        "--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-09T09:00:00Z",
        "--format", "json",
    )  # fmt: skip
    assert code in (0, 1)
    report = json.loads(out)
    counts = report["events"]
    assert counts["read"] == counts["matched"] + counts["unmatched"] + counts["rejected"]
    assert counts["read"] > 0
    assert report["results"]
    assert re.search(r"\d+ rows? read: \d+ imported, \d+ filtered", err)


def test_agenda_and_explain_take_profile(capsys: pytest.CaptureFixture[str]) -> None:
    """`agenda --profile` and `explain --profile` read the export as `check` does."""
    profile_path, sample_path = paths("gwent", "social-posts.json", "social-posts-2022-10.csv")
    code, out, _ = run(
        capsys, "explain", "gwent", "gwent.cn.weekly-positive-tweet", sample_path,
        "--profile", profile_path, "--from", "2022-10-03", "--to", "2022-10-09",
        "--scope", "bargoed", "--as-of", "2022-10-10T09:00:00+01:00",
    )  # fmt: skip
    assert code == 0
    assert "post-1001" in out
    code, out, _ = run(
        capsys, "agenda", "gwent", sample_path, "--profile", profile_path,
        "--as-of", "2022-10-05T09:00:00+01:00", "--scope", "bargoed", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert isinstance(json.loads(out), list | dict)


def test_import_row_explains_one_row(capsys: pytest.CaptureFixture[str]) -> None:
    """`import --row N` prints the steps for that row: filters, maps, the outcome."""
    profile_path, sample_path = paths("gwent", "social-posts.json", "social-posts-2022-10.csv")
    code, out, _ = run(capsys, "import", profile_path, sample_path, "--row", "3")
    assert code == 0
    assert "filter 'Twitter only': left out" in out
    assert out.rstrip().endswith("outcome: filtered out by 'Twitter only'")
    code, out, _ = run(capsys, "import", profile_path, sample_path, "--row", "2")
    assert "scope: column 'Account' 'Bargoed Police' -> map 'accounts'" in out
    assert "outcome: imported as event 'post-1001'" in out


def test_import_problems_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A missing key, a profile for another force or a bad profile: one line, exit 2."""
    profile_path, sample_path = paths("gwent", "social-posts.json", "social-posts-2022-10.csv")
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    code, _, err = run(capsys, "import", profile_path, sample_path)
    assert code == 2
    assert err.count("\n") == 1
    assert "needs its pseudonymisation key" in err
    monkeypatch.setenv(KEY_ENV, "a-key-for-the-example-tests")
    code, _, err = run(
        capsys, "check", "dorset", sample_path, "--profile", profile_path,
        "--from", "2022-10-01", "--to", "2022-10-31",
    )  # fmt: skip
    assert code == 2
    assert "the profile is for force 'gwent', not 'dorset'" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"profile": "x", "force": "gwent", "source": {"format": "tsv"}}', "utf-8")
    code, _, err = run(capsys, "import", str(bad), sample_path)
    assert code == 2
    assert f"{bad}: $.source.format" in err
    assert f"{bad}: $: 'fields' is required" in err


# ---------------------------------------------------------------------------- no names out


def _names() -> set[str]:
    """Every name in the example exports' person columns, read as the importer reads them."""
    names: set[str] = set()
    for _, profile, sample in EXAMPLES:
        force = next(f for f, p, _ in EXAMPLES if p == profile)
        profile_path, sample_path = paths(force, profile, sample)
        loaded = load_profile(profile_path)
        for _, _, cells in read_rows(loaded.source, sample_path, loaded.columns()):
            assert isinstance(cells, dict)
            names.update(" ".join(str(cells[c]).split()) for c in loaded.person_columns())
    return names


def test_no_input_name_appears_in_any_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Names in person columns are in the exports and in none of the outputs."""
    names = _names()
    assert len(names) >= 10
    first_names = {n.split()[0] for n in names if len(n.split()[0]) >= 4}
    patterns = [re.compile(r"\s+".join(map(re.escape, n.split())), re.IGNORECASE) for n in names]
    patterns += [re.compile(rf"\b{re.escape(f)}\b", re.IGNORECASE) for f in first_names]
    outputs: dict[str, str] = {}
    for force in ("gwent", "dorset", "surrey", "notts"):
        events = tmp_path / f"{force}.jsonl"
        chunks = []
        for f, profile, sample in EXAMPLES:
            if f != force:
                continue
            profile_path, sample_path = paths(force, profile, sample)
            _, out, err = run(capsys, "import", profile_path, sample_path)
            chunks.append(out)
            outputs[f"{profile} summary"] = err
            source = load_profile(profile_path).source
            first = 1 if source.format == "sql" else source.header_row + 1
            _, out, _ = run(capsys, "import", profile_path, sample_path, "--row", str(first))
            outputs[f"{profile} --row"] = out
            _, out, err = run(
                capsys, "check", force, sample_path, "--profile", profile_path,
                "--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-09",
            )  # fmt: skip
            outputs[f"{profile} check --profile"] = out + err
        events.write_text("".join(chunks), encoding="utf-8")
        outputs[f"{force} events"] = events.read_text(encoding="utf-8")
        reports = {
            fmt: tmp_path / f"{force}.{fmt}" for fmt in ("json", "html", "markdown", "junit")
        }
        also = [a for fmt, path in reports.items() for a in (f"--{fmt}", str(path))]
        _, text, _ = run(
            capsys, "check", force, str(events), "--from", "2022-10-01", "--to", "2022-12-31",
            "--as-of", "2023-01-09", *also,
        )  # fmt: skip
        outputs[f"{force} text"] = text
        for fmt, path in reports.items():
            outputs[f"{force} {fmt}"] = path.read_text(encoding="utf-8")
        calendar = tmp_path / f"{force}.ics"
        run(
            capsys, "calendar", force, "--from", "2022-10-01", "--to", "2022-12-31",
            "--events", str(events), "-o", str(calendar),
        )  # fmt: skip
        outputs[f"{force} calendar"] = calendar.read_text(encoding="utf-8")
        _, out, _ = run(
            capsys, "agenda", force, str(events), "--as-of", "2022-10-20T09:00:00Z",
            "--format", "json",
        )  # fmt: skip
        outputs[f"{force} agenda"] = out
    assert all(outputs.values()), [k for k, v in outputs.items() if not v]
    assert any("p-" in v for v in outputs.values())  # pseudonyms did arrive
    found = [
        f"{where}: {pattern.pattern}"
        for where, text in outputs.items()
        for pattern in patterns
        if pattern.search(text)
    ]
    assert not found, found
    assert open_force("surrey").id == "surrey"


def test_validate_takes_a_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`validate PROFILE` lists a profile's problems by JSON path, then what its force lacks."""
    profile_path, _ = paths("dorset", "engagement-log.json", "engagement-log-2022q4.xlsx")
    code, out, _ = run(capsys, "validate", profile_path)
    assert (code, out) == (0, f"{profile_path}: valid\n")
    bad = tmp_path / "p.json"
    raw = {
        "profile": "x",
        "force": "gwent",
        "source": {"format": "csv"},
        "fields": {"type": {"value": "twet"}, "at": {"column": "a", "format": "%d/%m/%Y"}},
    }
    bad.write_text(json.dumps(raw), encoding="utf-8")
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 1
    assert f"{bad}: $.fields.type.value: 'twet' is not an event type of gwent" in err
    assert "(did you mean 'tweet'?)" in err


def _how_to_commands() -> list[list[str]]:
    """The `engagerules ...` commands of the how-to's shell blocks, continuations joined."""
    text = (ROOT / "docs" / "check-your-own-exports.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            words = line.split("#")[0].split()
            if words and words[0] == "engagerules":
                commands.append(words[1:])
    return commands


def test_the_how_to_commands_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every command in docs/check-your-own-exports.md runs as written, in order."""
    (tmp_path / "forces").symlink_to(ROOT / "forces")
    monkeypatch.chdir(tmp_path)
    commands = _how_to_commands()
    assert len(commands) >= 8
    for argv in commands:
        code, _, err = run(capsys, *argv)
        assert code in (0, 1), (argv, err)
        assert "error" not in err, (argv, err)
    assert (tmp_path / "report.html").is_file()
    assert (tmp_path / "hours.jsonl").read_text(encoding="utf-8").count("\n") == 7
