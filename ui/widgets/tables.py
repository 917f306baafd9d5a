"""Small helpers for the read-only tables the lead's screens show."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


def fill_table(table: QTableWidget, headers: list[str], rows: list[list[Any]]) -> None:
    """Replace a read-only table's contents."""
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = (
                ""
                if value is None
                else (f"{value:.2f}" if isinstance(value, float) else str(value))
            )
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()


def make_table(headers: list[str] | None = None) -> QTableWidget:
    """A read-only, row-selecting table with alternating rows (optionally with headers)."""
    table = QTableWidget(0, len(headers or []))
    if headers:
        table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table
