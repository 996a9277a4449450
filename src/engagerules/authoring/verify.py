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

import json
import os
import re
from pathlib import Path
from typing import Any

from engagerules.authoring.scenarios import load_scenarios, scenario_files
from engagerules.errors import ConfigError, Problem
from engagerules.model.plan import Force

__all__ = ["DOCUMENTS_ENV", "document_problems", "plain", "scenario_problems"]

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
    raw: Any = json.loads(file.read_text(encoding="utf-8-sig"))
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
    return problems, notes


def scenario_problems(force: Force) -> list[Problem]:
    """Every problem in the force's scenario files, located."""
    problems: list[Problem] = []
    for path in scenario_files(force):
        try:
            load_scenarios(path, force)
        except ConfigError as exc:
            problems.extend(exc.problems)
    return problems
