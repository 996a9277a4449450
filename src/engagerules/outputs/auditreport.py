"""`engagerules audit` in words and as JSON: each duty with what went the wrong way.

A finding is shown with the log that produced it (JSON Lines, ready to save as
`audit.jsonl`) and the `explain` command that shows the verdict window by window, so a
reader can reproduce it without this tool's help.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, TypedDict

from engagerules.authoring.audit import ADVERSARIES, LOG_NAME, Audit, Finding

__all__ = [
    "AdversaryShape",
    "AuditDutyShape",
    "AuditFindingShape",
    "AuditShape",
    "audit_json",
    "render_audit",
]

_MEANING = {a.name: a.meaning for a in ADVERSARIES}


class AdversaryShape(TypedDict):
    name: str
    meaning: str
    defends: str


class GotShape(TypedDict):
    result: str
    status: str
    reason: str


#: One finding; `from` is a keyword, so the shape is written in TypedDict's functional form.
AuditFindingShape = TypedDict(
    "AuditFindingShape",
    {
        "adversary": str,
        "meaning": str,
        "log": str,
        "expected": str,
        "got": list[GotShape],
        "records": list[dict[str, Any]],
        "from": str,
        "to": str,
        "as_of": str,
        "scope": str | None,
        "command": str,
    },
)


class NotApplicableShape(TypedDict):
    adversary: str
    why: str


class AuditDutyShape(TypedDict):
    obligation: str
    title: str
    kind: str
    probes: int
    not_auditable: str | None
    not_applicable: list[NotApplicableShape]
    findings: list[AuditFindingShape]


class AuditSummaryShape(TypedDict):
    duties: int
    probes: int
    findings: int
    not_auditable: int
    by_adversary: dict[str, int]


class AuditShape(TypedDict):
    force: str
    summary: AuditSummaryShape
    adversaries: list[AdversaryShape]
    duties: list[AuditDutyShape]


def audit_json(result: Audit, overrides: Sequence[str] = ()) -> AuditShape:
    """The audit as the contract's JSON shape (docs/contract.md)."""
    return {
        "force": result.force,
        "summary": _summary(result),
        "adversaries": [
            {"name": a.name, "meaning": a.meaning, "defends": a.defends} for a in ADVERSARIES
        ],
        "duties": [
            {
                "obligation": d.obligation,
                "title": d.title,
                "kind": d.kind,
                "probes": d.probes,
                "not_auditable": d.not_auditable,
                "not_applicable": [{"adversary": n, "why": w} for n, w in d.not_applicable],
                "findings": [_finding(result.force, f, overrides) for f in d.findings],
            }
            for d in result.duties
        ],
    }


def _summary(result: Audit) -> AuditSummaryShape:
    judged = [d for d in result.duties if d.probes]
    return {
        "duties": len(judged),
        "probes": sum(d.probes for d in result.duties),
        "findings": len(result.findings),
        "not_auditable": sum(
            1 for d in result.duties if d.not_auditable and not d.not_auditable.startswith("never")
        ),
        "by_adversary": dict(Counter(f.adversary for f in result.findings)),
    }


def _finding(force: str, f: Finding, overrides: Sequence[str]) -> AuditFindingShape:
    return {
        "adversary": f.adversary,
        "meaning": _MEANING[f.adversary],
        "log": f.words,
        "expected": f.expected.value,
        "got": [{"result": w, "status": s, "reason": r} for w, s, r in f.got],
        "records": [dict(r) for r in f.records],
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        "as_of": f.as_of.isoformat(),
        "scope": f.scope,
        "command": f.command(force, overrides),
    }


def render_audit(result: Audit, overrides: Sequence[str] = (), *, verbose: bool = False) -> str:
    """The audit in words: a summary, then each duty with a finding (or not auditable)."""
    summary = _summary(result)
    never = sum(1 for d in result.duties if d.not_auditable and d.not_auditable.startswith("never"))
    lines = [
        f"{result.force}: {summary['duties']} duties audited with {summary['probes']} logs; "
        f"{summary['findings']} findings; {summary['not_auditable']} not auditable; "
        f"{never} never judged (advisory)"
    ]
    if summary["by_adversary"]:
        counted = ", ".join(f"{n} {k}" for k, n in sorted(summary["by_adversary"].items()))
        lines.append(f"findings by adversary: {counted}")
    for duty in result.duties:
        if duty.not_auditable and not duty.not_auditable.startswith("never"):
            lines += ["", f"NOT AUDITABLE {duty.obligation} ({duty.kind}): {duty.not_auditable}"]
        if not duty.findings:
            continue
        lines += ["", f"{duty.obligation} ({duty.kind}): {duty.title}"]
        for f in duty.findings:
            lines.append(f"  {f.adversary}: {_MEANING[f.adversary]}")
            lines.append(f"    log: {f.words}")
            lines.append(f"    expected {f.expected}; judged:")
            lines += [
                f"      {where}: {status}: {reason}" if status else f"      {where}"
                for where, status, reason in f.got
            ]
            lines.append(f"    reproduce: save the log below as {LOG_NAME}, then")
            lines.append(f"      {f.command(result.force, overrides)}")
            lines += [f"      {json.dumps(dict(r), ensure_ascii=False)}" for r in f.records]
            if not f.records:
                lines.append(f"      (no records: {LOG_NAME} is an empty file)")
    if verbose:
        lines += ["", "not applicable:"]
        for duty in result.duties:
            lines += [f"  {duty.obligation} {name}: {why}" for name, why in duty.not_applicable]
    return "\n".join(lines) + "\n"
