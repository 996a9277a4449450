"""The HTTP server: feeds for Outlook, a subscription page, and the `/v1` API.

Litestar speaks msgspec and TypedDicts natively, so the API's JSON is the very shapes
`outputs/shapes.py` defines for the CLI, and its OpenAPI 3.1 document (`/v1/openapi.json`)
is written from them. Every handler is a thin edge: load the force, call the same pure
function the CLI calls, turn its result into bytes. Evaluation is CPU-bound, so handlers
that judge run in a worker thread, never on the event loop. Errors are RFC 9457
problem+json carrying the CLI's one-line message; every response names the engagerules
version and, for a force, its configuration's version.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Annotated, Any, NotRequired, ParamSpec, TypedDict, TypeVar

import attrs
from litestar import Litestar, MediaType, Request, Response, Router, get, head, post
from litestar.concurrency import sync_to_thread
from litestar.datastructures import MutableScopeHeaders, State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_304_NOT_MODIFIED
from litestar.types import Message, Scope

from engagerules.engine.evaluate import evaluate
from engagerules.engine.explain import explain
from engagerules.engine.filters import check_filters
from engagerules.engine.schedule import applies_to_scope, concerns_scope, owned_by, schedule
from engagerules.errors import (
    ConfigError,
    EngageRulesError,
    UnknownForceError,
    UsageError,
)
from engagerules.model.event import EventLog
from engagerules.model.limits import year_problem
from engagerules.model.plan import Force
from engagerules.model.results import Report
from engagerules.outputs.shapes import (
    DueShape,
    ForceShape,
    ObligationShape,
    RejectionShape,
    ReportShape,
    due_json,
    explanation_json,
    force_json,
    obligation_json,
    report_json,
)
from engagerules.serve.feeds import Feed, feed, horizon
from engagerules.serve.store import Store
from engagerules.sources.events import parse_events
from engagerules.sources.registry import available_forces, open_force

__all__ = ["create_app"]

P = ParamSpec("P")
R = TypeVar("R")

PROBLEM = "application/problem+json"
ICS = "text/calendar"  # Litestar adds "; charset=utf-8"
#: The most records one POST may carry (a bigger export is sent in several batches).
MAX_BATCH = 50_000


def _version() -> str:
    try:
        return importlib_metadata.version("engagerules")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return "unknown"


VERSION = _version()


# ---------------------------------------------------------------------------- shapes


class ProblemShape(TypedDict):
    """An RFC 9457 problem: `detail` is the CLI's one-line message."""

    type: str
    title: str
    status: int
    detail: str
    rejections: NotRequired[list[RejectionShape]]


class BatchShape(TypedDict):
    """What a stored batch of events got: `version` is the force's event-set version."""

    received: int
    stored: int
    duplicates: int
    version: int


class ServedReportShape(ReportShape):
    """`check --format json`'s report, with the id its inputs are logged under."""

    report_id: str


ExplanationShape = TypedDict(
    "ExplanationShape",
    {
        "force": str,
        "obligation": str,
        "from": str,
        "to": str,
        "as_of": str,
        "scope": str | None,
        "windows": list[dict[str, Any]],
    },
)
ExplanationShape.__doc__ = "`explain --format json`: each window's result, counted and considered."


class HealthShape(TypedDict):
    status: str
    version: str


_MEANINGS = {
    400: "bad input: the CLI's one-line message",
    401: "no API key, or an unknown or revoked one",
    403: "the key is for another force or lacks the right",
    404: "no such force, feed or page (alike for an unknown token)",
    409: "a request with this Idempotency-Key is still in progress",
    422: "rejected events (none stored), or an Idempotency-Key used for another body",
}


def _spec(
    ok: tuple[int, Any, str], *problems: int, media: str = MediaType.JSON
) -> dict[int, ResponseSpec]:
    """The OpenAPI responses of a route: its success shape, and problem+json for errors."""
    status, shape, description = ok
    found = {
        status: ResponseSpec(
            shape, generate_examples=False, description=description, media_type=media
        )
    }
    for code in problems:
        found[code] = ResponseSpec(
            ProblemShape, generate_examples=False, description=_MEANINGS[code], media_type=PROBLEM
        )
    return found


_NOT_MODIFIED = {
    304: ResponseSpec(
        None, generate_examples=False, description="not modified: the validators again, no body"
    )
}


class _Forces:
    """Forces by name (bundled, plugins, and directories the server was given), loaded once
    and again only when their JSON files change, so a changed plan or rota changes the
    feeds without a restart."""

    def __init__(self, opener: Callable[[str], Force], directories: Sequence[Path]) -> None:
        self.opener = opener
        self.directories = {path.resolve().name: path for path in directories}
        self.loaded: dict[str, tuple[float, Force, str]] = {}

    def names(self) -> list[str]:
        return sorted({*(s.name for s in available_forces()), *self.directories})

    def get(self, name: str) -> tuple[Force, str]:
        if name not in self.names():
            raise NotFoundException(f"no force {name!r} here")
        cached = self.loaded.get(name)
        if cached is None or cached[0] != self._stamp(cached[1]):
            where = self.directories.get(name)
            force = self.opener(str(where) if where is not None else name)
            version = hashlib.sha256(repr(force).encode("utf-8")).hexdigest()[:16]
            self.loaded[name] = (self._stamp(force), force, version)
            return force, version
        return cached[1], cached[2]

    @staticmethod
    def _stamp(force: Force | None) -> float:
        if force is None or force.root is None:
            return -1.0
        try:
            return max(p.stat().st_mtime_ns for p in force.root.glob("*.json")) / 1e9
        except (OSError, ValueError):
            return -1.0


# ---------------------------------------------------------------------------- problems


def problem(status: int, title: str, detail: str, **extra: Any) -> Response[Any]:
    """An RFC 9457 problem: `detail` is the CLI's one-line message."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(body, status_code=status, media_type=PROBLEM)


def _on_http(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}
    title = titles.get(exc.status_code, "Bad Request" if exc.status_code < 500 else "Error")
    return problem(exc.status_code, title, str(exc.detail))


def _on_bug(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug, said in one line (the traceback goes to the server's log, not the caller)."""
    logging.getLogger("engagerules.serve").error("internal error", exc_info=exc)
    detail = f"internal error (a bug in engagerules {VERSION}): {type(exc).__name__}"
    return problem(500, "Internal Server Error", detail)


def _on_engagerules(_: Request[Any, Any, Any], exc: EngageRulesError) -> Response[Any]:
    if isinstance(exc, UnknownForceError):
        return problem(404, "Not Found", str(exc))
    if isinstance(exc, ConfigError):
        return problem(500, "Configuration problem", str(exc).splitlines()[0])
    return problem(400, "Bad Request", " ".join(str(exc).split()))


# ---------------------------------------------------------------------------- helpers


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name}={value!r}: not a date (YYYY-MM-DD)") from None


def _instant(value: str, force: Force) -> datetime:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"as_of={value!r}: not an ISO 8601 instant") from None
    if at.tzinfo is None:
        raise UsageError(f"as_of={value!r}: give an offset or Z")
    problem = year_problem(at)
    if problem is not None:  # 0001-01-01T00:00Z has no instant in a zone behind UTC
        raise UsageError(f"as_of={value!r}: {problem}")
    return at.astimezone(force.zone)


def _records(body: bytes) -> list[Any]:
    """The events of a request body: a JSON array of records (or `{"events": [...]}`)."""
    from engagerules.sources import strictjson

    try:
        parsed = strictjson.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, strictjson.LimitError) as exc:
        raise UsageError(f"the body is not JSON: {' '.join(str(exc).split())}") from None
    if isinstance(parsed, dict):
        parsed = parsed.get("events")
    if not isinstance(parsed, list):
        raise UsageError('the body must be a JSON array of events (or {"events": [...]})')
    if len(parsed) > MAX_BATCH:
        raise UsageError(f"{len(parsed)} events in one request: send at most {MAX_BATCH}")
    return parsed


def _log(records: Iterable[Any], force: Force, name: str = "request") -> EventLog:
    return parse_events(((name, i, r) for i, r in enumerate(records, start=1)), force)


def _rejections(log: EventLog) -> list[dict[str, Any]]:
    return [{"file": r.file, "line": r.line, "reason": r.reason} for r in log.rejections]


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _not_modified(request: Request[Any, Any, Any], etag: str, modified: datetime) -> bool:
    """If-None-Match first (any listed tag, or `*`); only without it, If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        return False
    return modified <= when


# ---------------------------------------------------------------------------- the server


class Server:
    """What the handlers share: the store, the forces, the feeds built this month, and
    the only clocks the server reads (tests pass their own)."""

    def __init__(
        self,
        store: Store,
        opener: Callable[[str], Force],
        today: Callable[[], date],
        clock: Callable[[], datetime],
        public_url: str | None,
        directories: Sequence[Path] = (),
    ) -> None:
        self.store = store
        self.forces = _Forces(opener, directories)
        self.feeds: dict[tuple[str, str, str, str, date], Feed] = {}
        self.today = today
        self.clock = clock
        self.public_url = public_url

    def load(self, name: str, request: Request[Any, Any, Any]) -> tuple[Force, str]:
        """The force and its configuration's version, which the response will name."""
        force, version = self.forces.get(name)
        request.scope["state"][CONFIG_STATE] = version
        return force, version

    def authorise(self, request: Request[Any, Any, Any], force: str | None, right: str) -> str:
        """The force a bearer key is for, if it may do `right` there (401 or 403 if not)."""
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            detail = "an API key is needed: Authorization: Bearer KEY"
            raise HTTPException(status_code=401, detail=detail)
        granted = self.store.key_rights(secret.strip())
        if granted is None:
            raise HTTPException(status_code=401, detail="this API key is unknown or revoked")
        key_force, rights = granted
        if force is not None and (key_force != force or right not in rights):
            raise HTTPException(status_code=403, detail=f"this key may not {right} {force}")
        return key_force

    def feed(
        self, request: Request[Any, Any, Any], token: str, path: tuple[str, str, str]
    ) -> Response[bytes]:
        """The feed at `path` (force, role, `unit.ics`) for a token that may read it; 404
        alike for an unknown token, force, role or unit (no oracle)."""
        name, role, unit_ics = path
        unit = unit_ics.removesuffix(".ics")
        scope = self.store.token(token)
        if (
            not unit_ics.endswith(".ics")
            or scope is None
            or scope[0] != name
            or scope[1] not in ("*", role)
            or scope[2] not in ("*", unit)
        ):
            raise NotFoundException("no such feed")
        force, version = self.load(name, request)
        today = self.today()
        key = (name, version, role, unit, today.replace(day=1))
        found = self.feeds.get(key)
        if found is None:
            try:
                found = self.feeds[key] = feed(force, role, unit, today)
            except UsageError:
                raise NotFoundException("no such feed") from None
        modified = self.store.feed_modified(f"{name}/{role}/{unit}", found.etag)
        validators = {
            "ETag": found.etag,
            "Last-Modified": _http_date(modified),
            "Cache-Control": "no-cache",
        }
        if _not_modified(request, found.etag, modified):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=validators)
        validators["Content-Length"] = str(len(found.body))
        body = b"" if request.method == "HEAD" else found.body
        return Response(body, media_type=ICS, headers=validators)

    def judge(self, force: Force, log: EventLog, query: _Query) -> Report:
        """`check`'s report, kept to the duties of `query.scope` and `query.role` as
        `agenda` and `schedule` filter them."""
        check_filters(force, role=query.role, scope=query.scope)
        wanted = None if query.obligation is None else [query.obligation]
        report = evaluate(force, log, query.start, query.end, query.as_of, obligations=wanted)
        if query.scope is None and query.role is None:
            return report
        by_id = {ob.id: ob for ob in force.obligations}
        kept = tuple(
            r
            for r in report.results
            if (query.scope is None or concerns_scope(force, r.scope, query.scope))
            and (query.role is None or owned_by(by_id[r.obligation], query.role, force))
        )
        return attrs.evolve(report, results=kept)


#: Where a handler leaves the version of the force it loaded, for `_versions` to send.
CONFIG_STATE = "engagerules_config"


async def _versions(message: Message, scope: Scope) -> None:
    """Every response, errors and 304s included, names the engagerules version and, once a
    handler has loaded a force, that configuration's version. A 404 for an unknown feed
    token names none (it must look the same for every force)."""
    if message["type"] != "http.response.start":
        return
    sent = MutableScopeHeaders.from_message(message)
    sent["X-Engagerules-Version"] = VERSION
    config = scope.get("state", {}).get(CONFIG_STATE)
    if config is not None:
        sent["X-Engagerules-Config"] = config


@attrs.frozen
class _Query:
    start: date
    end: date
    as_of: datetime
    obligation: str | None = None
    scope: str | None = None
    role: str | None = None


def _query(
    force: Force, start: str, end: str, as_of: str | None, now: datetime, **filters: str | None
) -> _Query:
    at = _instant(as_of, force) if as_of is not None else now.astimezone(force.zone)
    return _Query(_day(start, "from"), _day(end, "to"), at, **filters)


def threaded(fn: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Run a handler in a worker thread: judging and building calendars are CPU-bound
    and must never hold the event loop (the signature stays the handler's, for Litestar)."""

    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return await sync_to_thread(fn, *args, **kwargs)

    return run


def _server(state: State) -> Server:
    server: Server = state.server
    return server


FromDay = Annotated[str, QueryParameter(name="from", description="first day, YYYY-MM-DD")]
ToDay = Annotated[str, QueryParameter(description="last day, YYYY-MM-DD, inclusive")]
#: `scope` is the ASGI scope to Litestar, so the query parameter is read by that name here.
UnitQuery = Annotated[str | None, QueryParameter(name="scope", description="a unit id")]


# ---------------------------------------------------------------------------- feeds and page


@get(
    "/feeds/{token:str}/{force:str}/{role:str}/{unit:str}",
    responses={
        **_spec((200, str, "the feed (text/calendar)"), 400, 404, media=ICS),
        **_NOT_MODIFIED,
    },
)
@threaded
def feed_get(
    state: State, request: Request[Any, Any, Any], token: str, force: str, role: str, unit: str
) -> Response[bytes]:
    """A duty calendar to subscribe to: one role's duties in one unit (`unit.ics`)."""
    return _server(state).feed(request, token, (force, role, unit))


@head(
    "/feeds/{token:str}/{force:str}/{role:str}/{unit:str}",
    responses={**_spec((200, None, "the feed's validators"), 400, 404), **_NOT_MODIFIED},
)
@threaded
def feed_head(
    state: State, request: Request[Any, Any, Any], token: str, force: str, role: str, unit: str
) -> Response[None]:
    """The feed's validators, without its body."""
    found = _server(state).feed(request, token, (force, role, unit))
    return Response(None, status_code=found.status_code, headers=dict(found.headers))


@get(
    "/forces/{force:str}/subscribe",
    media_type=MediaType.HTML,
    responses=_spec((200, str, "the page (HTML)"), 400, 404, media=MediaType.HTML),
)
@threaded
def subscribe(
    state: State, request: Request[Any, Any, Any], force: str, token: str
) -> Response[str]:
    """A page listing the feeds a token may read, with Outlook's steps."""
    from engagerules.serve.page import subscription_page

    server = _server(state)
    scope = server.store.token(token)
    if scope is None or scope[0] != force:
        raise NotFoundException("no such page")
    loaded, _ = server.load(force, request)
    base = server.public_url or f"https://{request.headers.get('host', 'localhost')}"
    pairs = _pairs(loaded, scope[1], scope[2], server.today())
    page = subscription_page(loaded, base, token, pairs)
    return Response(page, media_type=MediaType.HTML)


@get("/health", sync_to_thread=False, responses=_spec((200, HealthShape, "up")))
def health(state: State) -> Response[HealthShape]:
    """Whether the server and its store answer (no key needed)."""
    _server(state).store.version("-")
    return Response(HealthShape(status="ok", version=VERSION))


# ---------------------------------------------------------------------------- /v1


@get("/forces", responses=_spec((200, list[ForceShape], "the forces"), 401))
@threaded
def list_forces(state: State, request: Request[Any, Any, Any]) -> Response[list[ForceShape]]:
    """The forces this key may read."""
    server = _server(state)
    name = server.authorise(request, None, "read")
    shapes = [
        force_json(server.forces.get(n)[0], "served") for n in server.forces.names() if n == name
    ]
    return Response(shapes)


@get("/forces/{force:str}", responses=_spec((200, ForceShape, "the force"), 400, 401, 403, 404))
@threaded
def one_force(state: State, request: Request[Any, Any, Any], force: str) -> Response[ForceShape]:
    """One force: its units, documents and how many parts are the plan's words."""
    server = _server(state)
    server.authorise(request, force, "read")
    loaded, _ = server.load(force, request)
    return Response(force_json(loaded, "served"))


@get(
    "/forces/{force:str}/obligations",
    responses=_spec((200, list[ObligationShape], "the obligations"), 400, 401, 403, 404),
)
@threaded
def obligations(
    state: State, request: Request[Any, Any, Any], force: str
) -> Response[list[ObligationShape]]:
    """The force's obligations, as `engagerules obligations --format json`."""
    server = _server(state)
    server.authorise(request, force, "read")
    loaded, _ = server.load(force, request)
    shapes = [obligation_json(ob) for ob in loaded.obligations]
    return Response(shapes)


@get(
    "/forces/{force:str}/schedule",
    responses=_spec((200, list[DueShape], "due windows"), 400, 401, 403, 404),
)
@threaded
def due(
    state: State,
    request: Request[Any, Any, Any],
    force: str,
    from_: FromDay,
    to: ToDay,
    role: str | None = None,
    unit: UnitQuery = None,
) -> Response[list[DueShape]]:
    """Due windows between two dates, as `engagerules schedule --format json`."""
    server = _server(state)
    server.authorise(request, force, "read")
    loaded, _ = server.load(force, request)
    dues = schedule(loaded, _day(from_, "from"), _day(to, "to"), role=role, scope=unit)
    return Response([due_json(d) for d in dues])


@post(
    "/forces/{force:str}/events",
    status_code=201,
    responses=_spec((201, BatchShape, "stored (or replayed)"), 400, 401, 403, 404, 409, 422),
)
@threaded
def add_events(
    state: State, request: Request[Any, Any, Any], force: str, body: bytes
) -> Response[Any]:
    """Store a batch of events, whole or not at all, once per Idempotency-Key: the same
    key and body replays the first answer, another body is 422, a key in progress 409."""
    server = _server(state)
    server.authorise(request, force, "post")
    loaded, _ = server.load(force, request)
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 200:
        detail = "an Idempotency-Key header (1-200 characters) is required"
        return problem(400, "Bad Request", detail)
    state_, status, stored = server.store.claim(force, key, hashlib.sha256(body).hexdigest())
    if state_ == "replay" and status is not None and stored is not None:
        media = PROBLEM if status >= 400 else MediaType.JSON
        replayed = {"Idempotent-Replayed": "true"}
        return Response(json.loads(stored), status_code=status, media_type=media, headers=replayed)
    if state_ == "conflict":
        detail = f"Idempotency-Key {key!r} was used for another body"
        return problem(422, "Unprocessable Content", detail)
    if state_ != "new":
        detail = f"a request with Idempotency-Key {key!r} is still in progress"
        return problem(409, "Conflict", detail)
    try:
        status, answer, records = _batch(server.store, loaded, force, body)
    except BaseException:
        server.store.release(force, key)
        raise
    server.store.finish(force, key, status, json.dumps(answer), records)
    media = PROBLEM if status >= 400 else MediaType.JSON
    return Response(answer, status_code=status, media_type=media)


@get(
    "/forces/{force:str}/verdicts",
    responses={
        **_spec((200, ServedReportShape, "the report"), 400, 401, 403, 404),
        **_NOT_MODIFIED,
    },
)
@threaded
def verdicts(
    state: State,
    request: Request[Any, Any, Any],
    force: str,
    from_: FromDay,
    to: ToDay,
    as_of: str | None = None,
    obligation: str | None = None,
    unit: UnitQuery = None,
    role: str | None = None,
) -> Response[Any]:
    """The report `check --format json` gives over the stored events. With a past
    `as_of` it has an ETag; without, it is judged at the server's clock (echoed as
    `as_of`) and not to be stored."""
    server = _server(state)
    server.authorise(request, force, "read")
    loaded, version = server.load(force, request)
    now = server.clock()
    query = _query(loaded, from_, to, as_of, now, obligation=obligation, scope=unit, role=role)
    inputs = {
        "force": force,
        "config": version,
        "events": server.store.version(force),
        **{k: str(v) if v is not None else None for k, v in attrs.asdict(query).items()},
    }
    extra: dict[str, str] = {"Cache-Control": "no-store"}
    if as_of is not None and query.as_of <= now:
        text = json.dumps(inputs, sort_keys=True).encode()
        extra = {"ETag": '"' + hashlib.sha256(text).hexdigest()[:32] + '"'}
        if _not_modified(request, extra["ETag"], datetime.max.replace(tzinfo=UTC)):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=extra)
    log = _log(server.store.records(force), loaded, name="store")
    report = server.judge(loaded, log, query)
    report_id = str(uuid.uuid4())
    server.store.log_report(report_id, force, inputs)
    body: dict[str, Any] = {**report_json(report), "report_id": report_id}
    return Response(body, headers={**extra, "X-Report-Id": report_id})


@post(
    "/forces/{force:str}/check",
    status_code=200,
    responses=_spec((200, ServedReportShape, "the report"), 400, 401, 403, 404),
)
@threaded
def check(
    state: State,
    request: Request[Any, Any, Any],
    force: str,
    body: bytes,
    from_: FromDay,
    to: ToDay,
    as_of: str | None = None,
    obligation: str | None = None,
    unit: UnitQuery = None,
    role: str | None = None,
) -> Response[Any]:
    """Judge the events in the body (nothing is stored): `check --format json`'s report."""
    server = _server(state)
    server.authorise(request, force, "read")
    loaded, _ = server.load(force, request)
    query = _query(
        loaded, from_, to, as_of, server.clock(), obligation=obligation, scope=unit, role=role
    )
    report = server.judge(loaded, _log(_records(body), loaded), query)
    result: dict[str, Any] = {**report_json(report), "report_id": str(uuid.uuid4())}
    return Response(result)


@post(
    "/forces/{force:str}/explain",
    status_code=200,
    responses=_spec((200, ExplanationShape, "the explanation"), 400, 401, 403, 404),
)
@threaded
def explain_route(
    state: State,
    request: Request[Any, Any, Any],
    force: str,
    body: bytes,
    obligation: str,
    from_: FromDay,
    to: ToDay,
    as_of: str | None = None,
    unit: UnitQuery = None,
) -> Response[Any]:
    """Explain one duty's windows over the events in the body: `explain --format json`."""
    server = _server(state)
    server.authorise(request, force, "read")
    loaded, _ = server.load(force, request)
    query = _query(loaded, from_, to, as_of, server.clock())
    log = _log(_records(body), loaded)
    found = explain(loaded, obligation, log, query.start, query.end, query.as_of, scope=unit)
    return Response(explanation_json(found))


def create_app(
    store: Store,
    *,
    opener: Callable[[str], Force] = open_force,
    today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    public_url: str | None = None,
    directories: Sequence[Path] = (),
) -> Litestar:
    """The server over `store`; `public_url` is the https address people reach it at
    behind the force's proxy (default: the request's own host); `directories` are force
    directories served by their directory's name, beside the bundled forces and plugins."""
    server = Server(store, opener, today, clock, public_url, directories)
    api = [list_forces, one_force, obligations, due, add_events, verdicts, check, explain_route]
    return Litestar(
        route_handlers=[
            feed_get,
            feed_head,
            subscribe,
            health,
            Router(path="/v1", route_handlers=api),
        ],
        exception_handlers={
            HTTPException: _on_http,
            EngageRulesError: _on_engagerules,
            Exception: _on_bug,
        },
        openapi_config=OpenAPIConfig(
            title="engagerules",
            version=VERSION,
            path="/v1",
            render_plugins=[JsonRenderPlugin(path="/openapi.json")],
        ),
        state=State({"server": server}),
        before_send=[_versions],
        debug=bool(os.environ.get("ENGAGERULES_DEBUG")),
    )


def _batch(
    store: Store, force: Force, name: str, body: bytes
) -> tuple[int, dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """Check a batch with the engine's reader: (status, answer, records to store). Any
    rejection refuses the whole batch; a record already stored with the same content is a
    duplicate (counted, not stored twice); with other content, a rejection."""
    records = _records(body)
    log = _log(records, force)
    rejections = _rejections(log)
    by_id: dict[str, tuple[int, Any]] = {}
    for line, record in enumerate(records, start=1):
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            by_id.setdefault(record["id"].strip(), (line, record))
    accepted = [e.id for e in log.events]
    stored = store.existing(name, accepted)
    duplicates = 0
    new: list[tuple[str, dict[str, Any]]] = []
    for ident in accepted:
        line, record = by_id[ident]
        if ident in stored:
            if stored[ident] == record:
                duplicates += 1
                continue
            rejections.append(
                {"file": "request", "line": line,
                 "reason": f"id: {ident!r} is already stored with other content"}
            )  # fmt: skip
            continue
        new.append((ident, record))
    if rejections:
        rejections.sort(key=lambda r: r["line"])
        detail = f"{len(rejections)} of {len(records)} events rejected; none stored"
        answer = {
            "type": "about:blank", "title": "Unprocessable Content", "status": 422,
            "detail": detail, "rejections": rejections,
        }  # fmt: skip
        return 422, answer, []
    answer = {
        "received": len(records), "stored": len(new), "duplicates": duplicates,
        "version": store.version(name) + (1 if new else 0),
    }  # fmt: skip
    return 201, answer, new


def _pairs(force: Force, role: str, unit: str, today: date) -> list[tuple[str, str]]:
    """The (role, unit) feeds a token's scope covers that hold at least one duty."""
    roles = [r.id for r in force.roles] if role == "*" else [role]
    units = [u.id for u in force.units] if unit == "*" else [unit]
    if role != "*" and unit != "*":
        return [(role, unit)]
    start, end = horizon(today)
    dues = schedule(force, start, end)
    by_id = {ob.id: ob for ob in force.obligations}
    found = []
    for r in roles:
        owned = [d for d in dues if owned_by(by_id[d.obligation.id], r, force) and d.scope]
        for u in units:
            if any(applies_to_scope(force, d.scope, u) for d in owned):
                found.append((r, u))
    return found


def feed_path(token: str, force: str, role: str, unit: str) -> str:
    return f"/feeds/{token}/{force}/{role}/{unit}.ics"
