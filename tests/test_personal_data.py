"""No personal data from the source documents gets into the project.

The documents the forces are encoded from name officers and staff and give their phone
numbers and e-mail addresses. The project models roles, never people, so none of those
may appear in its files. The candidates are read from the documents at test time, so
this file names nobody: e-mail addresses, phone numbers, names that follow a rank or a
"Name:" label, and the name parts of e-mail addresses. Without the documents, a generic
scan for e-mail addresses and phone numbers in the force configurations stands in.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import attrs
import pytest

from conftest import SEEDS

ROOT = Path(__file__).resolve().parents[1]
#: The source documents; ENGAGERULES_SEEDS points elsewhere (a CI checkout of them).


#: What the project is made of: the places the guard looks.
SCANNED = ("forces", "src", "docs", "tests", "README.md", "README.rst", "README")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w.])(?:\+44\s?(?:\(0\)\s?)?|0)\d{2,4}[\s-]?\d{3}[\s-]?\d{3,4}(?!\d)")

_WORD = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
_NAME = rf"{_WORD}(?: {_WORD}){{0,2}}"
_RANK = (
    r"(?:ACC|DCC|DCS|DCI|DSupt|DSU|DI|DS|DC|CI|PS|PC|Supt|Ch\.? Supt|Sgt|Insp|Cllr"
    r"|(?:Police |Detective )?(?:Sergeant|Inspector|Constable|Superintendent)(?= \d)|PCSO(?= \d))"
)
#: A name after a rank, optionally with a collar number: "PS 1234 Firstname Lastname".
TITLED = re.compile(rf"\b{_RANK}\.? (?:(\d{{3,5}}) )?({_NAME})")
#: A name after a label: "Name: Firstname Lastname", "Contact officer: ...".
LABELLED = re.compile(rf"\b(?:Name|Contact(?: [Oo]fficer)?|Author|By|Sponsor)\s*:\s*({_NAME})")
#: A name introduced by its department: "with Firstname Lastname from Corporate ...".
INTRODUCED = re.compile(rf"\bwith ({_WORD} {_WORD}) from\b")

#: Words that follow ranks and labels in the documents but are not names.
_NOT_NAMES = frozenset(
    {
        "Police", "Sergeant", "Sergeants", "Inspector", "Inspectors", "Constable", "Officer",
        "Officers", "Surgeries", "Surgery", "Team", "Teams", "Safer", "Neighbourhood", "Job",
        "Title", "Details", "Corporate", "Communications", "Community", "Chief", "Staff",
    }
)  # fmt: skip


@attrs.frozen
class Candidates:
    """Personal data found in the documents, in the forms it is searched for."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()  # digits only
    names: frozenset[str] = frozenset()  # full names as written
    surnames: frozenset[str] = frozenset()
    collars: frozenset[str] = frozenset()  # collar numbers that go with a name

    def __bool__(self) -> bool:
        return bool(self.emails or self.phones or self.names)


def extract(texts: Iterable[str]) -> Candidates:
    """Every e-mail address, phone number and personal name the texts give."""
    emails: set[str] = set()
    phones: set[str] = set()
    names: set[str] = set()
    collars: set[str] = set()
    for text in texts:
        flat = re.sub(r"[^\S\n]+", " ", text)  # one space between words; lines kept apart
        emails.update(e.lower().rstrip(".") for e in EMAIL.findall(flat))
        phones.update(_digits(p) for p in PHONE.findall(flat))
        for collar, written in TITLED.findall(flat):
            name = _name(written)
            if name:
                names.add(name)
                if collar:
                    collars.add(collar)
        for written in (*LABELLED.findall(flat), *INTRODUCED.findall(flat)):
            name = _name(written)
            if name:
                names.add(name)
    surnames = {name.split()[-1] for name in names}
    for email in emails:
        local = email.split("@", 1)[0]
        surnames.update(p.capitalize() for p in re.split(r"[._-]", local) if len(p) > 2)
    return Candidates(
        frozenset(emails),
        frozenset(phones),
        frozenset(names),
        frozenset(surnames),
        frozenset(collars),
    )


def _name(text: str) -> str:
    """The name at the start of `text`, up to the first word that is not part of a name."""
    words: list[str] = []
    for word in text.split():
        if word in _NOT_NAMES:
            break
        words.append(word)
    return " ".join(words)


def _digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "0" + digits[2:] if digits.startswith("44") else digits


def findings(candidates: Candidates, files: Iterable[Path]) -> list[str]:
    """Where each candidate occurs in the files, as `path: what` (naming only its kind)."""
    found: list[str] = []
    patterns = [
        *(
            (re.compile(re.escape(e), re.IGNORECASE), "an e-mail address")
            for e in candidates.emails
        ),
        *((_words(n, re.IGNORECASE), "a personal name") for n in candidates.names),
        *((_words(s), "a surname") for s in candidates.surnames),
        *((re.compile(rf"(?<!\d){c}(?!\d)"), "a collar number") for c in candidates.collars),
    ]
    for file in files:
        text = _read(file)
        if text is None:
            continue
        squashed = re.sub(r"(?<=\d)[\s()+-]+(?=\d)", "", text)
        where = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
        for pattern, kind in patterns:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{where}:{line}: {kind} from the source documents")
        for phone in candidates.phones:
            if phone in squashed or ("44" + phone[1:]) in squashed:
                found.append(f"{where}: a phone number from the source documents")
    return found


def _words(phrase: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(
        r"(?<![\w])" + r"\s+".join(map(re.escape, phrase.split())) + r"(?![\w])", flags
    )


def _read(file: Path) -> str | None:
    try:
        return file.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def project_files(roots: Iterable[str] = SCANNED) -> list[Path]:
    """The project's files under `roots`: what git tracks (and would track), else a walk."""
    wanted = [r for r in roots if (ROOT / r).exists()]
    git = shutil.which("git")
    if git and (ROOT / ".git").exists() and wanted:
        listed = subprocess.run(
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *wanted],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if listed.returncode == 0:
            names = [n for n in listed.stdout.decode("utf-8").split("\0") if n]
            return sorted({ROOT / n for n in names if (ROOT / n).is_file()})
    files: set[Path] = set()
    for root in wanted:
        path = ROOT / root
        if path.is_file():
            files.add(path)
        else:
            files.update(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(files)


def seed_texts(seeds: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(seeds.glob("*.txt"))]


# ---------------------------------------------------------------------------- the guard


def scan(seeds: Path) -> list[str]:
    """Personal data from the documents in `seeds` found in the project; without the
    documents, any e-mail address or phone number at all in the force configurations."""
    if seeds.is_dir() and any(seeds.glob("*.txt")):
        return findings(extract(seed_texts(seeds)), project_files())
    return contact_details(project_files(["forces"]))


def contact_details(files: Iterable[Path]) -> list[str]:
    """Every e-mail address and phone number in the files, by file and line."""
    found: list[str] = []
    for file in files:
        text = _read(file)
        if text is None:
            continue
        where = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
        for pattern, kind in ((EMAIL, "an e-mail address"), (PHONE, "a phone number")):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{where}:{line}: {kind}")
    return found


def test_no_personal_data_from_the_documents() -> None:
    """No name, phone number or e-mail address from the source documents is in the project."""
    found = scan(SEEDS)
    assert not found, "personal data in the project:\n" + "\n".join(found)


def test_no_contact_details_in_forces() -> None:
    """Force configurations carry no e-mail address or phone number at all (roles only)."""
    found = contact_details(project_files(["forces"]))
    assert not found, "\n".join(found)


def test_without_the_documents_the_generic_scan_stands_in(tmp_path: Path) -> None:
    """With no documents to read, the guard still runs: a generic scan of the forces."""
    assert scan(tmp_path / "absent") == contact_details(project_files(["forces"])) == []
    planted = tmp_path / "force.json"
    planted.write_text('{"contact": "someone@example.org, 01632 960123"}\n', encoding="utf-8")
    assert contact_details([planted]) == [
        f"{planted}:1: an e-mail address",
        f"{planted}:1: a phone number",
    ]


def test_the_documents_do_yield_candidates() -> None:
    """The extraction still finds the documents' names and contact details (no silent rot)."""
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not here")
    candidates = extract(seed_texts(SEEDS))
    assert candidates.emails
    assert candidates.phones
    assert len(candidates.names) >= 3
    assert candidates.surnames >= {n.split()[-1] for n in candidates.names}


# ---------------------------------------------------------------------------- the extractor


_SAMPLE = """
LEAD OFFICER: DCC Avery Quill
By: Police Sergeant 4711 Robin Vantongeren (Sponsored by DCS Morgan Example-Smith)
Rhymney task owner: PS Oddbody. PS / Inspector to attend. Inspector Surgeries monthly.
Discussion is on-going with Kit Marlowe from Corporate Communications.
Contact details -Name: Sam Placeholder Job Title: Police Sergeant Telephone number:
01632 960123 / 07700900456 Email address: sam.placeholder@example.police.uk
"""


def test_extractor_finds_ranked_labelled_and_introduced_names() -> None:
    """Names after ranks, collar numbers, labels and 'with X from' are found; roles are not."""
    found = extract([_SAMPLE])
    assert found.names == {
        "Avery Quill",
        "Robin Vantongeren",
        "Morgan Example-Smith",
        "Oddbody",
        "Kit Marlowe",
        "Sam Placeholder",
    }
    assert found.collars == {"4711"}
    assert found.emails == {"sam.placeholder@example.police.uk"}
    assert found.phones == {"01632960123", "07700900456"}
    assert {"Quill", "Oddbody", "Placeholder", "Sam"} <= found.surnames


def test_findings_locate_each_kind(tmp_path: Path) -> None:
    """A file holding a candidate is reported by line, naming only the kind of data."""
    found = extract([_SAMPLE])
    clean = tmp_path / "clean.json"
    clean.write_text('{"owner": "PS", "title": "Inspector surgery"}\n', encoding="utf-8")
    dirty = tmp_path / "dirty.md"
    dirty.write_text(
        "ok\nask avery quill\ncall 01632 960 123\nor +44 7700 900456\n", encoding="utf-8"
    )
    assert findings(found, [clean]) == []
    report = findings(found, [dirty])
    assert any(r.endswith(":2: a personal name from the source documents") for r in report)
    assert sum("phone number" in r for r in report) == 2
    assert all("quill" not in r.lower() for r in report)
