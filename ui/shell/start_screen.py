"""The start screen: recent projects, create/open a project or a work pack, and
choose (or create) the person who is labeling.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.quality.headline import project_stats
from annotator.sources.sources import SOURCE_KINDS, Annotator, Source
from annotator.store.project import Project, open_reader
from ui.widgets.jobs import run_job


def _count(path: Path) -> dict:
    """Project counts on a connection of its own (runs off the UI thread: slow at 1M)."""
    with open_reader(path) as reader:
        return project_stats(reader)


class StartScreen(QWidget):
    """Emits what the person chose; the main window does the opening."""

    open_path = Signal(str)
    new_project = Signal()
    open_dialog = Signal()
    open_pack_dialog = Signal()
    open_demo = Signal()
    person_chosen = Signal(str)
    person_created = Signal(str, str, str)  # name, source name, source kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._facts_for: Path | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(32, 28, 32, 28)
        outer.setSpacing(24)

        left = QVBoxLayout()
        brand = QLabel("Annotator")
        brand.setStyleSheet("font-size: 24pt; font-weight: 700;")
        tagline = QLabel(
            "Label eval items against a versioned rubric — offline, from the keyboard."
        )
        tagline.setObjectName("Muted")
        left.addWidget(brand)
        left.addWidget(tagline)
        left.addSpacing(14)
        recent_title = QLabel("RECENT PROJECTS")
        recent_title.setObjectName("SectionTitle")
        left.addWidget(recent_title)
        self.recent = QListWidget()
        self.recent.itemActivated.connect(
            lambda item: self.open_path.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        left.addWidget(self.recent, 1)
        buttons = QGridLayout()
        for index, (text, signal) in enumerate(
            (
                ("New project…", self.new_project),
                ("Open project…  Ctrl+O", self.open_dialog),
                ("Open work pack…", self.open_pack_dialog),
                ("Open the demo", self.open_demo),
            )
        ):
            button = QPushButton(text)
            button.clicked.connect(signal.emit)
            buttons.addWidget(button, index // 2, index % 2)
        left.addLayout(buttons)
        outer.addLayout(left, 1)

        self.project_card = QFrame()
        self.project_card.setObjectName("Card")
        right = QVBoxLayout(self.project_card)
        right.setContentsMargins(20, 18, 20, 18)
        self.project_title = QLabel("No project open")
        self.project_title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.project_facts = QLabel("Open a project, a work pack, or the demo.")
        self.project_facts.setObjectName("Muted")
        self.project_facts.setWordWrap(True)
        right.addWidget(self.project_title)
        right.addWidget(self.project_facts)
        right.addSpacing(10)
        who = QLabel("WHO IS LABELING?")
        who.setObjectName("SectionTitle")
        right.addWidget(who)
        self.people = QListWidget()
        self.people.itemActivated.connect(
            lambda item: self.person_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        right.addWidget(self.people, 1)
        start = QPushButton("Start labeling  ⏎")
        start.setObjectName("Primary")
        start.clicked.connect(self.activate_selection)
        right.addWidget(start)
        right.addSpacing(10)
        new_title = QLabel("NEW PERSON")
        new_title.setObjectName("SectionTitle")
        right.addWidget(new_title)
        form = QHBoxLayout()
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("Name")
        self.new_source = QComboBox()
        self.new_source.setEditable(True)
        self.new_source.setToolTip("The label source this person belongs to (existing or new)")
        self.new_kind = QComboBox()
        self.new_kind.addItems(list(SOURCE_KINDS))
        self.new_kind.setToolTip("The kind of a new source (an existing source keeps its own)")
        self._source_kinds: dict[str, str] = {}
        self.new_source.currentTextChanged.connect(self._follow_source_kind)
        create = QPushButton("Add")
        create.clicked.connect(self._create_person)
        self.new_name.returnPressed.connect(self._create_person)
        form.addWidget(self.new_name, 2)
        form.addWidget(self.new_source, 1)
        form.addWidget(self.new_kind, 1)
        form.addWidget(create)
        right.addLayout(form)
        self.project_card.setEnabled(False)
        outer.addWidget(self.project_card, 1)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for path in paths:
            item = QListWidgetItem(f"{Path(path).name}\n{Path(path).parent}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            self.recent.addItem(item)
        if paths:
            self.recent.setCurrentRow(0)

    def set_project(
        self,
        project: Project | None,
        people: list[tuple[Annotator, Source]],
        pack_note: str | None = None,
        last_person: str | None = None,
    ) -> None:
        self.project_card.setEnabled(project is not None)
        self.people.clear()
        if project is None:
            self.project_title.setText("No project open")
            return
        self.project_title.setText(project.name)
        self._show_facts(pack_note, f"counting…\n{project.path}")
        path = project.path
        self._facts_for = path
        run_job(
            lambda _job: _count(path),
            on_done=lambda stats: self._counted(path, pack_note, stats),
            owner=self,
        )
        self.new_source.clear()
        for annotator, source in people:
            item = QListWidgetItem(f"{annotator.name}    ·  {source.name} ({source.kind})")
            item.setData(Qt.ItemDataRole.UserRole, annotator.name)
            self.people.addItem(item)
            if annotator.name == last_person:
                self.people.setCurrentItem(item)
        self._source_kinds = {source.name: source.kind for _, source in people}
        # Expert sources first: the person being added is most often another expert.
        names = sorted(self._source_kinds, key=lambda n: (self._source_kinds[n] != "expert", n))
        self.new_source.addItems(names or ["experts"])
        self._follow_source_kind(self.new_source.currentText())
        if self.people.currentItem() is None and self.people.count():
            self.people.setCurrentRow(0)

    def _follow_source_kind(self, source: str) -> None:
        """An existing source's kind is fixed: show it and lock the box; a new name frees it."""
        kind = self._source_kinds.get(source.strip())
        if kind is not None:
            self.new_kind.setCurrentText(kind)
        self.new_kind.setEnabled(kind is None)

    def _show_facts(self, pack_note: str | None, facts: str) -> None:
        self.project_facts.setText(f"{pack_note}\n{facts}" if pack_note else facts)

    def _counted(self, path: Path, pack_note: str | None, stats: dict) -> None:
        if path != self._facts_for:
            return  # another project was opened meanwhile
        facts = (
            f"{stats['items']:,} items · {stats['labels']:,} labels · "
            f"{stats['annotators']} people in {len(stats['sources'])} sources\n{path}"
        )
        self._show_facts(pack_note, facts)

    def activate_selection(self) -> bool:
        item = self.people.currentItem()
        if item is None or not self.project_card.isEnabled():
            return False
        self.person_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        return True

    def _create_person(self) -> None:
        name = self.new_name.text().strip()
        source = self.new_source.currentText().strip() or "experts"
        if name:
            self.person_created.emit(name, source, self.new_kind.currentText())
            self.new_name.clear()

    def focus_default(self) -> None:
        (self.people if self.project_card.isEnabled() else self.recent).setFocus()

    def handle_action(self, name: str) -> bool:
        if name == "submit":
            focus = self.focusWidget()
            if focus is self.recent and self.recent.currentItem() is not None:
                self.open_path.emit(self.recent.currentItem().data(Qt.ItemDataRole.UserRole))
                return True
            return self.activate_selection()
        return False
