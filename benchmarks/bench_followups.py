"""How much one section's day of follow-ups costs: N closed ASB incidents and N unlinked
follow-up calls in one Gwent section on one day (`match` `refs_or_scope`), judged by
`check`. Before issue 19 every trigger listed every follow-up (N x N); now each call is
assigned to one trigger. Prints CPU seconds and peak RSS of the evaluation; run as
`.venv/bin/python benchmarks/bench_followups.py [N]` (default 3000)."""

from __future__ import annotations

import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta

from engagerules import evaluate, open_force, parse_events


def main(n: int) -> None:
    force = open_force("gwent")
    start = datetime(2022, 10, 3, 8, tzinfo=UTC)
    records = []
    for i in range(n):
        at = (start + timedelta(seconds=i)).isoformat()
        records.append({"id": f"a{i}", "type": "asb_incident_closed", "at": at, "scope": "bargoed"})
        later = (start + timedelta(hours=1, seconds=i)).isoformat()
        records.append(
            {"id": f"f{i}", "type": "asb_caller_followup", "at": later, "scope": "bargoed"}
        )
    log = parse_events([("bench", i + 1, r) for i, r in enumerate(records)], force)
    cpu = time.process_time()
    report = evaluate(
        force,
        log,
        date(2022, 10, 3),
        date(2022, 10, 3),
        datetime(2022, 10, 10, tzinfo=UTC),
        obligations=["gwent.cn.asb-caller-followup"],
    )
    cpu = time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    evidence = sum(len(r.evidence) for r in report.results)
    print(
        f"{n} + {n}: {len(report.results)} results, {evidence} evidence ids, "
        f"cpu {cpu:.2f} s, peak RSS {rss:.0f} MiB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
