"""The store's schema is its migrations: what alembic builds on an empty database is what
`store.metadata` declares, table for table, column for column and index for index, on
SQLite and PostgreSQL; so the code never reads a column or relies on an index that a
migrated store lacks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

sqlalchemy = pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from alembic.autogenerate import compare_metadata  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402

from engagerules.serve import store as store_module  # noqa: E402
from engagerules.serve.migrate import upgrade  # noqa: E402
from test_serve import db  # noqa: E402,F401


@pytest.fixture
def migrated(db: str) -> Iterator[sqlalchemy.Engine]:  # noqa: F811
    engine = sqlalchemy.create_engine(db)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_the_migrated_schema_is_the_declared_one(migrated: sqlalchemy.Engine) -> None:
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, store_module.metadata)
    # alembic's own version table is the only thing the metadata does not declare
    assert [d for d in differences if "alembic_version" not in repr(d)] == []


def test_the_last_seq_of_a_force_is_found_by_its_index(migrated: sqlalchemy.Engine) -> None:
    """Posting asks for the force's last `seq`: with the index, a lookup, not a scan."""
    indexes = sqlalchemy.inspect(migrated).get_indexes("events")
    assert {"name": "events_by_seq", "columns": ["force", "seq"]} in [
        {"name": i["name"], "columns": i["column_names"]} for i in indexes
    ]
    if migrated.dialect.name == "sqlite":
        events = store_module.events
        query = sqlalchemy.select(sqlalchemy.func.max(events.c.seq)).where(
            events.c.force == "gwent"
        )
        sql = str(query.compile(migrated, compile_kwargs={"literal_binds": True}))
        with migrated.connect() as connection:
            plan = " ".join(
                str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            )
        assert "events_by_seq" in plan, plan
