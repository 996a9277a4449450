"""What `validate` checks beyond the configuration: its quotes in its documents, and its
scenario files.

A force outside the bundle had its quotes read by nobody: the document is never opened
unless it is at hand, so a quote that is not in the plan (or no quote at all, which leaves
the reviewer's page without the plan's words) passed `validate`. Now a document found
beside force.json (or in `documents/` there, or in a folder named by
`ENGAGERULES_DOCUMENTS`) is read and every quote is looked for in it, as a reader would read
it: markup, bullets, typographic quotes, case and line breaks aside. A document not found
is said, never taken as verified. Broken scenario files, which `test` used to be the first
to notice, are reported here with their locations too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from engagerules.authoring.scenarios import load_scenarios, scenario_files
from engagerules.errors import ConfigError, Problem
from engagerules.model.plan import Force
from engagerules.sources import strictjson

__all__ = ["DOCUMENTS_ENV", "document_problems", "fragments", "plain", "scenario_problems"]

#: Folders (os.pathsep between them) where a force's documents may also be found.
DOCUMENTS_ENV = "ENGAGERULES_DOCUMENTS"

_TYPOGRAPHY = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2022": " ", "*": " "}
)


def plain(text: str) -> str:
    """Text as a reader sees it: no markup, one space between words, lower case."""
    text = re.sub(r"<[^>]+>", " ", text).translate(_TYPOGRAPHY)
    return " ".join(text.split()).lower()


def _folders(home: Path) -> list[Path]:
    extra = [Path(p) for p in os.environ.get(DOCUMENTS_ENV, "").split(os.pathsep) if p]
    return [home, home / "documents", *extra]


def _find(name: str, home: Path) -> Path | None:
    for folder in _folders(home):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def document_problems(file: Path, force: Force) -> tuple[list[Problem], list[str]]:
    """Problems with the quotes of the force.json at `file` (a missing quote; a quote its
    document does not hold), and notes naming each document that was not found."""
    raw: Any = strictjson.read_file(file, encoding="utf-8-sig")
    home = file.parent
    texts: dict[str, str | None] = {}
    notes: list[str] = []
    for document in force.documents:
        found = _find(document.id, home)
        try:
            texts[document.id] = plain(found.read_text(encoding="utf-8")) if found else None
        except (OSError, UnicodeDecodeError) as exc:
            texts[document.id] = None
            notes.append(f"{found}: cannot be read ({exc}); its quotes are not verified")
            continue
        if found is None:
            notes.append(
                f"{document.id}: not found beside {file.name} (nor in documents/ or "
                f"${DOCUMENTS_ENV}); the quotes citing it are not verified"
            )
    problems: list[Problem] = []
    for index, ob in enumerate(raw.get("obligations") or []):
        source = ob.get("source") if isinstance(ob, dict) else None
        if not isinstance(source, dict):
            continue
        at = f"$.obligations[{index}].source"
        quote, cited = source.get("quote"), source.get("document")
        if not isinstance(quote, str) or not quote.strip():
            message = "no quote: give the plan's words, which the reviewer's page shows"
            problems.append(Problem(f"{file}: {at}", message, file=str(file), path=at))
            continue
        text = texts.get(cited) if isinstance(cited, str) else None
        if text is not None and plain(quote) not in text:
            message = f"the quote is not in {cited}: {quote[:80]!r}"
            where = f"{at}.quote"
            problems.append(Problem(f"{file}: {where}", message, file=str(file), path=where))
        if text is not None:
            problems.extend(_stated_problems(file, ob, index, cited, text))
    return problems, notes


#: An editor's note after the plan's words: "(no interval)", "(listed under Daily)".
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def fragments(words: str) -> list[str]:
    """The plan's own words in a stated part or a reading: the text without a trailing
    editor's note in parentheses, cut where "..." (words left out) or ";" (two places
    joined) stand."""
    kept = _NOTE.sub("", words)
    return [part for part in re.split(r"\.\.\.|\u2026|;", kept) if part.strip()]


def _stated_problems(
    file: Path, ob: dict[str, Any], index: int, cited: Any, text: str
) -> list[Problem]:
    """Each part an obligation says the plan states must carry words its document holds:
    "stated by the plan" is then a claim validate has checked, not a default."""
    stated = ob.get("stated")
    if not isinstance(stated, dict):
        return []
    problems = []
    for part, words in stated.items():
        if not isinstance(words, str):
            continue
        missing = [f for f in fragments(words) if plain(f) not in text] or (
            [] if fragments(words) else [words]
        )
        if missing:
            where = f"$.obligations[{index}].stated.{part}"
            message = f"the plan's words for {part} are not in {cited}: {missing[0].strip()[:80]!r}"
            problems.append(Problem(f"{file}: {where}", message, file=str(file), path=where))
    return problems


def scenario_problems(force: Force) -> list[Problem]:
    """Every problem in the force's scenario files, located."""
    problems: list[Problem] = []
    for path in scenario_files(force):
        try:
            load_scenarios(path, force)
        except ConfigError as exc:
            problems.extend(exc.problems)
    return problems
