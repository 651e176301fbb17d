"""The database's schema version: create a new database by upgrading it from empty, refuse one
older than the code (naming the command that upgrades it), upgrade it on request.

Alembic runs the steps in ``migrations/versions/``; raterkit hands it the connection, so there is
no alembic.ini to keep beside the database.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

__all__ = ["FIRST", "UPGRADE_COMMAND", "SchemaError", "current", "head", "prepare", "upgrade"]

#: The first released schema: a database of it has the tables but no version (it predates Alembic).
FIRST = "0001"
UPGRADE_COMMAND = "raterkit live --upgrade-db"


class SchemaError(Exception):
    """The database cannot be used as it is: a plain sentence saying what to do."""


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("raterkit.live") / "migrations"))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The schema version this code needs."""
    config = Config()
    config.set_main_option("script_location", str(files("raterkit.live") / "migrations"))
    found = ScriptDirectory.from_config(config).get_current_head()
    if found is None:  # pragma: no cover - the package always ships its migrations
        raise SchemaError("raterkit's schema migrations are missing: reinstall raterkit.")
    return found


def current(connection: Connection) -> str | None:
    """The database's schema version: None for an empty database, FIRST for one made before versions were kept."""
    version = MigrationContext.configure(connection).get_current_revision()
    if version is None and inspect(connection).has_table("live_sessions"):
        return FIRST
    return version


def _known() -> set[str]:
    """Every schema version this code has a step for."""
    script = ScriptDirectory.from_config(_config(None))  # type: ignore[arg-type]
    return {rev.revision for rev in script.walk_revisions()}


def _newer(shown: str, version: str) -> SchemaError:
    return SchemaError(
        f"The database {shown} was made by a newer raterkit (schema {version}; this one knows up to {head()}). "
        "Upgrade raterkit, or use another database."
    )


def upgrade(engine: Engine, shown: str | None = None) -> tuple[str | None, str]:
    """Bring the database to the code's schema, keeping every row: (version before, version after).
    A database of a newer raterkit is left alone: a plain :class:`SchemaError` (``shown``: how it is named)."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":  # its driver runs in autocommit here (see store): one transaction
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        before = current(connection)
        if before is not None and before not in _known():
            raise _newer(shown or engine.url.render_as_string(hide_password=True), before)
        config = _config(connection)
        if before == FIRST and MigrationContext.configure(connection).get_current_revision() is None:
            command.stamp(config, FIRST)
        command.upgrade(config, "head")
    return before, head()


def prepare(engine: Engine, shown: str) -> None:
    """Make a new database by upgrading it from empty; accept one at the code's version; refuse
    one older or newer with a plain :class:`SchemaError` (``shown``: how the database is named)."""
    with engine.connect() as connection:
        version = current(connection)
    wanted = head()
    if version == wanted:
        return
    if version is None:
        upgrade(engine)
        return
    if version not in _known():
        raise _newer(shown, version)
    raise SchemaError(
        f"The database {shown} has an older schema ({version}) than this raterkit needs ({wanted}). "
        f"Back it up, then run '{UPGRADE_COMMAND}' with the same --db to upgrade it; no rating is lost."
    )
