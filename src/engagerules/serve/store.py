"""The server's store: feed tokens, API keys, stored events, idempotent batches, reports.

SQLAlchemy Core over SQLite (a file, in WAL mode, the embedded default) or PostgreSQL (by
URL); the schema is built by alembic migrations (`migrations/`), so a store made by one
version is upgraded, never rebuilt, by the next. Secrets (feed tokens, API keys) are stored
as SHA-256 digests only: each is 192 random bits, so a digest cannot be turned back, and a
stolen database grants nothing. Every write that must be whole (a batch of events and the
response it got) is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from engagerules.errors import UsageError

__all__ = [
    "RIGHTS",
    "Grant",
    "Store",
    "metadata",
    "open_store",
]

#: What an API key may be granted, per force.
RIGHTS = ("read", "post")
#: A batch still marked in progress after this long was abandoned (its server died): the
#: same key may then be tried again rather than answer 409 for ever.
STALE_AFTER = timedelta(minutes=2)

metadata = sa.MetaData()

feed_tokens = sa.Table(
    "feed_tokens",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("force", sa.String(200), nullable=False),
    sa.Column("role", sa.String(200), nullable=False),
    sa.Column("unit", sa.String(200), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.DateTime(timezone=True)),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("force", sa.String(200), nullable=False),
    sa.Column("rights", sa.String(100), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked", sa.DateTime(timezone=True)),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("force", sa.String(200), primary_key=True),
    sa.Column("id", sa.String(500), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("batch", sa.String(64), nullable=False),
    sa.Index("events_by_seq", "force", "seq"),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("force", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("body", sa.String(64), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("response", sa.Text),
    sa.Column("started", sa.DateTime(timezone=True), nullable=False),
)

event_sets = sa.Table(
    "event_sets",
    metadata,
    sa.Column("force", sa.String(200), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("force", sa.String(200), nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)

feeds = sa.Table(
    "feeds",
    metadata,
    sa.Column("key", sa.String(700), primary_key=True),
    sa.Column("etag", sa.String(80), nullable=False),
    sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: they were written in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@attrs.frozen
class Grant:
    """One token or key as listed: never its secret."""

    id: str
    force: str
    what: str  # "CSO/bargoed" for a feed token, "read,post" for a key
    created: datetime
    revoked: datetime | None


def default_url(directory: Path) -> str:
    return f"sqlite:///{(directory / 'engagerules.db').resolve()}"


def open_store(url: str) -> Store:
    """Open (and create or upgrade, by the migrations) the store at `url`."""
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        msg = f"--db {url!r}: not a database URL this server can open ({exc})"
        raise UsageError(msg) from None
    shown = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite":
        if engine.url.database in (None, "", ":memory:"):
            msg = f"--db {shown!r}: give a file (sqlite:///PATH): a store in memory would forget"
            raise UsageError(msg + " every acknowledged event when the server stops")
        sa_event.listen(engine, "connect", _sqlite_pragmas)
    from engagerules.serve.migrate import upgrade

    try:
        upgrade(engine)
    except sa.exc.DBAPIError as exc:
        msg = f"--db {shown!r}: cannot open the store: {str(exc.orig).splitlines()[0]}"
        raise UsageError(msg) from None
    return Store(engine)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL: readers (feeds) never wait for a writer (a batch), and a killed server loses
    nothing committed; `synchronous=FULL` so a commit is on disk before it is answered."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Store:
    """The operations the server and the `tokens`/`keys` commands need, one transaction
    each."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.stale_after = STALE_AFTER

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    # ------------------------------------------------------------------ tokens and keys

    def add_token(self, force: str, role: str, unit: str) -> tuple[str, str]:
        """A new feed token for one role and unit of a force (`*` for any): (id, secret).
        The secret is shown once; only its digest is kept."""
        ident, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
        with self._begin() as conn:
            conn.execute(
                feed_tokens.insert().values(
                    id=ident, digest=digest(secret), force=force, role=role, unit=unit,
                    created=_now(),
                )
            )  # fmt: skip
        return ident, secret

    def token(self, secret: str) -> tuple[str, str, str] | None:
        """(force, role, unit) a live token may read, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(feed_tokens.c.force, feed_tokens.c.role, feed_tokens.c.unit).where(
                    feed_tokens.c.digest == digest(secret), feed_tokens.c.revoked.is_(None)
                )
            ).first()
        return None if row is None else (row.force, row.role, row.unit)

    def add_key(self, force: str, rights: Sequence[str]) -> tuple[str, str]:
        bad = [r for r in rights if r not in RIGHTS]
        if bad or not rights:
            msg = f"--right must be one of {', '.join(RIGHTS)} (given: {', '.join(rights)})"
            raise UsageError(msg)
        ident, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
        with self._begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=ident, digest=digest(secret), force=force,
                    rights=",".join(sorted(set(rights))), created=_now(),
                )
            )  # fmt: skip
        return ident, secret

    def key_rights(self, secret: str) -> tuple[str, frozenset[str]] | None:
        """(force, rights) of a live API key, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(api_keys.c.force, api_keys.c.rights).where(
                    api_keys.c.digest == digest(secret), api_keys.c.revoked.is_(None)
                )
            ).first()
        return None if row is None else (row.force, frozenset(row.rights.split(",")))

    def grants(self, table: str) -> list[Grant]:
        chosen = feed_tokens if table == "tokens" else api_keys
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(chosen).order_by(chosen.c.created, chosen.c.id)).all()
        return [
            Grant(
                r.id,
                r.force,
                f"{r.role}/{r.unit}" if chosen is feed_tokens else r.rights,
                _aware(r.created) or _now(),
                _aware(r.revoked),
            )
            for r in rows
        ]

    def revoke(self, table: str, ident: str) -> bool:
        chosen = feed_tokens if table == "tokens" else api_keys
        with self._begin() as conn:
            done = conn.execute(
                chosen.update()
                .where(chosen.c.id == ident, chosen.c.revoked.is_(None))
                .values(revoked=_now())
            )
        return done.rowcount == 1

    # ------------------------------------------------------------------ events

    def version(self, force: str) -> int:
        """The force's event-set version: it changes whenever stored events change."""
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(event_sets.c.version).where(event_sets.c.force == force)
            ).scalar()
        return int(found or 0)

    def records(self, force: str) -> list[dict[str, Any]]:
        """Every stored record of a force, in the order they were stored."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(events.c.record).where(events.c.force == force).order_by(events.c.seq)
            )
            return [json.loads(text) for (text,) in rows]

    def existing(self, force: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = conn.execute(
                    sa.select(events.c.id, events.c.record).where(
                        events.c.force == force, events.c.id.in_(chunk)
                    )
                )
                found.update((ident, json.loads(text)) for ident, text in rows)
        return found

    # ------------------------------------------------------------------ idempotent batches

    def claim(self, force: str, key: str, body: str) -> tuple[str, int | None, str | None]:
        """Claim an idempotency key for a body: ("new", None, None) when this request
        must do the work; ("replay", status, response) when it was done; ("conflict", ...)
        when the key was used for another body; ("busy", ...) while another request holds
        it. An abandoned claim (older than `STALE_AFTER`) is taken over."""
        now = _now()
        with self._begin() as conn:
            row = conn.execute(
                sa.select(batches).where(batches.c.force == force, batches.c.key == key)
            ).first()
            if row is None:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            batches.insert().values(
                                force=force, key=key, body=body, state="in_progress", started=now
                            )
                        )
                except sa.exc.IntegrityError:
                    return "busy", None, None
                return "new", None, None
            if row.body != body:
                return "conflict", None, None
            if row.state == "done":
                return "replay", row.status, row.response
            started = _aware(row.started) or now
            if now - started < self.stale_after:
                return "busy", None, None
            conn.execute(
                batches.update()
                .where(batches.c.force == force, batches.c.key == key)
                .values(started=now)
            )
            return "new", None, None

    def finish(
        self,
        force: str,
        key: str,
        status: int,
        response: str,
        records: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> None:
        """Store a batch's new records and the response it got, in one transaction: after a
        crash either both are there or neither."""
        with self._begin() as conn:
            if records:
                last = conn.execute(
                    sa.select(sa.func.max(events.c.seq)).where(events.c.force == force)
                ).scalar()
                seq = int(last or 0)
                conn.execute(
                    events.insert(),
                    [
                        {
                            "force": force, "id": ident, "seq": seq + i + 1,
                            "record": json.dumps(record, ensure_ascii=False, sort_keys=True),
                            "batch": key,
                        }
                        for i, (ident, record) in enumerate(records)
                    ],
                )  # fmt: skip
                version = conn.execute(
                    sa.select(event_sets.c.version).where(event_sets.c.force == force)
                ).scalar()
                if version is None:
                    conn.execute(event_sets.insert().values(force=force, version=1))
                else:
                    conn.execute(
                        event_sets.update()
                        .where(event_sets.c.force == force)
                        .values(version=int(version) + 1)
                    )
            conn.execute(
                batches.update()
                .where(batches.c.force == force, batches.c.key == key)
                .values(state="done", status=status, response=response)
            )

    def release(self, force: str, key: str) -> None:
        """Let go of a claim whose request failed before it had an answer to keep."""
        with self._begin() as conn:
            conn.execute(
                batches.delete().where(
                    batches.c.force == force, batches.c.key == key, batches.c.state != "done"
                )
            )

    # ------------------------------------------------------------------ reports and feeds

    def log_report(self, report_id: str, force: str, inputs: dict[str, Any]) -> None:
        with self._begin() as conn:
            conn.execute(
                reports.insert().values(
                    id=report_id, force=force, inputs=json.dumps(inputs, sort_keys=True),
                    created=_now(),
                )
            )  # fmt: skip

    def report_inputs(self, report_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            text = conn.execute(
                sa.select(reports.c.inputs).where(reports.c.id == report_id)
            ).scalar()
        return None if text is None else dict(json.loads(text))

    def feed_modified(self, key: str, etag: str) -> datetime:
        """When the feed at `key` last changed: now, the first time its bytes hash to
        `etag`, else when they first did."""
        now = _now()
        with self._begin() as conn:
            row = conn.execute(sa.select(feeds).where(feeds.c.key == key)).first()
            if row is not None and row.etag == etag:
                return _aware(row.modified) or now
            if row is None:
                try:
                    with conn.begin_nested():
                        conn.execute(feeds.insert().values(key=key, etag=etag, modified=now))
                except sa.exc.IntegrityError:
                    pass  # another request recorded it first: the same bytes, nearly the same time
            else:
                conn.execute(
                    feeds.update().where(feeds.c.key == key).values(etag=etag, modified=now)
                )
        return now
