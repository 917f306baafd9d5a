"""The items browser (for the lead): every item, filters, search, and label history.

The table model fetches pages on demand (`canFetchMore`/`fetchMore`), each page
read off the UI thread on its own connection, so a million items scroll as
smoothly as a hundred and a slow search never freezes the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.items.items import get_item, tag_keys, tag_values
from annotator.items.query import ItemFilter, ItemRow, count_items_matching, items_page
from annotator.labels.labels import label_history
from annotator.sources.sources import list_sources
from annotator.store.project import Project, open_reader
from ui.annotate.item_panel import ItemPanel
from ui.widgets.jobs import Job, run_job

AGREEMENT_LABELS = 2  # labels an item needs before agreement can be measured on it
COLUMNS = ("Id", "Kind", "Labels", "Marks", "Prompt", "Response", "Tags")
Index = QModelIndex | QPersistentModelIndex


def _read_page(path: Path, item_filter: ItemFilter, after: int) -> list[ItemRow]:
    with open_reader(path) as reader:
        return items_page(reader, item_filter, after)


def _read_count(path: Path, item_filter: ItemFilter) -> int:
    with open_reader(path) as reader:
        return count_items_matching(reader, item_filter)


class ItemsModel(QAbstractTableModel):
    """Rows arrive a page at a time; `generation` drops answers to an old filter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.filter = ItemFilter()
        self.rows: list[ItemRow] = []
        self.exhausted = True
        self.loading = False
        self.generation = 0
        self.on_loaded: Any = None

    def reset(self, path: Path | None, item_filter: ItemFilter) -> None:
        self.beginResetModel()
        self.path, self.filter = path, item_filter
        self.rows, self.exhausted, self.loading = [], path is None, False
        self.generation += 1
        self.endResetModel()
        if path is not None:
            self.fetchMore(QModelIndex())

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.id,
                row.kind,
                row.labels,
                row.status,
                row.input_preview,
                row.output_preview,
                row.tags,
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (4, 5):
            return row.input_preview if index.column() == 4 else row.output_preview
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008 - Qt API
        return not parent.isValid() and not self.exhausted and not self.loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008 - Qt API
        if not self.canFetchMore(parent) or self.path is None:
            return
        self.loading = True
        generation, path, item_filter = self.generation, self.path, self.filter
        after = self.rows[-1].seq if self.rows else 0
        run_job(
            lambda _job: _read_page(path, item_filter, after),
            on_done=lambda rows: self._page_loaded(generation, rows),
            on_error=lambda _error: self._page_failed(generation),
            owner=self,
        )

    def _page_loaded(self, generation: int, rows: list[ItemRow]) -> None:
        if generation != self.generation:
            return
        self.loading = False
        if len(rows) < 500:
            self.exhausted = True
        if rows:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()
        if self.on_loaded is not None:
            self.on_loaded()

    def _page_failed(self, generation: int) -> None:
        if generation == self.generation:
            self.loading = False
            self.exhausted = True


class ItemsBrowser(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.model = ItemsModel(self)
        self.model.on_loaded = self._loaded
        self._count_job: Job | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search id, prompt and response…")
        self.search.setClearButtonEnabled(True)
        self.labeled = QComboBox()
        self.labeled.addItems(
            ["All items", "Labeled", "Not labeled", f"Fewer than {AGREEMENT_LABELS} labels"]
        )
        self.labeled.setItemData(
            3,
            "Items agreement cannot be measured on yet: fewer than two current labels",
            Qt.ItemDataRole.ToolTipRole,
        )
        self.tag = QComboBox()
        self.source = QComboBox()
        self.flagged = QCheckBox("Flagged")
        self.skipped = QCheckBox("Skipped")
        for widget in (
            self.search,
            self.labeled,
            self.tag,
            self.source,
            self.flagged,
            self.skipped,
        ):
            bar.addWidget(widget, 3 if widget is self.search else 0)
        self.count = QLabel()
        self.count.setObjectName("Muted")
        bar.addWidget(self.count)
        outer.addLayout(bar)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)  # one line per row, elided at the right edge
        header = self.table.horizontalHeader()
        fixed = {0: 110, 1: 70, 2: 60, 3: 70, 6: 160}  # prompt and response share the rest
        for column in range(len(COLUMNS)):
            if column in fixed:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(column, fixed[column])
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

        self.preview = ItemPanel()
        history_title = QLabel("LABEL HISTORY (every record, oldest first)")
        history_title.setObjectName("SectionTitle")
        self.history = QTableWidget(0, 7)
        self.history.setHorizontalHeaderLabels(
            ["When", "Annotator", "Source", "Rubric", "Status", "Values", "Current"]
        )
        self.history.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_split = QSplitter(Qt.Orientation.Vertical)
        side_split.addWidget(self.preview)
        history_box = QWidget()
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(12, 0, 0, 0)
        history_layout.addWidget(history_title)
        history_layout.addWidget(self.history)
        side_split.addWidget(history_box)
        self.no_match = QLabel(
            "No items match these filters.\nClear the search or choose another filter."
        )
        self.no_match.setObjectName("Muted")
        self.no_match.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QStackedWidget()
        self.detail.addWidget(side_split)
        self.detail.addWidget(self.no_match)
        side_layout.addWidget(self.detail)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(side)
        split.setSizes([820, 600])
        side_split.setSizes([480, 360])
        outer.addWidget(split, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for combo in (self.labeled, self.tag, self.source):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for box in (self.flagged, self.skipped):
            box.toggled.connect(lambda _c: self.apply_filter())

    def set_project(self, project: Project | None) -> None:
        self.project = project
        for combo in (self.tag, self.source):
            combo.blockSignals(True)
            combo.clear()
        self.tag.addItem("Any slice", None)
        self.source.addItem("Any source", None)
        if project is not None:
            for key in tag_keys(project)[:20]:
                for value in tag_values(project, key)[:50]:
                    self.tag.addItem(f"{key} = {value}", (key, value))
            for source in list_sources(project):
                self.source.addItem(f"{source.name} ({source.kind})", source.name)
        for combo in (self.tag, self.source):
            combo.blockSignals(False)
        self.apply_filter()

    def on_shown(self) -> None:
        self.table.setFocus()

    def current_filter(self) -> ItemFilter:
        choice = self.labeled.currentIndex()
        labeled = {0: None, 1: True, 2: False, 3: None}[choice]
        return ItemFilter(
            labeled=labeled,
            needs_labels=AGREEMENT_LABELS if choice == 3 else None,
            tag=self.tag.currentData(),
            source=self.source.currentData(),
            flagged=self.flagged.isChecked(),
            skipped=self.skipped.isChecked(),
            text=self.search.text().strip() or None,
        )

    def apply_filter(self) -> None:
        path = self.project.path if self.project is not None else None
        item_filter = self.current_filter()
        self.model.reset(path, item_filter)
        self.count.setText("counting…")
        if path is None:
            return
        if self._count_job is not None:
            self._count_job.cancel()
        generation = self.model.generation
        self._count_job = run_job(
            lambda _job: _read_count(path, item_filter),
            on_done=lambda n: self._counted(generation, n),
            owner=self,
        )

    def _counted(self, generation: int, number: int) -> None:
        if generation == self.model.generation:
            self.count.setText(f"{number:,} items" if number else "no items match")

    def _loaded(self) -> None:
        if not self.model.rows:
            self.history.setRowCount(0)  # nothing shown belongs to an item that no longer matches
            self.detail.setCurrentWidget(self.no_match)
            return
        self.detail.setCurrentIndex(0)
        if self.table.currentIndex().row() < 0:
            self.table.selectRow(0)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.project is None or self.project.closed or not current.isValid():
            return  # a page that arrived after the project was closed
        row = self.model.rows[current.row()]
        self.preview.show_item(get_item(self.project, row.id))
        history = label_history(self.project, row.id)
        self.history.setRowCount(len(history))
        for index, entry in enumerate(history):
            values = entry["values_text"]
            note = entry.get("note") or ""
            cells = (
                entry["submitted_at"][:16].replace("T", " "),
                entry["annotator"],
                f"{entry['source']} ({entry['source_kind']})",
                f"v{entry['rubric_version']}",
                entry["status"] + (f": {note}" if note else ""),
                values,
                "yes" if entry["current"] else "superseded",
            )
            for column, text in enumerate(cells):
                self.history.setItem(index, column, QTableWidgetItem(str(text)))
        self.history.resizeColumnsToContents()

    def handle_action(self, name: str) -> bool:
        if name == "find":
            self.search.setFocus()
            self.search.selectAll()
            return True
        return False
