"""Alembic, run from the package: the store's schema is its migrations, never `create_all`.

A store made by an older engagerules is upgraded in place at start-up (`open_store`), and
`engagerules serve --db URL` on an empty PostgreSQL database builds the same schema as on
SQLite: `tests/test_serve_store.py` checks the migrated schema equals `store.metadata`.
"""

from __future__ import annotations

from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

__all__ = ["upgrade"]


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("engagerules.serve") / "migrations")
    )
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine) -> None:
    """Bring the store at `engine` to the newest schema (a no-op when it is)."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), "head")
