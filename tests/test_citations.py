"""Citations say what the documents say: every quote is in its document, and every
section heading is one of the document's own.

Run against the source documents when they are at hand (`ENGAGERULES_SEEDS`, by default
/work/shared/seeds); markup, bullets, typographic quotes and line breaks are ignored, so a
quote is compared as a reader would read it. Forces join `_VERIFIED` once their quotes
have been checked against the text.
"""

from __future__ import annotations

import re

import pytest

from conftest import SEEDS
from engagerules import Force, open_force, render_force_docs

#: Forces whose citations are held to the letter of their documents.
_VERIFIED = ("gwent", "dorset", "surrey", "notts")

_TYPOGRAPHY = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2022": " ", "*": " "}
)


def _plain(text: str) -> str:
    """Text as a reader sees it: no markup, one space between words, lower case."""
    text = re.sub(r"<[^>]+>", " ", text).translate(_TYPOGRAPHY)
    return " ".join(text.split()).lower()


def _heading(section: str) -> str:
    """A heading without its numbering ("3.1 'Your Voice'" -> "'your voice'")."""
    return _plain(re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", section)).rstrip(".")


def _texts(force: Force) -> dict[str, str]:
    """Each of the force's documents as a reader sees it, by id (skipped when absent)."""
    texts = {}
    for document in force.documents:
        path = SEEDS / document.id
        if not path.is_file():
            pytest.skip(f"{path} is not here")
        texts[document.id] = _plain(path.read_text(encoding="utf-8"))
    return texts


@pytest.mark.parametrize("force_id", _VERIFIED)
def test_quotes_and_sections_are_in_the_documents(force_id: str) -> None:
    """Each quote occurs in the cited document; each listed section heading occurs there."""
    force = open_force(force_id)
    texts = _texts(force)
    problems = [
        f"{document.id}: no heading {section!r}"
        for document in force.documents
        for section in document.sections
        if _heading(section) not in texts[document.id]
    ]
    for ob in force.obligations:
        quote = ob.source.quote
        if quote is None:
            problems.append(f"{ob.id}: no quote")
        elif _plain(quote) not in texts[ob.source.document]:
            problems.append(f"{ob.id}: quote not in {ob.source.document}: {quote!r}")
    assert not problems, "\n".join(problems)


#: An editor's note after the plan's words: "(no interval)", "(listed under Daily)".
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def _fragments(plan: str) -> list[str]:
    """The plan's own words in a reading: the text without a trailing editor's note in
    parentheses, cut where "..." (words left out) or ";" (two places joined) stand."""
    words = _NOTE.sub("", plan)
    return [part for part in re.split(r"\.\.\.|…|;", words) if part.strip()]


@pytest.mark.parametrize("force_id", _VERIFIED)
def test_each_reading_quotes_the_plan_in_its_own_words(force_id: str) -> None:
    """A reading says what the plan says before what we read into it: its `plan` words
    are the document's, to the letter (an editor's note may follow in parentheses, and
    "..." marks words left out), so a paraphrase is never shown as the plan's words."""
    force = open_force(force_id)
    texts = _texts(force)
    problems = [
        f"{ob.id} ({reading.part.value}): not in {ob.source.document}: {fragment.strip()!r}"
        for ob in force.obligations
        for reading in ob.readings.read
        for fragment in _fragments(reading.plan)
        if _plain(fragment) not in texts[ob.source.document]
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("force_id", _VERIFIED)
def test_each_stated_part_gives_the_plans_words(force_id: str) -> None:
    """A part marked stated carries the plan's words for it, and they are the document's,
    to the letter: "stated by the plan" is a claim anyone can check, never a default."""
    force = open_force(force_id)
    texts = _texts(force)
    problems = [
        f"{ob.id} ({part.value}): not in {ob.source.document}: {fragment.strip()!r}"
        for ob in force.obligations
        for part, words in ob.readings.words
        for fragment in _fragments(words)
        if _plain(fragment) not in texts[ob.source.document]
    ]
    unworded = [
        f"{ob.id} ({part.value}): no words of the plan"
        for ob in force.obligations
        for part in ob.readings.stated
        if not _fragments(ob.readings.words_of(part) or "")
    ]
    assert not problems + unworded, "\n".join(problems + unworded)


@pytest.mark.parametrize("force_id", _VERIFIED)
def test_reviewer_page_follows_the_documents_order(force_id: str) -> None:
    """The reviewer's page says it follows the document's order: each section's duties
    start later in the document than the previous section's (by where their quotes stand)."""
    force = open_force(force_id)
    texts = _texts(force)
    page = render_force_docs(force)
    for document in force.documents:
        text = texts[document.id]
        starts = {}
        for ob in force.obligations:
            if ob.source.document == document.id and ob.source.quote:
                at = text.find(_plain(ob.source.quote))
                known = starts.get(ob.source.section, at)
                starts[ob.source.section] = min(known, at)
        shown = [h for h in re.findall(r"^### (.+)$", page, flags=re.MULTILINE) if h in starts]
        places = [starts[h] for h in shown]
        assert places == sorted(places), f"{document.id}: {shown}"


def test_fragments_keep_the_words_and_drop_only_the_editors_note() -> None:
    """The note must be last and in parentheses; words elsewhere are all compared."""
    assert _fragments("Police Surgery (per meeting)") == ["Police Surgery"]
    assert _fragments("will carry out ... where it helps") == ["will carry out ", " where it helps"]
    assert _fragments("(each officer's) your set of 6 shifts") == [
        "(each officer's) your set of 6 shifts"
    ]
