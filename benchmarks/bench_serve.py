"""Benchmark: `engagerules serve` under load, as a process on loopback (not a timed test).

Run from the repository root (SQLite, the embedded default; then PostgreSQL by URL):

    .venv/bin/python benchmarks/bench_serve.py
    .venv/bin/python benchmarks/bench_serve.py --db "$(cat /tmp/engagerules-postgres/url)"

It starts `engagerules serve` on a free port of 127.0.0.1 over a fresh store, adds a feed
token and an API key with the `tokens` and `keys` commands, then measures:

- feeds: rounds of `--concurrency` (200) feed requests at once from one httpx async client
  (200 connections), requests/s and p50/p95 latency; the same with If-None-Match (the 304
  path Outlook takes when nothing changed);
- events: `--events` (1M) simulated records (`engagerules.simulate`, seeded) posted in
  batches of `--batch` (5,000), each with its own Idempotency-Key, one at a time: events/s
  and the server's peak RSS; then one replayed batch; then one verdicts request over every
  stored event (time, and the server's peak RSS while judging).

Peak RSS is the kernel's high-water mark for the server process (`VmHWM` in
/proc/PID/status), reset before each phase (`clear_refs`), so each figure is that phase's.
The load is bounded: a fixed number of requests, each with a timeout, loopback only.
Figures are printed, never asserted: a timed test would be flaky on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx

import engagerules as er

TIMEOUT = httpx.Timeout(600.0, connect=30.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _cli(db: str, folder: Path, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "engagerules", *args, "--db", db],
        cwd=folder, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


@contextmanager
def _server(db: str, folder: Path) -> Iterator[tuple[str, int]]:
    """The server as a process on a free loopback port: (base URL, pid)."""
    port = _free_port()
    log = (folder / "server.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "engagerules", "serve", "--port", str(port), "--db", db],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the server did not start: {(folder / 'server.log').read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _reset_peak(pid: int) -> None:
    """Set the process's RSS high-water mark to its RSS now (Linux 4.0+)."""
    with contextlib.suppress(OSError):  # not Linux: the peak is then since start
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def _rss_mib(pid: int, field: str) -> float:
    """`VmHWM` (peak) or `VmRSS` (now) of a process, in MiB (0 where /proc is absent)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _burst(
    client: httpx.AsyncClient, url: str, count: int, headers: dict[str, str]
) -> tuple[float, list[float], set[int]]:
    """`count` GETs at once: (wall seconds, latencies, status codes)."""

    async def one() -> tuple[float, int]:
        start = time.perf_counter()
        answer = await client.get(url, headers=headers)
        return time.perf_counter() - start, answer.status_code

    start = time.perf_counter()
    done = await asyncio.gather(*(one() for _ in range(count)))
    return time.perf_counter() - start, [d[0] for d in done], {d[1] for d in done}


async def _feeds(url: str, concurrency: int, rounds: int) -> None:
    # Idle connections are dropped by the client before uvicorn's 5 s keep-alive ends, or a
    # request may be sent on a connection the server is closing (a ReadError, not a fault).
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT) as client:
        start = time.perf_counter()
        first = await client.get(url)
        cold = time.perf_counter() - start
        first.raise_for_status()
        etag = first.headers["etag"]
        print(f"  first request (builds the feed, {len(first.content):,} bytes): {cold:.3f} s")
        await _burst(client, url, concurrency, {})  # open the connections
        for label, headers in (("200", {}), ("304", {"If-None-Match": etag})):
            walls, latencies, codes = 0.0, [], set()
            for _ in range(rounds):
                wall, lat, got = await _burst(client, url, concurrency, headers)
                walls += wall
                latencies += lat
                codes |= got
            total = concurrency * rounds
            print(
                f"  {label}: {total} requests ({rounds} x {concurrency} at once), "
                f"statuses {sorted(codes)}: {total / walls:,.0f} requests/s, "
                f"p50 {_pct(latencies, 0.5) * 1000:.0f} ms, "
                f"p95 {_pct(latencies, 0.95) * 1000:.0f} ms"
            )


def _batches(force: er.Force, events: int, size: int, start: date, end: date) -> list[bytes]:
    """The simulated log, encoded as request bodies of `size` records."""
    records = er.simulate(force, start, end, events=events, compliance=0.8, seed=1)
    return [json.dumps(records[i : i + size]).encode("utf-8") for i in range(0, len(records), size)]


def _events(url: str, pid: int, key: str, force: er.Force, args: argparse.Namespace) -> None:
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    made = time.perf_counter()
    bodies = _batches(force, args.events, args.batch, start, end)
    print(f"  simulated {args.events:,} events in {time.perf_counter() - made:.1f} s")
    auth = {"Authorization": f"Bearer {key}"}
    posted = f"{url}/v1/forces/{force.id}/events"
    run = uuid.uuid4().hex[:8]
    stored = 0
    slowest = 0.0
    _reset_peak(pid)
    with httpx.Client(timeout=TIMEOUT) as client:
        began = time.perf_counter()
        for number, body in enumerate(bodies):
            sent = time.perf_counter()
            answer = client.post(
                posted, content=body, headers={**auth, "Idempotency-Key": f"{run}-{number}"}
            )
            slowest = max(slowest, time.perf_counter() - sent)
            if answer.status_code != 201:
                sys.exit(f"batch {number}: {answer.status_code} {answer.text[:300]}")
            stored += answer.json()["stored"]
        took = time.perf_counter() - began
        print(
            f"  posted {stored:,} events in {len(bodies)} batches of {args.batch:,}: "
            f"{took:.1f} s, {stored / took:,.0f} events/s, slowest batch {slowest:.2f} s, "
            f"server peak RSS {_rss_mib(pid, 'VmHWM'):,.0f} MiB"
        )
        sent = time.perf_counter()
        replay = client.post(
            posted, content=bodies[0], headers={**auth, "Idempotency-Key": f"{run}-0"}
        )
        print(
            f"  replayed batch 0 (Idempotent-Replayed: "
            f"{replay.headers.get('idempotent-replayed')}): {time.perf_counter() - sent:.3f} s"
        )
        _reset_peak(pid)
        before = _rss_mib(pid, "VmRSS")
        params = {"from": args.start, "to": args.end, "as_of": f"{end.year + 1}-01-10T00:00:00Z"}
        sent = time.perf_counter()
        verdicts = client.get(f"{url}/v1/forces/{force.id}/verdicts", params=params, headers=auth)
        took = time.perf_counter() - sent
        verdicts.raise_for_status()
        report = verdicts.json()
        print(
            f"  verdicts over {report['events']['read']:,} stored events "
            f"({len(report['results']):,} results): {took:.1f} s, server RSS "
            f"{before:,.0f} MiB before, peak {_rss_mib(pid, 'VmHWM'):,.0f} MiB while judging"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a store URL (default: a fresh SQLite file)")
    parser.add_argument("--force", default="gwent")
    parser.add_argument("--feed", default="CSO/bargoed", help="ROLE/UNIT of the feed to fetch")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default="2023-12-31")
    args = parser.parse_args()
    force = er.open_force(args.force)
    print("command:", shlex.join(["benchmarks/bench_serve.py", *sys.argv[1:]]))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, engagerules {er.__version__}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = args.db or f"sqlite:///{folder / 'engagerules.db'}"
        if args.db:  # a fresh PostgreSQL database for this run, dropped after
            db = _fresh_postgres(args.db)
        try:
            print(f"store: {db.split('://')[0]}")
            token = _cli(db, folder, "tokens", "add", "--feed", f"{force.id}/{args.feed}").split()
            key = _cli(db, folder, "keys", "add", "--force", force.id, "--right", "read",
                       "--right", "post").split()  # fmt: skip
            with _server(db, folder) as (url, pid):
                print(f"feeds: {args.feed} of {force.id}")
                feed = f"{url}/feeds/{token[1]}/{force.id}/{args.feed}.ics"
                asyncio.run(_feeds(feed, args.concurrency, args.rounds))
                print(f"server RSS after the feeds: {_rss_mib(pid, 'VmRSS'):,.0f} MiB")
                if args.events:
                    print(f"events: {args.start}..{args.end}")
                    _events(url, pid, key[1], force, args)
        finally:
            if args.db:
                _drop_postgres(args.db, db)


def _fresh_postgres(url: str) -> str:
    import sqlalchemy as sa

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres(url: str, made: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{made.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
