"""Benchmark: `engagerules check` at scale, next to what Python takes just to read the file
and next to the DuckDB query an analyst would otherwise write.

Run from the repository root (the peer needs the `bench` extra: `pip install -e '.[bench]'`):

    nice -n 10 .venv/bin/python benchmarks/bench_scale.py [--sizes 100000,1000000,10000000]

For each size it simulates a year (2022) of Gwent activity as JSON Lines, once, into `--data`
(reused by later runs), then times, each in its own process so that peak memory is that
process's own:

- `check`: `engagerules check gwent LOG --from 2022-01-01 --to 2022-12-31 --format json`,
  the whole force (every obligation), report written to a file;
- `loads`: `json.loads` of every line of the same file, keeping the records: the floor of
  any Python reader;
- `peer`: one DuckDB query computing the two duties the issue names (daily foot patrol and
  weekly positive tweet, per section), whose verdicts are checked against check's.

A log simulated before the simulator changed is reused as it is: delete `--data` (or name
another) to simulate afresh.

Figures are printed (median of `--repeat` runs, peak RSS of the slowest), never asserted.
Sizes above a million are simulated a million at a time with different seeds and their ids
prefixed, so a 10M-event log never has to be held in memory to be written.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

FORCE = "gwent"
YEAR = 2022
CHUNK = 1_000_000
DUTIES = ("gwent.cn.daily-foot-patrol", "gwent.cn.weekly-positive-tweet")

LOADS = """
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    records = [json.loads(line) for line in f]
"""

# The analyst's peer: both duties as one query over the events file. A section's day (or
# week, Monday to Monday in local time) is met when it holds at least one foot patrol
# (positive tweet: a tweet tagged topic 'positive'; an untagged one does not count since
# issue 15). The duties came into force on 1 September 2022: days from then, weeks from the
# first whole one (5 September).
PEER = """
import json, sys
from datetime import datetime
import duckdb

path, out = sys.argv[1], sys.argv[2]
as_of = datetime.fromisoformat(sys.argv[3])  # check's --as-of: a window not over is pending
con = duckdb.connect()
con.execute("SET TimeZone = 'Europe/London'")
rows = con.execute(
    '''
    WITH ev AS (
        SELECT type, scope,
               CASE WHEN length("at") = 10 THEN CAST("at" AS DATE)::TIMESTAMPTZ
                    ELSE CAST("at" AS TIMESTAMPTZ) END AS at,
               lower(trim(CAST(json_extract_string(attrs, '$.topic') AS VARCHAR))) AS topic
        FROM read_json(?, format = 'newline_delimited',
                       columns = {type: 'VARCHAR', scope: 'VARCHAR', "at": 'VARCHAR',
                                  attrs: 'JSON'})
        WHERE scope IN ('rhymney', 'bargoed', 'ystrad-mynach')
    ),
    days AS (
        SELECT 'gwent.cn.daily-foot-patrol' AS duty, d::DATE AS day, 1 AS len
        FROM range(DATE '2022-09-01', DATE '2023-01-01', INTERVAL 1 DAY) t(d)
        UNION ALL
        SELECT 'gwent.cn.weekly-positive-tweet', d::DATE, 7
        FROM range(DATE '2022-09-05', DATE '2023-01-01', INTERVAL 7 DAY) t(d)
    ),
    grid AS (
        SELECT duty, s.scope, day::TIMESTAMPTZ AS start,
               (day + len)::TIMESTAMPTZ AS "end"
        FROM days, (VALUES ('rhymney'), ('bargoed'), ('ystrad-mynach')) s(scope)
    ),
    hits AS (
        SELECT g.duty, g.scope, g.start, g."end", count(ev.type) AS n
        FROM grid g LEFT JOIN ev
          ON ev.scope = g.scope AND ev.at >= g.start AND ev.at < g."end" AND ev.at <= ?
         AND ((g.duty = 'gwent.cn.daily-foot-patrol' AND ev.type = 'foot_patrol')
           OR (g.duty = 'gwent.cn.weekly-positive-tweet' AND ev.type = 'tweet'
               AND ev.topic = 'positive'))
        GROUP BY ALL
    )
    SELECT duty, scope, strftime(start, '%Y-%m-%d'),
           CASE WHEN n > 0 THEN 'met' WHEN "end" > ? THEN 'pending' ELSE 'missed' END
    FROM hits ORDER BY ALL
    ''',
    [path, as_of, as_of],
).fetchall()
with open(out, "w", encoding="utf-8") as f:
    json.dump([list(r) for r in rows], f)
"""


def simulate_log(path: Path, size: int) -> None:
    """Write a simulated year of `size` events, a million at a time."""
    import engagerules as er

    force = er.open_force(FORCE)
    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as out:
        done, seed = 0, 1
        while done < size:
            n = min(CHUNK, size - done)
            records = er.simulate(force, start, end, events=n, compliance=0.8, seed=seed)
            prefix = "" if size <= CHUNK else f"s{seed}-"
            for record in records:
                record["id"] = prefix + record["id"]
                if "refs" in record:
                    record["refs"] = [prefix + r for r in record["refs"]]
                out.write(json.dumps(record) + "\n")
            done, seed = done + n, seed + 1
            del records
    tmp.rename(path)


#: The children's environment: Python's compiled bytecode kept (under the data directory, so
#: the checkout stays clean) even where PYTHONDONTWRITEBYTECODE is set, as it is in an
#: installed package; otherwise every run would compile engagerules afresh (0.2 s here).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one child process.

    On a machine shared with other work the CPU time is the steadier figure: wall time
    also counts the time the process waited for a core."""
    began = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=_ENV)  # noqa: S603 - our own
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in ok:
        sys.exit(f"{argv[:4]}... exited with {child.returncode}")
    return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(
    label: str, argv: list[str], repeat: int, ok: tuple[int, ...] = (0,)
) -> tuple[float, float, float]:
    """Median wall and CPU seconds of `repeat` runs, and the largest peak RSS; a run
    exiting other than `ok` stops the benchmark (a failed peer must not be compared)."""
    runs = [run(argv, ok) for _ in range(repeat)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    peak = max(r[2] for r in runs)
    print(f"  {label:<6} {wall:8.2f} s wall {cpu:8.2f} s CPU {peak:8.0f} MiB", flush=True)
    return wall, cpu, peak


def check_verdicts(report_path: Path) -> list[list[str]]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return sorted(
        [r["obligation"], r["scope"], r["start"][:10], r["status"]]
        for r in report["results"]
        if r["obligation"] in DUTIES
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "engagerules-bench"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement")
    parser.add_argument("--no-peer", action="store_true", help="skip the DuckDB peer")
    parser.add_argument(
        "--no-ibis", action="store_true", help="skip ingest and the compiled engine"
    )
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    _ENV["PYTHONPYCACHEPREFIX"] = str(data / "pycache")
    run([sys.executable, "-c", "import engagerules.cli, engagerules.engine.evaluate"])  # compile
    python = sys.executable
    rows = []
    compiled: list[tuple[Any, ...]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        log = data / f"{FORCE}-{YEAR}-{size}.jsonl"
        if not log.exists():
            print(f"simulating {size:,} events into {log} ...", flush=True)
            simulate_log(log, size)
        mib = log.stat().st_size / 2**20
        print(f"{size:,} events ({mib:,.0f} MiB of JSON Lines)", flush=True)
        report = data / f"report-{size}.json"
        check = [python, "-m", "engagerules", "check", FORCE, str(log)]
        check += ["--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31"]
        as_of = f"{YEAR + 1}-01-01T00:00:00+00:00"
        check += ["--as-of", as_of, "--format", "json", "-o", str(report)]
        report.unlink(missing_ok=True)  # never compare a report an earlier run left
        # exit 1 is a finding (something missed, which a simulated log has), not a failure
        _, check_s, check_mib = measure("check", check, args.repeat, ok=(0, 1))
        _, loads_s, _ = measure("loads", [python, "-c", LOADS, str(log)], args.repeat)
        peer_s = peer_mib = float("nan")
        agree = "-"
        if not args.no_peer:
            verdicts = data / f"peer-{size}.json"
            verdicts.unlink(missing_ok=True)
            peer = [python, "-c", PEER, str(log), str(verdicts), as_of]
            _, peer_s, peer_mib = measure("peer", peer, 1)
            ours = check_verdicts(report)
            theirs = sorted(json.loads(verdicts.read_text(encoding="utf-8")))
            agree = f"{len(ours)} same" if ours == theirs else "DIFFERENT"
            if ours != theirs:
                diff = [v for v in ours if v not in theirs][:5]
                print(f"  verdicts differ, e.g. check has {diff}", flush=True)
        rows.append((size, check_s, check_mib, loads_s, peer_s, peer_mib, agree))
        if not args.no_ibis:
            compiled.append((size, *_compiled(python, log, report, check, args.repeat)))
    print()
    print("CPU seconds (user + system), each in its own process:")
    print(
        "| events | check | check peak RSS | json.loads, kept | check / loads "
        "| DuckDB peer (2 duties) | peer peak RSS | verdicts |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for size, check_s, check_mib, loads_s, peer_s, peer_mib, agree in rows:
        print(
            f"| {size:,} | {check_s:.2f} s | {check_mib:,.0f} MiB | {loads_s:.2f} s "
            f"| {check_s / loads_s:.2f}x | {peer_s:.2f} s | {peer_mib:,.0f} MiB | {agree} |"
        )
    _print_compiled(compiled)


def _print_compiled(compiled: list[tuple[Any, ...]]) -> None:
    if not compiled:
        return
    print()
    print("The compiled engine (issue 23), CPU seconds and peak RSS, each in its own process:")
    print(
        "| events | ingest | check over Parquet | its peak RSS | check --engine ibis "
        "| its peak RSS | reports |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    for size, ingest_s, pq_s, pq_mib, ibis_s, ibis_mib, same in compiled:
        print(
            f"| {size:,} | {ingest_s:.2f} s | {pq_s:.2f} s | {pq_mib:,.0f} MiB "
            f"| {ibis_s:.2f} s | {ibis_mib:,.0f} MiB | {same} |"
        )


def _compiled(
    python: str, log: Path, report: Path, check: list[str], repeat: int
) -> tuple[float, float, float, float, float, str]:
    """Ingest once, then the reference and the compiled engine over the Parquet file;
    the compiled report must equal check's but for the added `engines`."""
    parquet = log.with_suffix(".parquet")
    parquet.unlink(missing_ok=True)
    ingest = [python, "-m", "engagerules", "ingest", FORCE, str(log), "-o", str(parquet)]
    _, ingest_s, _ = measure("ingest", ingest, 1)
    on_parquet = [str(parquet) if a == str(log) else a for a in check]
    pq_report = report.with_name(report.stem + "-parquet.json")
    ibis_report = report.with_name(report.stem + "-ibis.json")
    pq = [pq_report.as_posix() if a == str(report) else a for a in on_parquet]
    _, pq_s, pq_mib = measure("check.pq", pq, repeat, ok=(0, 1))
    compiled = [ibis_report.as_posix() if a == str(report) else a for a in on_parquet]
    _, ibis_s, ibis_mib = measure("ibis", [*compiled, "--engine", "ibis"], repeat, ok=(0, 1))
    theirs = json.loads(ibis_report.read_text(encoding="utf-8"))
    engines = theirs.pop("engines")
    ours = json.loads(report.read_text(encoding="utf-8"))
    same = "same" if ours == theirs else "DIFFERENT"
    judged = sum(1 for v in engines.values() if v == "ibis")
    return ingest_s, pq_s, pq_mib, ibis_s, ibis_mib, f"{same} ({judged} duties compiled)"


if __name__ == "__main__":
    main()
