"""The left side of the annotate view: the item, rendered for reading all day.

Input and output are markdown (code blocks shaded); chat inputs show each turn
under its role; pairwise items show A | B side by side. Provenance and
metadata sit in a collapsible panel; Ctrl+F finds text across every pane.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QTextBlockFormat, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from annotator.items.items import Item
from ui.widgets.theme import current_colors

BASE_TEXT_POINTS = 11.5


def chat_markdown(turns: list[dict[str, str]]) -> str:
    """Chat turns as one markdown document, each under its role."""
    parts = []
    for turn in turns:
        role = turn["role"].capitalize()
        parts.append(f"###### {role.upper()}\n\n{turn['content']}")
    return "\n\n---\n\n".join(parts)


def shade_code_blocks(document: QTextDocument, background: str) -> None:
    """Give fenced code blocks a background, which Qt's markdown import leaves plain."""
    cursor = QTextCursor(document)
    block = document.begin()
    color = QColor(background)
    while block.isValid():
        fmt = block.blockFormat()
        if fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.hasProperty(
            QTextFormat.Property.BlockCodeLanguage
        ):
            shaded = QTextBlockFormat()
            shaded.setBackground(color)
            cursor.setPosition(block.position())
            cursor.mergeBlockFormat(shaded)
        block = block.next()


class TextPane(QFrame):
    """A titled, read-only markdown pane."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.title = QLabel(title.upper())
        self.title.setObjectName("SectionTitle")
        self.browser = QTextBrowser()
        self.browser.setObjectName("ItemText")
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(False)
        self.browser.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)

    def set_markdown(self, text: str, points: float) -> None:
        font = QFont(self.browser.font())
        font.setPointSizeF(points)
        self.browser.document().setDefaultFont(font)
        self.browser.setMarkdown(text)
        shade_code_blocks(self.browser.document(), current_colors()["code_bg"])
        self.browser.verticalScrollBar().setValue(0)

    def find(self, text: str, backward: bool = False) -> bool:
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        return self.browser.find(text, flags)


class ItemPanel(QWidget):
    """Shows one item; knows nothing about labels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zoom = 0
        self.item: Item | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 6, 8)
        layout.setSpacing(8)

        top = QHBoxLayout()
        self.id_label = QLabel()
        self.id_label.setObjectName("Muted")
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tags_label = QLabel()
        self.tags_label.setObjectName("Muted")
        self.details_button = QPushButton("Details ▸")
        self.details_button.setObjectName("Flat")
        self.details_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.details_button.setToolTip("Provenance and metadata (Ctrl+I)")
        self.details_button.clicked.connect(self.toggle_details)
        top.addWidget(self.id_label)
        top.addWidget(self.tags_label, 1)
        top.addWidget(self.details_button)
        layout.addLayout(top)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.input_pane = TextPane("Prompt")
        self.context_pane = TextPane("Context")
        self.output_pane = TextPane("Response")
        self.pair = QSplitter(Qt.Orientation.Horizontal)
        self.output_a = TextPane("Response A")
        self.output_b = TextPane("Response B")
        self.pair.addWidget(self.output_a)
        self.pair.addWidget(self.output_b)
        self.reference_pane = TextPane("Reference")
        for pane in (
            self.context_pane,
            self.input_pane,
            self.output_pane,
            self.pair,
            self.reference_pane,
        ):
            self.splitter.addWidget(pane)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

        self.details = QTextBrowser()
        self.details.setObjectName("ItemText")
        self.details.setMaximumHeight(170)
        self.details.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.details.hide()
        layout.addWidget(self.details)

        self.find_bar = QLineEdit()
        self.find_bar.setPlaceholderText(
            "Find in item — Enter: next, Shift+Enter: previous, Esc: close"
        )
        self.find_bar.returnPressed.connect(lambda: self.find_next(False))
        self.find_bar.hide()
        layout.addWidget(self.find_bar)
        self.find_status = QLabel()
        self.find_status.setObjectName("Muted")
        self.find_status.hide()
        layout.addWidget(self.find_status)

    # -- content --------------------------------------------------------------
    @property
    def points(self) -> float:
        return max(7.0, BASE_TEXT_POINTS + self.zoom)

    def panes(self) -> list[TextPane]:
        return [
            pane
            for pane in (
                self.context_pane,
                self.input_pane,
                self.output_pane,
                self.output_a,
                self.output_b,
                self.reference_pane,
            )
            if pane.isVisibleTo(self)
        ]

    def show_item(self, item: Item) -> None:
        self.item = item
        self.id_label.setText(item.id)
        tags = "  ".join(f"{k}: {v}" for k, v in sorted(item.tags.items()))
        self.tags_label.setText(f"   {tags}" if tags else "")
        if item.is_chat:
            assert isinstance(item.input, list)
            self.input_pane.title.setText(f"CONVERSATION ({len(item.input)} TURNS)")
            self.input_pane.set_markdown(chat_markdown(item.input), self.points)
        else:
            self.input_pane.title.setText("PROMPT")
            self.input_pane.set_markdown(str(item.input), self.points)
        self.context_pane.setVisible(bool(item.context))
        if item.context:
            self.context_pane.set_markdown(item.context, self.points)
        self.reference_pane.setVisible(bool(item.reference))
        if item.reference:
            self.reference_pane.set_markdown(item.reference, self.points)
        self.output_pane.setVisible(not item.pairwise)
        self.pair.setVisible(item.pairwise)
        if item.pairwise:
            self.output_a.set_markdown(item.output_a or "", self.points)
            self.output_b.set_markdown(item.output_b or "", self.points)
        else:
            self.output_pane.set_markdown(item.output or "", self.points)
        self._fill_details(item)
        self._balance()

    def _balance(self) -> None:
        """Give each pane the height its text needs; the response gets what is left.

        A one-line prompt should not take half the screen from a long answer.
        """
        total = max(self.splitter.height(), 400)
        panes = [self.splitter.widget(i) for i in range(self.splitter.count())]
        wanted = []
        for pane in panes:
            if not pane.isVisibleTo(self):
                wanted.append(0)
            elif pane is self.pair:
                wanted.append(-1)  # the responses take the rest
            elif pane is self.output_pane:
                wanted.append(-1)
            else:
                wanted.append(min(self._needed_height(pane), int(total * 0.42)))
        fixed = sum(w for w in wanted if w > 0)
        flexible = [i for i, w in enumerate(wanted) if w < 0]
        rest = max(total - fixed, 160)
        sizes = [w if w >= 0 else rest // max(len(flexible), 1) for w in wanted]
        self.splitter.setSizes(sizes)

    @staticmethod
    def _needed_height(pane: QWidget) -> int:
        assert isinstance(pane, TextPane)
        browser = pane.browser
        document = browser.document()
        document.setTextWidth(max(browser.viewport().width(), 300))
        margins = 2 * (browser.frameWidth() + 12) + pane.title.sizeHint().height() + 8
        return int(document.size().height()) + margins

    def _fill_details(self, item: Item) -> None:
        rows = [(k.replace("_", " "), v) for k, v in item.provenance().items() if v]
        rows += [(f"tag {k}", v) for k, v in sorted(item.tags.items())]
        table = "".join(
            f"<tr><td style='padding-right:14px;color:gray'>{k}</td><td>{_escape(str(v))}</td></tr>"
            for k, v in rows
        )
        metadata = json.dumps(item.metadata, indent=2, ensure_ascii=False) if item.metadata else ""
        html = f"<table>{table}</table>"
        if metadata:
            html += f"<pre>{_escape(metadata)}</pre>"
        self.details.setHtml(html)

    # -- view controls --------------------------------------------------------
    def toggle_details(self) -> None:
        visible = not self.details.isVisible()
        self.details.setVisible(visible)
        self.details_button.setText("Details ▾" if visible else "Details ▸")

    def set_zoom(self, zoom: int) -> None:
        self.zoom = zoom
        if self.item is not None:
            self.show_item(self.item)

    def open_find(self) -> None:
        self.find_bar.show()
        self.find_status.show()
        self.find_bar.setFocus()
        self.find_bar.selectAll()

    def close_find(self) -> None:
        self.find_bar.hide()
        self.find_status.hide()

    def find_next(self, backward: bool = False) -> bool:
        """Find the text in the panes in reading order, wrapping around."""
        text = self.find_bar.text()
        if not text:
            return False
        panes = self.panes()
        if backward:
            panes = list(reversed(panes))
        for pane in panes:
            if pane.find(text, backward):
                self.find_status.setText(f"Found in {pane.title.text().lower()}")
                return True
        for pane in panes:  # wrap: start every pane again from its top
            cursor = pane.browser.textCursor()
            cursor.movePosition(
                QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
            )
            pane.browser.setTextCursor(cursor)
        for pane in panes:
            if pane.find(text, backward):
                self.find_status.setText(f"Found in {pane.title.text().lower()} (wrapped)")
                return True
        self.find_status.setText(f"No match for {text!r}")
        return False


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
