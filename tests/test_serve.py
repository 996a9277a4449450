"""`engagerules serve` as a real process on loopback, driven by httpx, on SQLite and PostgreSQL.

Feeds are parsed by ical.js and recurring-ical-events and must expand exactly to `schedule`;
the API's idempotency and all-or-nothing batches are held through a server killed mid-write.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("litestar")
sqlalchemy = pytest.importorskip("sqlalchemy")

from engagerules import open_force  # noqa: E402
from engagerules.serve.feeds import horizon  # noqa: E402
from engagerules.serve.store import Store, open_store  # noqa: E402
from test_calendar import _expected, _ical_js, _js_occurrences, _python_occurrences, _same  # noqa: E402
from test_sqlsource import _pg_url  # noqa: E402

FORCES = Path(__file__).resolve().parent.parent / "forces"
LONDON = ZoneInfo("Europe/London")


@contextmanager
def _opened(db: str) -> Iterator[Store]:
    """The server's store, opened beside it and closed after (no connection left behind)."""
    store = open_store(db)
    try:
        yield store
    finally:
        store.engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Running:
    """One server process over one store, restartable (the store outlives it)."""

    def __init__(self, db: str, folder: Path, *extra: str) -> None:
        self.db, self.folder, self.extra = db, folder, extra
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log = folder / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Running:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "engagerules", "serve", "--port", str(self.port),
             "--db", self.db, *self.extra],
            cwd=self.folder, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        log.close()  # the child keeps its own descriptor
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server stopped at start: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("the server did not answer /health within 60 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "engagerules", *args, "--db", self.db],
            cwd=self.folder, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout


def _postgres() -> str:
    url = _pg_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server: tools/setup-postgres.sh must run in CI")
        pytest.skip("no PostgreSQL server (run tools/setup-postgres.sh)")
    name = f"serve_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store of each kind (a PostgreSQL database made and dropped for it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = _postgres()
    yield url
    admin = sqlalchemy.create_engine(
        url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        name = url.rsplit("/", 1)[1]
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def server(db: str, tmp_path: Path) -> Iterator[Running]:
    running = Running(db, tmp_path, "--claim-timeout", "1")
    yield running.start()
    running.stop()


def _key(server: Running, *rights: str, force: str = "gwent") -> dict[str, str]:
    words = [w for r in rights for w in ("--right", r)]
    ident, secret = server.cli("keys", "add", "--force", force, *words).split()
    assert ident and secret
    return {"Authorization": f"Bearer {secret}"}


def _token(server: Running, feed: str) -> str:
    return server.cli("tokens", "add", "--feed", feed).split()[1]


# ---------------------------------------------------------------------------- feeds


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_feed_expands_exactly_to_the_schedule(server: Running, tmp_path: Path) -> None:
    """Served, the feed of a role and unit expands in ical.js and in recurring-ical-events
    to exactly `schedule`'s windows for that role and unit over the month-aligned horizon."""
    token = _token(server, "gwent/CSO/bargoed")
    response = httpx.get(f"{server.url}/feeds/{token}/gwent/CSO/bargoed.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-encoding" not in response.headers
    body = response.content
    for line in (b"METHOD:PUBLISH", b"X-WR-CALNAME:", b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
                 b"X-PUBLISHED-TTL:PT1H"):  # fmt: skip
        assert line in body
    force = open_force("gwent")
    start, end = horizon(datetime.now(UTC).date())
    expected = _expected(force, start, end, role="CSO", scope="bargoed")
    assert expected
    path = tmp_path / "served.ics"
    path.write_bytes(body)
    _same(_python_occurrences(body, LONDON), expected, "recurring-ical-events")
    _same(_js_occurrences(_ical_js(path), LONDON), expected, "ical.js")


def test_validators_and_conditional_requests(server: Running) -> None:
    """A strong ETag and Last-Modified; If-None-Match first (a 304 repeats the validators),
    then If-Modified-Since; HEAD gives the validators without the body."""
    token = _token(server, "gwent/PS/bargoed")
    url = f"{server.url}/feeds/{token}/gwent/PS/bargoed.ics"
    first = httpx.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = httpx.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["last-modified"] == modified
    other = httpx.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert other.status_code == 200, "If-None-Match decides when it is given"
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    old = "Mon, 01 Jan 1990 00:00:00 GMT"
    assert httpx.get(url, headers={"If-Modified-Since": old}).status_code == 200
    heads = httpx.head(url)
    assert heads.status_code == 200 and heads.content == b"" and heads.headers["etag"] == etag


def test_a_changed_rota_changes_the_etag(db: str, tmp_path: Path) -> None:
    """A force served from a directory: changing its rota changes the feed's bytes and ETag
    without a restart."""
    folder = tmp_path / "forces" / "rotashire"
    shutil.copytree(FORCES / "gwent", folder, ignore=shutil.ignore_patterns("tests", "profiles"))
    raw = json.loads((folder / "force.json").read_text(encoding="utf-8"))
    raw["id"] = "rotashire"
    for ob in raw["obligations"]:
        ob["id"] = ob["id"].replace("gwent.", "rotashire.", 1)
        for key in ("not_claimed_by", "shared_with"):  # duty ids named across duties
            if key in ob:
                ob[key] = [d.replace("gwent.", "rotashire.", 1) for d in ob[key]]
        if isinstance(ob.get("trigger"), dict) and "shared_with" in ob["trigger"]:
            shared = ob["trigger"]["shared_with"]
            ob["trigger"]["shared_with"] = [d.replace("gwent.", "rotashire.", 1) for d in shared]
    rota = next(ob for ob in raw["obligations"] if ob.get("scope", {}).get("rota"))
    (folder / "force.json").write_text(json.dumps(raw), encoding="utf-8")
    running = Running(db, tmp_path, "--forces", str(folder)).start()
    try:
        owner = rota["owner"]
        unit = rota["scope"]["units"][0]
        token = _token(running, f"{folder}/{owner}/{unit}")
        url = f"{running.url}/feeds/{token}/rotashire/{owner}/{unit}.ics"
        before = httpx.get(url)
        assert before.status_code == 200
        rota["scope"]["units"] = list(reversed(rota["scope"]["units"]))
        (folder / "force.json").write_text(json.dumps(raw), encoding="utf-8")
        after = httpx.get(url, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    finally:
        running.stop()


def test_tokens_read_only_their_feed_and_unknowns_look_alike(server: Running) -> None:
    """An unknown or revoked token, another feed, an unknown force or unit: the same 404."""
    token = _token(server, "gwent/CSO/bargoed")
    base = f"{server.url}/feeds"
    misses = [
        f"{base}/not-a-token/gwent/CSO/bargoed.ics",
        f"{base}/{token}/gwent/PS/bargoed.ics",
        f"{base}/{token}/gwent/CSO/rhymney.ics",
        f"{base}/{token}/atlantis/CSO/bargoed.ics",
        f"{base}/{token}/gwent/CSO/bargoed.txt",
    ]
    answers = [httpx.get(u) for u in misses]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1, "the bodies are byte-identical"
    assert len({_kept(a.headers) for a in answers}) == 1, "and so are the headers"
    assert all("x-engagerules-config" not in a.headers for a in answers)
    bodies = {a.text for a in answers}
    ident = server.cli("tokens", "list").split()[0]
    server.cli("tokens", "revoke", ident)
    revoked = httpx.get(f"{base}/{token}/gwent/CSO/bargoed.ics")
    assert revoked.status_code == 404 and revoked.text in bodies


def _kept(headers: httpx.Headers) -> tuple[tuple[str, str], ...]:
    """A response's headers less the ones that vary by the moment (`date`)."""
    return tuple(sorted((k, v) for k, v in headers.items() if k != "date"))


# ---------------------------------------------------------------------------- the API


def test_keys_guard_every_endpoint(server: Running) -> None:
    """No key: 401 problem+json; a key for another force or without the right: 403;
    /health needs none; every path is in the OpenAPI document."""
    spec = httpx.get(f"{server.url}/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    paths = set(spec["paths"])
    for path in ("/v1/forces", "/v1/forces/{force}", "/v1/forces/{force}/obligations",
                 "/v1/forces/{force}/schedule", "/v1/forces/{force}/events",
                 "/v1/forces/{force}/verdicts", "/v1/forces/{force}/check",
                 "/v1/forces/{force}/explain"):  # fmt: skip
        assert path in paths
    assert httpx.get(f"{server.url}/health").status_code == 200
    bare = httpx.get(f"{server.url}/v1/forces/gwent")
    assert bare.status_code == 401 and bare.headers["content-type"] == "application/problem+json"
    dorset = _key(server, "read", force="dorset")
    assert httpx.get(f"{server.url}/v1/forces/gwent", headers=dorset).status_code == 403
    reader = _key(server, "read")
    post = httpx.post(f"{server.url}/v1/forces/gwent/events", headers={**reader,
                      "Idempotency-Key": "a"}, content="[]")  # fmt: skip
    assert post.status_code == 403
    answer = httpx.get(f"{server.url}/v1/forces/gwent", headers=reader)
    assert answer.status_code == 200 and answer.json()["id"] == "gwent"
    assert answer.headers["x-engagerules-version"] and answer.headers["x-engagerules-config"]
    listed = httpx.get(f"{server.url}/v1/forces", headers=reader).json()
    assert [f["id"] for f in listed] == ["gwent"]
    obligations = httpx.get(f"{server.url}/v1/forces/gwent/obligations", headers=reader).json()
    assert {o["id"] for o in obligations} == set(open_force("gwent").obligation_ids)
    due = httpx.get(f"{server.url}/v1/forces/gwent/schedule",
                    params={"from": "2023-01-02", "to": "2023-01-08", "scope": "bargoed"},
                    headers=reader)  # fmt: skip
    assert due.status_code == 200 and due.json()
    wrong = httpx.get(f"{server.url}/v1/forces/gwent/schedule",
                      params={"from": "2023-01-02", "to": "2023-01-08", "scope": "Bargoed"},
                      headers=reader)  # fmt: skip
    assert wrong.status_code == 400 and "did you mean 'bargoed'" in wrong.json()["detail"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_response_names_the_versions(server: Running) -> None:
    """Errors (unknown route, no key, bad date, missing parameter, unknown force) and 304s
    carry X-Engagerules-Version as problem+json; once a force is loaded, its
    configuration's version too, the same as a 200 for that force names."""
    key = _key(server, "read")
    token = _token(server, "gwent/CSO/bargoed")
    feed = httpx.get(f"{server.url}/feeds/{token}/gwent/CSO/bargoed.ics")
    config = feed.headers["x-engagerules-config"]
    assert config and feed.headers["x-engagerules-version"]
    not_modified = httpx.get(
        f"{server.url}/feeds/{token}/gwent/CSO/bargoed.ics",
        headers={"If-None-Match": feed.headers["etag"]},
    )
    assert not_modified.status_code == 304
    assert not_modified.headers["x-engagerules-config"] == config
    verdicts = f"{server.url}/v1/forces/gwent/verdicts"
    errors = {
        "unknown route": (httpx.get(f"{server.url}/nowhere"), 404, False),
        "no key": (httpx.get(verdicts, params={"from": "2023-01-01", "to": "2023-01-31"}), 401,
                   False),
        "bad date": (httpx.get(verdicts, params={"from": "2023-13-01", "to": "2023-01-31"},
                               headers=key), 400, True),
        "no from": (httpx.get(verdicts, params={"to": "2023-01-31"}, headers=key), 400, False),
        "unknown force": (httpx.get(f"{server.url}/v1/forces/atlantis", headers=key), 403,
                          False),
    }  # fmt: skip
    for what, (answer, status, named) in errors.items():
        assert answer.status_code == status, what
        assert answer.headers["content-type"] == "application/problem+json", what
        assert answer.headers["x-engagerules-version"] == feed.headers["x-engagerules-version"]
        assert answer.json()["status"] == status and answer.json()["detail"], what
        assert (answer.headers.get("x-engagerules-config") == config) is named, what
    assert "from=" in errors["bad date"][0].json()["detail"]
    assert httpx.get(f"{server.url}/v1/openapi.json").headers["x-engagerules-version"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_openapi_document_gives_every_shape(server: Running) -> None:
    """Every route is in OpenAPI 3.1 with its success shape (the TypedDicts the CLI's JSON
    uses) and its errors as problem+json."""
    spec = httpx.get(f"{server.url}/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    routes = {
        ("/feeds/{token}/{force}/{role}/{unit}", "get"): "200",
        ("/feeds/{token}/{force}/{role}/{unit}", "head"): "200",
        ("/forces/{force}/subscribe", "get"): "200",
        ("/health", "get"): "HealthShape",
        ("/v1/forces", "get"): "ForceShape",
        ("/v1/forces/{force}", "get"): "ForceShape",
        ("/v1/forces/{force}/obligations", "get"): "ObligationShape",
        ("/v1/forces/{force}/schedule", "get"): "DueShape",
        ("/v1/forces/{force}/events", "post"): "BatchShape",
        ("/v1/forces/{force}/verdicts", "get"): "ServedReportShape",
        ("/v1/forces/{force}/check", "post"): "ServedReportShape",
        ("/v1/forces/{force}/explain", "post"): "ExplanationShape",
    }
    listed = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    assert listed == set(routes)
    for (path, method), shape in routes.items():
        responses = spec["paths"][path][method]["responses"]
        ok = next(code for code in responses if code.startswith("2"))
        if shape != "200":
            assert shape in json.dumps(responses[ok]), (path, method)
        for code, answer in responses.items():
            if code.startswith(("4", "5")):
                assert list(answer["content"]) == ["application/problem+json"], (path, code)
    schemas = spec["components"]["schemas"]
    assert {"report_id", "results", "events", "from"} <= set(
        schemas["ServedReportShape"]["properties"]
    )
    assert set(schemas["BatchShape"]["required"]) == {"received", "stored", "duplicates",
                                                      "version"}  # fmt: skip
    assert "rejections" in schemas["ProblemShape"]["properties"]


def _post(server: Running, key: dict[str, str], name: str, records: Any) -> Any:
    """POST a batch under Idempotency-Key `name`."""
    body = records if isinstance(records, bytes) else json.dumps(records)
    headers = {**key, "Idempotency-Key": name}
    return httpx.post(f"{server.url}/v1/forces/gwent/events", content=body, headers=headers)


def _tweets(count: int, prefix: str = "t", day: int = 3) -> list[dict[str, Any]]:
    return [
        {"id": f"{prefix}{i}", "type": "tweet", "at": f"2023-01-{day:02d}T10:{i % 60:02d}:00Z",
         "scope": "bargoed", "role": "ORLO_SPOC", "attrs": {"topic": "positive"}}
        for i in range(count)
    ]  # fmt: skip


def test_batches_are_idempotent_and_whole(server: Running) -> None:
    """Same key and body: the first answer again. Same key, other body: 422. A batch with a
    bad record stores nothing. A record stored again is a duplicate; with other content,
    a located rejection."""
    key = _key(server, "read", "post")
    body = json.dumps(_tweets(3))
    first = _post(server, key, "one", body.encode())
    assert first.status_code == 201 and first.json()["stored"] == 3
    replay = _post(server, key, "one", body.encode())
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert _post(server, key, "one", _tweets(4)).status_code == 422
    refused = _post(server, key, "two", [*_tweets(2, prefix="b"), {"id": "b9", "type": "tweet"}])
    assert refused.status_code == 422 and refused.json()["rejections"][0]["line"] == 3
    again = _post(server, key, "three", _tweets(3))
    assert again.status_code == 201
    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 3)
    changed = _tweets(1)
    changed[0]["scope"] = "rhymney"
    clash = _post(server, key, "four", changed)
    assert clash.status_code == 422 and "already stored" in clash.json()["rejections"][0]["reason"]
    no_key = httpx.post(f"{server.url}/v1/forces/gwent/events", content=body, headers=key)
    assert no_key.status_code == 400  # no Idempotency-Key given
    with _opened(server.db) as store:
        assert len(store.records("gwent")) == 3


def test_a_key_in_progress_is_409(server: Running) -> None:
    """While a batch holds its key (claimed in the store as a running server would), the
    same key is 409; once the claim is older than the timeout (abandoned by a server that
    died), it is retried. The claim's age is set in the store, not waited for."""
    import hashlib

    from engagerules.serve.store import batches

    key = _key(server, "read", "post")
    body = json.dumps(_tweets(1)).encode()
    with _opened(server.db) as store:
        assert store.claim("gwent", "busy", hashlib.sha256(body).hexdigest())[0] == "new"

    def started(moment: datetime) -> None:
        with _opened(server.db) as store, store.engine.begin() as conn:
            conn.execute(batches.update().where(batches.c.key == "busy").values(started=moment))

    started(datetime.now(UTC) + timedelta(hours=1))
    assert _post(server, key, "busy", body).status_code == 409
    started(datetime.now(UTC) - timedelta(hours=1))
    assert _post(server, key, "busy", body).status_code == 201
    assert _post(server, key, "busy", body).headers["idempotent-replayed"] == "true"


def test_verdicts_are_check_and_reproducible(server: Running) -> None:
    """Stored events judged as `check` judges them; a past as_of has an ETag (304 again);
    without one, the server's clock, echoed, and no-store; the report id logs its inputs."""
    key = _key(server, "read", "post")
    events = _tweets(2)
    httpx.post(f"{server.url}/v1/forces/gwent/events", content=json.dumps(events),
               headers={**key, "Idempotency-Key": "v"})  # fmt: skip
    params = {"from": "2023-01-02", "to": "2023-01-08", "as_of": "2023-01-20T00:00:00Z",
              "obligation": "gwent.cn.weekly-positive-tweet"}  # fmt: skip
    url = f"{server.url}/v1/forces/gwent/verdicts"
    got = httpx.get(url, params=params, headers=key)
    assert got.status_code == 200
    report = got.json()
    by_unit = {r["scope"]: r["status"] for r in report["results"]}
    assert by_unit["bargoed"] == "met" and by_unit["rhymney"] == "missed"
    stateless = httpx.post(f"{server.url}/v1/forces/gwent/check", params=params,
                           content=json.dumps(events), headers=key).json()  # fmt: skip
    assert stateless["results"] == report["results"]
    assert (
        httpx.get(
            url, params=params, headers={**key, "If-None-Match": got.headers["etag"]}
        ).status_code
        == 304
    )
    now = httpx.get(url, params={"from": "2023-01-02", "to": "2023-01-08"}, headers=key)
    assert now.headers["cache-control"] == "no-store" and "etag" not in now.headers
    assert (
        abs(datetime.fromisoformat(now.json()["as_of"]) - datetime.now(UTC)).total_seconds() < 120
    )
    with _opened(server.db) as store:
        inputs = store.report_inputs(report["report_id"])
    assert inputs is not None and inputs["as_of"].startswith("2023-01-20")
    explained = httpx.post(f"{server.url}/v1/forces/gwent/explain",
                           params={**params, "scope": "bargoed"}, content=json.dumps(events),
                           headers=key)  # fmt: skip
    assert explained.status_code == 200 and explained.json()["windows"]


def test_a_killed_server_loses_nothing_acknowledged_and_stores_nothing_partial(
    server: Running,
) -> None:
    """Batches are posted while the server is killed (SIGKILL): after a restart every
    acknowledged batch is there whole, no batch is there in part, and replaying an
    acknowledged key gives its original answer."""
    key = _key(server, "read", "post")
    acknowledged: dict[str, tuple[int, Any]] = {}
    sizes: dict[str, int] = {}
    stop = threading.Event()

    def post() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            name = f"batch{n}"
            records = [{**r, "id": f"{name}-{r['id']}"} for r in _tweets(400, day=1 + n % 28)]
            sizes[name] = len(records)
            try:
                answer = _post(server, key, name, records)
            except httpx.TransportError:
                return
            if answer.status_code == 201:
                acknowledged[name] = (answer.status_code, answer.json())

    thread = threading.Thread(target=post)
    thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    thread.join(timeout=60)
    assert len(acknowledged) >= 3
    server.start()
    stored: dict[str, int] = {}
    with _opened(server.db) as store:
        records = store.records("gwent")
    for record in records:
        batch = record["id"].split("-")[0]
        stored[batch] = stored.get(batch, 0) + 1
    for name in acknowledged:
        assert stored.get(name) == sizes[name], name
    for name, count in stored.items():
        assert count == sizes[name], f"{name}: {count} of {sizes[name]} stored"
    first = next(iter(acknowledged))
    records = [{**r, "id": f"{first}-{r['id']}"} for r in _tweets(400, day=1 + int(first[5:]) % 28)]
    replay = _post(server, key, first, records)
    assert (replay.status_code, replay.json()) == acknowledged[first]


# ---------------------------------------------------------------------------- the page


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_subscription_page_in_chromium(server: Running) -> None:
    """Headless Chromium renders the page: https and webcal links for the token's feeds,
    a copy button each, and Outlook's steps; an unknown token gets no page."""
    token = _token(server, "gwent/CSO/*")
    url = f"{server.url}/forces/gwent/subscribe?token={token}"
    assert httpx.get(f"{server.url}/forces/gwent/subscribe?token=nope").status_code == 404
    driver = _chromium()
    try:
        driver.get(url)
        links = [a.get_attribute("href") for a in driver.find_elements("css selector", "a")]
        https = [h for h in links if h and h.startswith("https://")]
        webcal = [h for h in links if h and h.startswith("webcal://")]
        assert https and len(https) == len(webcal)
        assert all(f"/feeds/{token}/gwent/CSO/" in h for h in https)
        assert any(h.endswith("/bargoed.ics") for h in https)
        buttons = driver.find_elements("css selector", "button[data-copy]")
        assert len(buttons) == len(https) + len(webcal)
        buttons[0].click()
        # The clipboard write is a promise: the label changes when it settles, not on click.
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 10).until(lambda _: buttons[0].text == "Copied")
        assert buttons[0].text == "Copied"
        assert "Subscribe from web" in driver.find_element("tag name", "body").text
    finally:
        driver.quit()


def _chromium() -> Any:
    from test_htmlreport import require_browser

    chromium, driver_path = require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    flags = "headless no-sandbox disable-gpu disable-quic no-first-run disable-sync"
    flags += " disable-background-networking disable-component-update disable-dev-shm-usage"
    for flag in flags.split():
        options.add_argument(f"--{flag}")
    return webdriver.Chrome(service=Service(driver_path), options=options)


def test_the_horizon_is_the_same_all_month() -> None:
    """The horizon is month-aligned: the same on the first and the last day of a month."""
    assert (
        horizon(date(2027, 3, 1))
        == horizon(date(2027, 3, 31))
        == (date(2027, 2, 1), date(2028, 1, 31))
    )
    assert horizon(date(2028, 1, 15)) == (date(2027, 12, 1), date(2028, 11, 30))


# ---------------------------------------------------------------------------- the commands


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["tokens", "revoke", "nope"], "no live token 'nope'"),
        (["keys", "revoke", "nope"], "no live key 'nope'"),
        (["keys", "revoke"], "give the id `keys list` shows"),
        (["serve", "--db", "nonsense"], "not a database URL"),
        (["serve", "--db", "sqlite:///"], "a store in memory would forget"),
        (["serve", "--db", "sqlite:////no/such/folder/x.db"], "cannot open the store"),
        (["serve", "--db", "postgresql+psycopg://someone:secret@127.0.0.1:1/x"],
         "cannot open the store"),
    ],
)  # fmt: skip
def test_bad_commands_say_one_line_and_exit_2(
    argv: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown id to revoke or a store that cannot be opened: one line, exit 2, no
    traceback, and never a password. (`serve` runs as a process: importing the server
    here would turn Litestar's deprecation notices into errors.)"""
    from engagerules.cli import main

    if argv[0] == "serve":
        done = subprocess.run([sys.executable, "-m", "engagerules", *argv], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        code, err = done.returncode, done.stderr
    else:
        code = main([*argv, "--db", f"sqlite:///{tmp_path / 'store.db'}"])
        err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
    assert "secret" not in err


@pytest.mark.parametrize("missing", ["litestar", "uvicorn", "sqlalchemy"])
def test_serve_without_its_extra_names_the_extra(
    missing: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the serve extra, `serve` says which extra to install (exit 2), not a
    traceback; so do `tokens` and `keys`, which need its store."""
    from engagerules.cli import main

    monkeypatch.setitem(sys.modules, missing, None)
    for name in ("engagerules.serve.app", "engagerules.serve.store"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys.modules["engagerules.serve"], "app", None, raising=False)
    commands = [["serve"]] if missing != "sqlalchemy" else [["serve"], ["tokens", "list"]]
    for argv in commands:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"({missing} is not installed)" in err and "engagerules[serve]" in err
        assert err.count("\n") == 1


def test_a_bug_is_a_one_line_problem_not_a_traceback(tmp_path: Path) -> None:
    """An unexpected exception in a handler is a 500 problem+json naming the version and
    the exception's kind, with no traceback for the caller (in-process: the bug is made by
    a force opener that fails)."""
    import warnings

    from litestar.testing import TestClient

    def broken(name: str) -> Any:
        raise RuntimeError(f"opening {name} went wrong /secret/path")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Litestar's, at route building
        from engagerules.serve.app import create_app

        with _opened(f"sqlite:///{tmp_path / 'store.db'}") as store:
            _, secret = store.add_key("gwent", ["read"])
            app = create_app(store, opener=broken)
            with TestClient(app, raise_server_exceptions=False) as client:
                answer = client.get(
                    "/v1/forces/gwent", headers={"Authorization": f"Bearer {secret}"}
                )
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-engagerules-version"]
    detail = answer.json()["detail"]
    assert "RuntimeError" in detail and "bug" in detail
    assert "/secret/path" not in answer.text and "Traceback" not in answer.text
