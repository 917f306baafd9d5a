"""The main window only hosts screens: it opens projects, routes keys, and switches.

Screens are registered by name; each may offer `handle_action(name) -> bool`
and `handle_text(text) -> bool` for the keyboard, and `set_project(project)`
to refresh when the open project changes. Long work goes through `ui.widgets.jobs`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.base.storage import storage_error
from annotator.demo import DEMO_PERSON, ensure_demo
from annotator.prefs.keymap import build_keymap
from annotator.prefs.settings import Settings, load_settings, save_settings
from annotator.sources.sources import ensure_annotator, ensure_source, list_annotators, source_by_id
from annotator.store.project import (
    PACK_APPLICATION_ID,
    Project,
    create_project,
    open_project,
    read_application_id,
)
from annotator.workbench.recovery import write_recovery
from annotator.workbench.roles import BLIND_VIEWS
from annotator.workbench.session import ItemSource, WorkSession
from ui.annotate.storage_banner import RecoveryBanner
from ui.annotate.view import AnnotateView
from ui.exchange.pack_screens import open_pack, ready_to_send, show_packs_dialog
from ui.shell.lead_role import LeadRole
from ui.shell.screens import LAZY_SCREENS, export_dialog
from ui.shell.settings_dialog import SettingsDialog
from ui.shell.shortcut_sheet import ShortcutSheet
from ui.shell.start_screen import StartScreen
from ui.widgets.jobs import wait_for_jobs
from ui.widgets.keys import KeyDispatcher

BLIND_OPEN = BLIND_VIEWS  # what a participant in a blind round may open


INPUT_EVENTS = (QKeyEvent, QMouseEvent, QWheelEvent)
ACTIVITY_TYPES = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)


class ActivityFilter(QObject):
    """Tells the active-time clock about every key and mouse press in the window."""

    def __init__(self, on_activity: Callable[[], None]) -> None:
        super().__init__()
        self.on_activity = on_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # isinstance first: asking every paint event for its type() is measurably slow.
        if isinstance(event, INPUT_EVENTS) and event.type() in ACTIVITY_TYPES:
            self.on_activity()
        return False


READ_ONLY_NOTE = (
    "Read-only: this project is on a read-only medium. Every screen shows it, and exports "
    "and reports work; labels and changes cannot be saved here (copy it somewhere writable "
    "to label)."
)


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or load_settings()
        self.project: Project | None = None
        self.person: str | None = None
        self.pack_note: str | None = None
        self.packs_dialog: QWidget | None = None
        self.setWindowTitle("Annotator")
        self.resize(1360, 860)

        self.stack = QStackedWidget()
        self.recovery_banner = RecoveryBanner()  # answers a full disk kept out last time
        self.recovery_banner.told.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.recovery_banner.open_requested.connect(self.open_file)
        self.recovery_banner.applied.connect(lambda: self.annotate.reload())
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.recovery_banner)
        central_layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.screens: dict[str, QWidget] = {}
        self.start = StartScreen()
        self.annotate = AnnotateView(idle_seconds=self.settings.idle_seconds)
        self.annotate.status.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self._add_screen("start", self.start)
        self._add_screen("annotate", self.annotate)
        self._wire_start_screen()

        self.keymap = build_keymap(self.settings.shortcuts)
        self.dispatcher = KeyDispatcher(
            self, self.keymap, self.on_action, self.on_text, self.on_key_error
        )
        QApplication.instance().installEventFilter(self.dispatcher)
        self.activity = ActivityFilter(self.annotate.note_activity)
        QApplication.instance().installEventFilter(self.activity)
        self.role = LeadRole(self, self)
        self._build_menus()
        self.start.set_recent(self.settings.recent)
        self.annotate.set_zoom(self.settings.zoom)
        self.show_screen("start")
        self.statusBar().showMessage("Press ? for the keyboard shortcuts.")
        self.recovery_banner.refresh(None)  # answers a full disk kept out last time

    # -- screens ----------------------------------------------------------------
    def _add_screen(self, name: str, widget: QWidget) -> None:
        self.screens[name] = widget
        self.stack.addWidget(widget)

    def screen(self, name: str) -> QWidget:
        if name not in self.screens and name in LAZY_SCREENS:
            widget = LAZY_SCREENS[name].build(self)
            self._add_screen(name, widget)
            if self.project is not None and hasattr(widget, "set_project"):
                widget.set_project(self.project)
        return self.screens[name]

    def show_screen(self, name: str) -> bool:
        if name not in self.screens and name not in LAZY_SCREENS:
            return False
        if name != "start" and self.project is None:
            self.statusBar().showMessage("Open a project first.", 4000)
            return False
        source = getattr(self.annotate.session, "item_source", None)
        if name not in BLIND_OPEN and getattr(source, "blind", False):
            # A participant is labeling a blind calibration round at this keyboard: the
            # lead's screens (which show everyone's labels) stay shut until the hand-over.
            self.statusBar().showMessage(
                "A blind calibration round is being labeled: press Ctrl+6 to hand over first.",
                6000,
            )
            return False
        if not getattr(source, "blind", False) and not self.role.may_open(
            name, lambda: self.show_screen(name)
        ):
            return False  # someone is labeling: asked to switch to the lead first
        widget = self.screen(name)
        if name != "annotate":
            self.annotate.save_draft()
        self.stack.setCurrentWidget(widget)
        if hasattr(widget, "on_shown"):
            widget.on_shown()
        if name == "start":
            self.start.focus_default()
        elif name == "annotate":
            self.annotate.setFocus()
        self.role.refresh()
        return True

    @property
    def current_screen(self) -> QWidget:
        return self.stack.currentWidget()

    def open_item(self, item_id: str) -> None:
        """Show one item in the items browser (the dashboard's "needs attention" list)."""
        if not self.show_screen("items"):
            return
        browser: Any = self.screen("items")
        browser.search.setText(item_id)
        browser.apply_filter()

    # -- keyboard -----------------------------------------------------------------
    def on_action(self, name: str) -> bool:
        global_actions: dict[str, Callable[[], Any]] = {
            "shortcuts": self.show_shortcuts,
            "settings": self.show_settings,
            "open": self.choose_project_file,
            "quit": self.close,
            "zoom_in": lambda: self.set_zoom(self.settings.zoom + 1),
            "zoom_out": lambda: self.set_zoom(self.settings.zoom - 1),
            "zoom_reset": lambda: self.set_zoom(0),
            "screen_start": lambda: self.show_screen("start"),
            "screen_annotate": lambda: self.show_screen("annotate"),
            "screen_items": lambda: self.show_screen("items"),
            "screen_dashboard": lambda: self.show_screen("dashboard"),
            "screen_team": lambda: self.show_screen("team"),
            "screen_calibration": lambda: self.show_screen("calibration"),
            "screen_rubric": lambda: self.show_screen("rubric"),
            "screen_sources": lambda: self.show_screen("sources"),
            "screen_judges": lambda: self.show_screen("judges"),
            "export": self.show_export_dialog,
            "switch_lead": self.switch_to_lead,
        }
        screen = self.current_screen
        handler = getattr(screen, "handle_action", None)
        if handler is not None and handler(name):
            return True
        if name in global_actions:
            global_actions[name]()
            return True
        return False

    def on_text(self, text: str) -> bool:
        handler = getattr(self.current_screen, "handle_text", None)
        return bool(handler and handler(text))

    def on_key_error(self, error: Exception) -> bool:
        """A key's work the disk refused (full, read-only): said in the status line, not
        raised out of the event filter. Anything else is a bug and is raised."""
        path = self.project.path if self.project is not None else None
        typed = storage_error(error, path, doing="that", hint="try again")
        if typed is None:
            return False
        self.statusBar().showMessage(str(typed), 15000)
        return True

    def set_keymap(self, overrides: dict[str, list[str]]) -> None:
        """Apply changed shortcuts (validated by the core) and remember them."""
        self.keymap = build_keymap(overrides)
        self.settings.shortcuts = overrides
        self.dispatcher.set_actions(self.keymap)
        save_settings(self.settings)
        self._build_menus()
        self.role.refresh()  # the badge names the switch's key

    def set_zoom(self, zoom: int) -> None:
        self.settings.zoom = max(-4, min(12, zoom))
        self.annotate.set_zoom(self.settings.zoom)
        save_settings(self.settings)

    # -- menus --------------------------------------------------------------------
    def _build_menus(self) -> None:
        """Menus show each action's first key; the dispatcher, not Qt, fires them."""
        bar = self.menuBar()
        bar.clear()
        layout = {
            "&File": ["open", "export", "settings", "quit"],
            "&Label": ["submit", "skip", "flag", "undo", "back", "forward"],
            "&View": ["find", "details", "guidelines", "zoom_in", "zoom_out", "zoom_reset"],
            "&Go": [
                "screen_start",
                "screen_annotate",
                "screen_items",
                "screen_dashboard",
                "screen_team",
                "screen_calibration",
                "screen_rubric",
                "screen_sources",
                "screen_judges",
                "switch_lead",
            ],
            "&Help": ["shortcuts"],
        }
        for title, names in layout.items():
            menu = bar.addMenu(title)
            for name in names:
                action = self.keymap[name]
                shortcut = action.keys[0] if action.keys else ""
                item = QAction(
                    f"{action.description}\t{QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)}",
                    self,
                )
                item.triggered.connect(lambda _=False, n=name: self._from_menu(n))
                menu.addAction(item)
            if title == "&File":
                menu.insertAction(
                    menu.actions()[0], self._menu_action("New project…", self.create_project_dialog)
                )
                menu.insertAction(
                    menu.actions()[2], self._menu_action("Open work pack…", self.choose_pack_file)
                )
                menu.insertAction(
                    menu.actions()[3], self._menu_action("Merge work packs…", self.show_packs)
                )
                menu.insertAction(  # the labeler's last step in a pack (issue 14)
                    menu.actions()[3],
                    self._menu_action("Ready to send…", lambda: ready_to_send(self)),
                )

    def _from_menu(self, name: str) -> None:
        """A menu item does what its key does, and a storage error is told the same way."""
        try:
            self.on_action(name)
        except Exception as error:
            if not self.on_key_error(error):
                raise

    def _menu_action(self, text: str, slot: Callable[[], Any]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _=False: slot())
        return action

    def show_shortcuts(self) -> None:
        ShortcutSheet(self.keymap, self).exec()

    def show_export_dialog(self) -> None:
        if self.project is None:
            self.statusBar().showMessage("Open a project first.", 4000)
            return
        if getattr(getattr(self.annotate.session, "item_source", None), "blind", False):
            self.statusBar().showMessage(  # an export holds everyone's labels
                "A blind calibration round is being labeled: press Ctrl+6 to hand over first.",
                6000,
            )
            return
        if not self.role.may_open("export", self.show_export_dialog):
            return
        self.annotate.save_draft()
        export_dialog(self).exec()  # type: ignore[attr-defined]

    def switch_to_lead(self) -> bool:
        """Stop labeling as the current person (saved) and be the lead: one action."""
        return self.role.switch()

    def show_settings(self) -> None:
        SettingsDialog(self).exec()

    # -- projects and people ------------------------------------------------------
    def _wire_start_screen(self) -> None:
        self.start.open_path.connect(self.open_file)
        self.start.open_dialog.connect(self.choose_project_file)
        self.start.open_pack_dialog.connect(self.choose_pack_file)
        self.start.new_project.connect(self.create_project_dialog)
        self.start.open_demo.connect(self.open_demo)
        self.start.person_chosen.connect(self.start_labeling)
        self.start.person_created.connect(self.create_person)

    def choose_project_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open project",
            str(Path.home()),
            "Annotator projects (*.annotator);;All files (*)",
        )
        if path:
            self.open_file(path)

    def choose_pack_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open work pack", str(Path.home()), "Work packs (*.annpack);;All files (*)"
        )
        if path:
            self.open_file(path)

    def show_packs(self) -> None:
        """The lead's work packs: list them and merge pack files back (issue 8)."""
        if self.role.may_open("packs", self.show_packs):
            show_packs_dialog(self)

    def create_project_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "New project",
            str(Path.home() / "project.annotator"),
            "Annotator projects (*.annotator)",
        )
        if not path:
            return
        name, ok = QInputDialog.getText(self, "New project", "Project name:", text=Path(path).stem)
        if not ok:
            return
        try:
            project = create_project(path, name=name or None)
        except AnnotatorError as error:
            self.show_error(str(error))
            return
        self.open_project_object(project)

    def open_demo(self) -> None:
        try:
            path = ensure_demo()
        except AnnotatorError as error:
            self.show_error(str(error))
            return
        if self.open_file(str(path)):
            self.start_labeling(self.settings.last_person.get(self.project.id, DEMO_PERSON))  # type: ignore[union-attr]

    def open_file(self, path: str) -> bool:
        """Open a project, or hand a work pack to the pack screens."""
        try:
            if Path(path).exists() and read_application_id(Path(path)) == PACK_APPLICATION_ID:
                return open_pack(self, Path(path))
            project = open_project(path)
        except (AnnotatorError, ImportError) as error:
            self.show_error(str(error))
            return False
        self.open_project_object(project)
        return True

    def open_project_object(self, project: Project, pack_note: str | None = None) -> None:
        self.annotate.set_session(None)
        if self.project is not None:
            self.project.close()
        self.project = project
        self.pack_note = pack_note
        self.settings.add_recent(project.path)
        save_settings(self.settings)
        self.start.set_recent(self.settings.recent)
        self.refresh_people()
        for widget in self.screens.values():
            if widget is not self.start and hasattr(widget, "set_project"):
                widget.set_project(project)
        read_only = " (read-only)" if project.read_only else ""
        self.setWindowTitle(f"{project.name}{read_only} — Annotator")
        self.show_screen("start")
        if project.read_only:  # said once, where the person is looking
            self.statusBar().showMessage(READ_ONLY_NOTE)
        self.recovery_banner.refresh(project)  # offers this project's recovered answers

    def refresh_people(self) -> None:
        if self.project is None:
            self.start.set_project(None, [])
            return
        people = [
            (a, source_by_id(self.project, a.source_id)) for a in list_annotators(self.project)
        ]
        last = self.settings.last_person.get(self.project.id)
        note = READ_ONLY_NOTE if self.project.read_only else self.pack_note
        self.start.set_project(self.project, people, note, last)

    def create_person(self, name: str, source: str, kind: str) -> None:
        if self.project is None:
            return
        try:
            with self.project.transaction():
                ensure_annotator(self.project, name, ensure_source(self.project, source, kind))
        except AnnotatorError as error:
            self.show_error(str(error))
            return
        self.settings.last_person[self.project.id] = name
        self.refresh_people()

    def start_labeling(
        self,
        name: str,
        item_source: ItemSource | None = None,
        banner: str | None = None,
        badge: str | None = None,
    ) -> None:
        """`name` labels their queue, or the items of `item_source` (a calibration
        round), with `banner` and `badge` saying so above the form."""
        if self.project is None:
            return
        try:
            session = WorkSession(self.project, name, item_source=item_source)
        except AnnotatorError as error:
            self.show_error(str(error))
            return
        self.person = name
        self.settings.last_person[self.project.id] = name
        save_settings(self.settings)
        source = session.source
        title = f"{self.project.name}   ·   {name} ({source.name})"
        badge = badge or ("WORK PACK" if self.pack_note else None)
        self.annotate.set_banner(banner or self.pack_note)
        try:  # the first item is served (one write): a read-only or full disk refuses it
            self.annotate.set_session(session, title, badge)
        except AnnotatorError as error:
            self.annotate.set_session(None)
            self.show_error(str(error))
            return
        self.recovery_banner.refresh(self.project)  # answers kept from an earlier person
        self.role.refresh()
        self.show_screen("annotate")

    def show_error(self, text: str) -> None:
        QMessageBox.warning(self, "Annotator", text)

    # -- shutdown -----------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.annotate.save_draft()
        if not self._keep_unsaved():
            event.ignore()  # the person stays, with every unsaved answer on screen
            return
        self.annotate.let_go()  # no retry, draft or next item is drawn after this
        with suppress(OSError):  # a full disk: the settings are not worth a lost answer
            save_settings(self.settings)
        wait_for_jobs(5000)
        app = QApplication.instance()
        app.removeEventFilter(self.dispatcher)
        app.removeEventFilter(self.activity)
        if self.project is not None:
            self.project.close()
            self.project = None
        event.accept()

    def _keep_unsaved(self) -> bool:
        """Before quitting: answers the disk refused are tried once more, then (asked)
        written to the recovery file. False: stay open (the person chose it, or even
        the recovery file could not be written)."""
        session = self.annotate.session
        if session is None:
            return True
        self.annotate.retry_now()
        unsaved = session.unsaved()
        if not unsaved:
            return True
        reason = self.annotate.storage_banner.text.text() or "the disk refused them"
        if not self.ask_to_keep_unsaved(unsaved.count, reason):
            return False
        try:
            path = write_recovery(
                session.project, unsaved, {session.annotator.id: session.annotator.name}
            )
        except AnnotatorError as error:  # the settings' disk refuses too
            return self.ask_to_lose_unsaved(unsaved.count, str(error))
        session.waiting = None  # kept in the recovery file now; the next open offers it
        session.unsaved_drafts.clear()
        self.statusBar().showMessage(f"Unsaved answers kept in {path}.")
        return True

    def ask_to_lose_unsaved(self, count: int, reason: str) -> bool:
        """Even the recovery file was refused: stay open (the default) or quit and lose them."""
        answer = QMessageBox.warning(
            self,
            "Unsaved answers",
            f"The recovery file could not be written either:\n\n{reason}\n\n"
            f"Quit anyway and lose {count} answer(s)? Stay open, free some space, then quit.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def ask_to_keep_unsaved(self, count: int, reason: str) -> bool:
        """Ask before quitting with unsaved answers (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Unsaved answers",
            f"{count} answer(s) could not be saved:\n\n{reason}\n\n"
            "Keep them in a recovery file and quit? The next time you open this project, "
            "Annotator offers to apply them.",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        return answer == QMessageBox.StandardButton.Save


__all__ = ["MainWindow", "Qt"]
