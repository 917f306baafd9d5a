"""One criterion of a judge's alignment, up close: the confusion matrix (rows reference,
columns judge, over the whole scale, tinted by count), the bias and the human ceiling in
words, where the judge errs most (Enter or double-click opens the item), and, when the
core grouped the rows, each group (Enter opens the items browser on the group's filter).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.judges.align_cells import (
    bias_detail,
    ceiling_detail,
    extra_facts,
    group_agreement,
    group_items,
    group_name,
    group_rows,
    heat,
    other_coefficients,
    readable_on,
    verdict_colours,
)
from ui.widgets.tables import make_table
from ui.widgets.theme import current_colors

ERR_HEADERS = ["Item", "Gap", "Reference → judge"]
GROUP_HEADERS = ["Group", "Items", "Agreement [95% CI]", "Verdict"]
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CELL = 46  # a confusion cell's width: the scale's values and a count fit


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("SectionTitle")
    return label


def _text() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


class KeepTint(QStyledItemDelegate):
    """Paints a cell's own tint even on the selected row (a verdict keeps its colour)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.state &= ~QStyle.StateFlag.State_Selected  # type: ignore[operator]


def restretch(table: QTableWidget) -> None:
    """Let the last column take the rest again (resizing to contents shrinks it)."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setStretchLastSection(True)


def open_in_browser(window: Any, selection: str) -> None:
    """The items browser on a group: a slice ("tag:key=value") through its slice filter,
    anything else through its search box."""
    if not hasattr(window, "show_screen") or not window.show_screen("items"):
        return
    browser = window.screen("items")
    if selection.startswith("tag:") and "=" in selection:
        wanted = tuple(selection[4:].split("=", 1))
        for index in range(browser.tag.count()):
            data = browser.tag.itemData(index)
            if data is not None and tuple(data) == wanted:
                browser.search.setText("")
                browser.tag.setCurrentIndex(index)
                browser.apply_filter()
                return
    browser.search.setText(selection)
    browser.apply_filter()


def _cell(text: str, align: Qt.AlignmentFlag | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if align is not None:
        item.setTextAlignment(align)
    return item


class CriterionDetail(QWidget):
    open_item = Signal(str)
    open_filter = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.row: dict[str, Any] | None = None
        self.groups: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        layout.addWidget(split)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 4, 12, 0)
        column.setSpacing(6)
        self.matrix_title = _title("CONFUSION · ROWS: REFERENCE, COLUMNS: JUDGE")
        column.addWidget(self.matrix_title)
        self.matrix = QTableWidget()
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.matrix.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.matrix.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.matrix.horizontalHeader().setDefaultSectionSize(CELL)
        self.matrix.verticalHeader().setDefaultSectionSize(30)
        self.matrix.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.matrix.setShowGrid(True)
        column.addWidget(self.matrix)
        self.legend = QLabel("Green: the judge gave the reference's label · orange: it did not; "
                             "the darker, the more items.")  # fmt: skip
        self.legend.setObjectName("Muted")
        self.legend.setWordWrap(True)
        column.addWidget(self.legend)
        self.no_matrix = QLabel()
        self.no_matrix.setObjectName("Muted")
        self.no_matrix.setWordWrap(True)
        column.addWidget(self.no_matrix)
        self.facts = _text()
        column.addWidget(self.facts)
        column.addStretch(1)
        scroll = QScrollArea()  # a long scale or many notes scroll, never overlap
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(left)
        split.addWidget(scroll)

        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(8, 4, 0, 0)
        side.setSpacing(6)
        side.addWidget(_title("WHERE IT ERRS · ENTER OPENS THE ITEM"))
        self.errs = make_table(ERR_HEADERS)
        self.errs.verticalHeader().setDefaultSectionSize(28)
        self.errs.setTabKeyNavigation(False)
        self.errs.cellActivated.connect(lambda row, _c: self._open_err(row))
        self.errs.cellDoubleClicked.connect(lambda row, _c: self._open_err(row))
        side.addWidget(self.errs, 2)
        self.no_errs = QLabel()
        self.no_errs.setObjectName("Muted")
        self.no_errs.setWordWrap(True)
        self.no_errs.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side.addWidget(self.no_errs, 1)  # no errs: the message takes the room, at the top
        self.groups_title = _title("")
        side.addWidget(self.groups_title)
        self.group_table = make_table(GROUP_HEADERS)
        self.group_table.verticalHeader().setDefaultSectionSize(28)
        self.group_table.setTabKeyNavigation(False)
        self.group_table.setItemDelegateForColumn(3, KeepTint(self.group_table))
        self.group_table.cellActivated.connect(lambda row, _c: self._open_group(row))
        self.group_table.cellDoubleClicked.connect(lambda row, _c: self._open_group(row))
        side.addWidget(self.group_table, 2)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        self.show_row(None)

    # -- contents -------------------------------------------------------------------------
    def show_row(self, row: dict[str, Any] | None, result: dict[str, Any] | None = None) -> None:
        self.row = row
        self._show_matrix(row)
        self._show_errs(row)
        self._show_groups(row)
        if row is None:
            self.facts.setText("")
            return
        parts = [
            f"<b>{row.get('verdict', '')}</b>: {row.get('reason', '')}",
            bias_detail(row),
            ceiling_detail(row),
            other_coefficients(row),
            extra_facts(row, result or {}),
        ]
        self.facts.setText("".join(f"<p>{p}</p>" for p in parts if p))

    def _show_matrix(self, row: dict[str, Any] | None) -> None:
        confusion = (row or {}).get("confusion")
        scale = [str(v) for v in (row or {}).get("scale", [])]
        self.matrix.setVisible(bool(confusion))
        self.matrix_title.setVisible(bool(confusion))
        self.legend.setVisible(bool(confusion))
        if not confusion:
            self.matrix.setRowCount(0)
            self.no_matrix.setText(
                "Select a criterion above to see how the judge's labels fall against the "
                "reference's."
                if row is None
                else "No confusion matrix for a numeric criterion: see the bias and the "
                "largest gaps."
            )
            self.no_matrix.show()
            return
        self.no_matrix.hide()
        size = len(scale)
        self.matrix.clear()
        self.matrix.setRowCount(size)
        self.matrix.setColumnCount(size)
        self.matrix.setHorizontalHeaderLabels(scale)
        self.matrix.setVerticalHeaderLabels(scale)
        top = max((max(r) for r in confusion), default=0)
        muted = QColor(current_colors()["muted"])
        bold = QFont(self.matrix.font())
        bold.setBold(True)
        for r, counts in enumerate(confusion):
            for c, count in enumerate(counts):
                item = _cell(str(count) if count else "·", Qt.AlignmentFlag.AlignCenter)
                background = heat(count, top, r == c)
                item.setBackground(background)
                item.setForeground(readable_on(background) if count else muted)
                if r == c:
                    item.setFont(bold)
                item.setToolTip(f"reference {scale[r]}, judge {scale[c]}: {count} item(s)")
                self.matrix.setItem(r, c, item)
        width = self.matrix.verticalHeader().sizeHint().width() + CELL * size + 4
        height = self.matrix.horizontalHeader().sizeHint().height() + 30 * size + 4
        self.matrix.setFixedSize(width, height)

    def _show_errs(self, row: dict[str, Any] | None) -> None:
        errs = (row or {}).get("errs") or []
        self.errs.setRowCount(len(errs))
        for r, err in enumerate(errs):
            self.errs.setItem(r, 0, _cell(str(err.get("item", ""))))
            gap = err.get("gap")
            shown = f"{gap:g}" if isinstance(gap, int | float) else "–"
            self.errs.setItem(r, 1, _cell(shown, Qt.AlignmentFlag.AlignCenter))
            self.errs.setItem(r, 2, _cell(f"{err.get('reference')} → {err.get('judge')}"))
        self.errs.resizeColumnsToContents()
        restretch(self.errs)
        self.errs.setVisible(bool(errs))
        self.no_errs.setVisible(not errs)
        self.no_errs.setText(
            ""
            if row is None
            else "The judge gave the reference's label on every shared item."
            if not errs
            else ""
        )
        if errs:
            self.errs.setCurrentCell(0, 0)

    def _show_groups(self, row: dict[str, Any] | None) -> None:
        self.groups = group_rows(row or {})
        coefficient = (row or {}).get("coefficient", "")
        self.group_table.setRowCount(len(self.groups))
        for r, entry in enumerate(self.groups):
            cells = [
                group_name(entry) + ("  ⚠ weakest" if entry.get("_weakest") else ""),
                group_items(entry),
                group_agreement(entry, coefficient),
                str(entry.get("verdict") or "–"),
            ]
            for c, text in enumerate(cells):
                item = _cell(text, RIGHT if c == 1 else None)
                selection = entry.get("filter")
                item.setToolTip(
                    f"Enter opens the items of {selection}" if selection else "No item filter"
                )
                if c == 3 and entry.get("verdict"):
                    background, foreground = verdict_colours(entry["verdict"])
                    item.setBackground(background)
                    item.setForeground(foreground)
                    item.setToolTip(str(entry.get("reason") or ""))
                self.group_table.setItem(r, c, item)
        self.group_table.setColumnHidden(3, not any(g.get("verdict") for g in self.groups))
        self.group_table.resizeColumnsToContents()
        restretch(self.group_table)
        self.group_table.setVisible(bool(self.groups))
        self.groups_title.setVisible(bool(self.groups))
        by = next((g.get("by") for g in self.groups if g.get("by")), None)
        what = f"BY {str(by).upper().replace('-', ' ')}" if by else "WEAKEST SLICES"
        self.groups_title.setText(f"{what} · ENTER OPENS THE ITEMS")

    # -- opening --------------------------------------------------------------------------
    def _open_err(self, row: int) -> None:
        errs = (self.row or {}).get("errs") or []
        if 0 <= row < len(errs):
            self.open_item.emit(str(errs[row]["item"]))

    def _open_group(self, row: int) -> None:
        if 0 <= row < len(self.groups) and self.groups[row].get("filter"):
            self.open_filter.emit(str(self.groups[row]["filter"]))


__all__ = [
    "ERR_HEADERS",
    "GROUP_HEADERS",
    "CriterionDetail",
    "KeepTint",
    "open_in_browser",
    "restretch",
]
