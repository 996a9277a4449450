"""Each bundled profile's sample export gives the verdicts it is meant to show, read through
`check --profile`: the profiles carry what the rules need (the month an update is for, a
declared topic for every tag), and what an export cannot show is a verdict, not a surprise.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engagerules import open_force
from engagerules.cli import main
from engagerules.sources.profiles import force_problems, load_profile

ROOT = Path(__file__).resolve().parents[1]
RANGE = ("--from", "2022-10-01", "--to", "2022-12-31", "--as-of", "2023-01-09T09:00:00Z")

#: (force, profile, sample, events expected, results expected: obligation, scope, start,
#: status, evidence or None where the ids are keyed hashes).
SAMPLES: list[tuple[str, str, str, dict[str, int], list[tuple[Any, ...]]]] = [
    (
        "gwent",
        "social-posts.json",
        "social-posts-2022-10.csv",
        {"read": 9, "rejected": 0},
        [
            ("gwent.cn.weekly-positive-tweet", "bargoed", "2022-10-03", "met", ["post-1001"]),
            ("gwent.cn.weekly-positive-tweet", "rhymney", "2022-10-03", "missed", []),
            ("gwent.cn.weekly-positive-tweet", "rhymney", "2022-10-10", "met", ["post-1009"]),
        ],
    ),
    (
        "gwent",
        "engagement-database-updates.json",
        "engagement-database.sqlite",
        {"read": 6, "rejected": 0, "matched": 6},
        [
            ("gwent.cn.engagement-database", "ystrad-mynach", "2022-10-01", "met", None),
            ("gwent.cn.engagement-database", "ystrad-mynach", "2022-11-01", "met", None),
            ("gwent.cn.engagement-database", "bargoed", "2022-12-01", "missed", []),
        ],
    ),
    (
        "gwent",
        "engagement-database.json",
        "engagement-database.sqlite",
        {"read": 9, "rejected": 0},
        [
            ("gwent.cn.weekly-community-group-contact", "rhymney", "2022-10-10", "met", ["ced-3"]),
            ("gwent.cn.weekly-community-group-contact", "bargoed", "2022-10-10", "missed", []),
        ],
    ),
    (
        "dorset",
        "engagement-log.json",
        "engagement-log-2022q4.xlsx",
        {"read": 6, "rejected": 0},
        [
            ("dorset.wd.engagement-in-every-area", "lyme-regis", "2022-10-01", "met", None),
            ("dorset.wd.engagement-in-every-area", "bridport", "2022-10-01", "missed", []),
            ("dorset.wd.engagement-calendar-footfall", None, "2022-10-01", "breach", None),
        ],
    ),
    (
        "notts",
        "page-posts.json",
        "page-posts-2022-10.csv",
        {"read": 4, "rejected": 0, "matched": 4},
        [("notts.social-media-presence", None, "2022-10-17", "missed", [])],
    ),
]


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGERULES_PSEUDONYM_KEY", "a-key-for-the-example-tests")


def _check(capsys: pytest.CaptureFixture[str], force: str, *argv: str) -> dict[str, Any]:
    code = main(["check", force, *argv, *RANGE, "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    report: dict[str, Any] = json.loads(out)
    return report


def _found(report: dict[str, Any], obligation: str, scope: str | None, start: str) -> Any:
    return next(
        r
        for r in report["results"]
        if r["obligation"] == obligation and r["scope"] == scope and r["start"][:10] == start
    )


@pytest.mark.parametrize(("force", "profile", "sample", "events", "results"), SAMPLES)
def test_each_sample_gives_its_intended_verdicts(
    capsys: pytest.CaptureFixture[str],
    force: str,
    profile: str,
    sample: str,
    events: dict[str, int],
    results: list[tuple[Any, ...]],
) -> None:
    """`check --profile` on the sample export: its accounting and its named verdicts."""
    folder = ROOT / "forces" / force / "profiles"
    report = _check(
        capsys, force, str(folder / "samples" / sample), "--profile", str(folder / profile)
    )
    for name, count in events.items():
        assert report["events"][name] == count, name
    for obligation, scope, start, status, evidence in results:
        found = _found(report, obligation, scope, start)
        assert found["status"] == status, found
        if evidence is not None:
            assert found["evidence"] == evidence, found


def test_every_bundled_profile_is_exercised_by_a_sample() -> None:
    """No bundled profile is left without a sample verdict test (the roster is with hours)."""
    shipped = {(p.parts[-3], p.name) for p in ROOT.glob("forces/*/profiles/*.json")}
    tested = {(f, p) for f, p, *_ in SAMPLES} | {
        ("surrey", "cadet-hours.json"),
        ("surrey", "cadet-roster.json"),
    }
    assert shipped == tested


def test_the_cadet_workbook_gives_each_cadet_a_month(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Surrey's roster and hours sheets together: October one cadet short of 3 hours and
    two met, November all met, December (nothing logged) all missed, not left out."""
    folder = ROOT / "forces" / "surrey" / "profiles"
    workbook = str(folder / "samples" / "cadet-hours-2022q4.xlsx")
    files = []
    for profile in ("cadet-roster.json", "cadet-hours.json"):
        out = tmp_path / f"{profile}.jsonl"
        assert main(["import", str(folder / profile), workbook, "-o", str(out)]) == 0
        files.append(str(out))
    capsys.readouterr()
    report = _check(capsys, "surrey", *files)
    by_month = Counter(
        (r["start"][:7], r["status"])
        for r in report["results"]
        if r["obligation"] == "surrey.cadet-hours"
    )
    assert by_month == {
        ("2022-10", "partial"): 1,
        ("2022-10", "met"): 2,
        ("2022-11", "met"): 3,
        ("2022-12", "missed"): 3,
    }
    assert report["events"]["rejected"] == 0


def test_engagement_updates_name_the_month_they_are_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The database's October entry made on 2 November is an update for October."""
    folder = ROOT / "forces" / "gwent" / "profiles"
    out = tmp_path / "updates.jsonl"
    database = str(folder / "samples" / "engagement-database.sqlite")
    profile = str(folder / "engagement-database-updates.json")
    assert main(["import", profile, database, "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    late = [r for r in rows if r["scope"] == "ystrad-mynach" and r["at"].startswith("2022-11-02")]
    assert [r["attrs"]["for_period"] for r in late] == ["2022-10"]
    assert all("for_period" in r["attrs"] for r in rows)


def test_a_social_post_export_without_references_meets_no_linked_follow_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The posts export has no reference column: the warrant tweet links to nothing, so it
    counts for no follow-up, as the profile's description says; #Partnership is a topic."""
    folder = ROOT / "forces" / "gwent" / "profiles"
    report = _check(
        capsys,
        "gwent",
        str(folder / "samples" / "social-posts-2022-10.csv"),
        "--profile",
        str(folder / "social-posts.json"),
    )
    used = {e for r in report["results"] for e in r["evidence"]}
    assert "post-1005" not in used
    assert not report["rejections"]
    described = json.loads((folder / "social-posts.json").read_text(encoding="utf-8"))
    assert "gwent.cn.warrant-followup" in described["description"]


def test_a_mapped_value_outside_the_declared_codes_is_located(tmp_path: Path) -> None:
    """A tag mapped to a topic tweet does not declare is one located problem, before any
    row is read; the bundled profiles have none."""
    source = ROOT / "forces" / "gwent" / "profiles" / "social-posts.json"
    raw = json.loads(source.read_text(encoding="utf-8"))
    raw["maps"]["tags"]["values"]["#Community"] = "community"
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    problems = [str(p) for p in force_problems(load_profile(path), open_force("gwent"))]
    assert problems == [
        f"{path}: $.maps.tags.values[\"#Community\"]: 'community' is not a code of tweet.topic "
        "in gwent (codes: positive, warrant, arrest, priorities, your_voice, walk_and_talk, "
        "partnership, fun_run, general)"
    ]
    for shipped in ROOT.glob("forces/*/profiles/*.json"):
        profile = load_profile(shipped)
        assert force_problems(profile, open_force(profile.force)) == [], shipped
