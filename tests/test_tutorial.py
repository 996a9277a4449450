"""docs/tutorial.md, followed word by word: its commands run and print what it says."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from engagerules.cli import main

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
BLOCK = re.compile(r"^ *```(\w+)\n(.*?)^ *```", re.MULTILINE | re.DOTALL)
ENGAGERULES = ".venv/bin/engagerules"


def blocks() -> list[tuple[str, list[str]]]:
    """The tutorial's fenced blocks in order: language and non-empty lines, dedented."""
    return [
        (lang, [line.strip() for line in body.splitlines() if line.strip()])
        for lang, body in BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))
    ]


def commands(line: str) -> list[list[str]]:
    """The engagerules commands of a shell line; installing (`python3 -m venv`, `pip`) is
    what the packaging tests do, so only the `engagerules` parts are run here."""
    found = []
    for part in line.split("&&"):
        words = shlex.split(part)
        if words and words[0] == ENGAGERULES:
            found.append(words[1:])
    return found


def test_the_tutorial_shows_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command runs, and every output line the tutorial shows is in what it printed."""
    monkeypatch.chdir(tmp_path)
    found = blocks()
    assert [lang for lang, _ in found].count("sh") >= 5
    printed: list[str] = []
    checked = 0
    for lang, lines in found:
        if lang == "json":
            (tmp_path / "week.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        elif lang == "sh":
            printed = []
            for line in lines:
                for argv in commands(line):
                    code = main(argv)
                    out, err = capsys.readouterr()
                    assert code in (0, 1), (argv, err)
                    printed += [text.strip() for text in (out + err).splitlines()]
        elif lang == "text":
            # A shown line may be the telling part of a longer printed one (a reason's end).
            missing = [line for line in lines if not any(line in text for text in printed)]
            assert not missing, missing
            checked += len(lines)
    assert checked >= 15
    assert (tmp_path / "week.html").stat().st_size > 10_000
