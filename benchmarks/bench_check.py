"""Benchmark: reading and evaluating simulated activity logs of growing size.

Run from the repository root:

    .venv/bin/python benchmarks/bench_check.py [--force gwent] [--sizes 10000,100000]

For each size it simulates a year of activity (seeded, so every run judges the same log),
writes it as JSON Lines, then times `read_events` and `evaluate` separately, best of three.
The engine indexes events by type and unit, so time should grow with events + windows, not
their product: doubling the events should roughly double the read time and add less than
that to evaluation, whose share for a fixed range is dominated by the number of windows.
Figures are printed, never asserted: a timed test would be flaky on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import engagerules as er

T = TypeVar("T")


def best_of(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", default="gwent")
    parser.add_argument("--sizes", default="10000,50000,100000,200000")
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default="2023-12-31")
    args = parser.parse_args()
    force = er.open_force(args.force)
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    as_of = datetime.combine(end, datetime.min.time(), force.zone).replace(year=end.year + 1)
    print(f"force {force.id}: {len(force.obligations)} obligations, range {start}..{end}")
    print(f"{'events':>8} {'read s':>8} {'eval s':>8} {'results':>8} {'events/s':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            records = er.simulate(force, start, end, events=size, compliance=0.8, seed=1)
            path = Path(tmp) / f"log-{size}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in records))
            read_s, log = best_of(3, lambda p=path: er.read_events([p], force))
            eval_s, report = best_of(3, lambda lg=log: er.evaluate(force, lg, start, end, as_of))
            rate = size / (read_s + eval_s)
            count = len(report.results)
            print(f"{size:>8} {read_s:>8.3f} {eval_s:>8.3f} {count:>8} {rate:>10,.0f}")


if __name__ == "__main__":
    main()
