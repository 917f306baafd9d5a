"""DDL helpers the migrations share: statements one at a time, append-only triggers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


def run_statements(db: Database, statements: list[str]) -> None:
    """Execute DDL one statement at a time (executescript would end the transaction)."""
    for statement in statements:
        db.execute(statement)


def forbid_changes(table: str, *, allow_update: bool = False) -> list[str]:
    """Triggers that make a table append-only."""
    message = f"{table} is append-only: write a new record instead"
    triggers = [
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{message}'); END"""
    ]
    if not allow_update:
        triggers.append(
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END"""
        )
    return triggers
