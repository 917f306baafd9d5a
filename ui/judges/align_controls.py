"""The Alignment tab's questions: which judge, against what, grouped how, and the four
thresholds of the verdict (kept for the session; see `align_parts.keep_thresholds`).

Choosing a judge, a reference or a grouping asks at once; the thresholds ask after a
short pause, so typing "0.05" into a box computes once, not three times.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.judges.align import Thresholds
from annotator.store.project import Project
from ui.judges.align_parts import (
    BY_CHOICES,
    accepts_by,
    keep_thresholds,
    reference_choices,
    session_thresholds,
)

DEBOUNCE_MS = 350
SPINS = (  # (Thresholds field, caption, range, step, tooltip)
    ("stands_in_margin", "Stands in within", (0.0, 1.0), 0.01,
     "Stands in when the lower bound of its agreement interval is at least the human "
     "ceiling minus this margin, and its bias is within the limits"),
    ("not_trusted_below", "Not trusted below", (-1.0, 1.0), 0.05,
     "Not trusted when its agreement is below this"),
    ("max_bias", "Max |bias|", (0.0, 100.0), 0.05,
     "Largest mean difference judge − reference (criterion units) that still stands in"),
    ("max_rate_gap", "Max rate gap", (0.0, 1.0), 0.01,
     "Nominal criteria: the largest difference in how often an option is chosen"),
)  # fmt: skip


class AlignControls(QWidget):
    asked = Signal()  # a choice or a threshold changed: ask again
    recompute = Signal()  # the lead asked to compute again

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self._choices())
        layout.addLayout(self._thresholds())
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.asked.emit)
        self.order = [self.judge, self.against, self.by, *self.spins.values()]
        self.order += [self.defaults_button, self.refresh_button]
        for widget in self.order[:-2]:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _choices(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.judge = QComboBox()
        self.judge.setMinimumContentsLength(16)
        self.judge.setToolTip("A configured judge, a judge's imported labels, or one version")
        self.against = QComboBox()
        self.against.setMinimumContentsLength(20)
        self.against.setToolTip("What the judge is compared with")
        self.by = QComboBox()
        for text, value in BY_CHOICES:
            self.by.addItem(text, value)
        self.by.setToolTip("Each criterion's agreement per slice, week or rubric version too")
        self.by.setVisible(accepts_by())
        self.refresh_button = QPushButton("Recompute")
        self.refresh_button.setToolTip("Compute again (new labels are picked up by themselves)")
        self.refresh_button.clicked.connect(self.recompute.emit)
        for caption, combo, stretch in (("Judge", self.judge, 2), ("against", self.against, 3)):
            label = QLabel(caption)
            label.setBuddy(combo)
            row.addWidget(label)
            row.addWidget(combo, stretch)
        row.addWidget(self.by, 1)
        row.addWidget(self.refresh_button)
        self.against.currentIndexChanged.connect(lambda _i: self.asked.emit())
        self.by.currentIndexChanged.connect(lambda _i: self.asked.emit())
        return row

    def _thresholds(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        start = session_thresholds()
        self.spins: dict[str, QDoubleSpinBox] = {}
        for key, caption, (low, high), step, tip in SPINS:
            spin = QDoubleSpinBox()
            spin.setRange(low, high)
            spin.setDecimals(2)
            spin.setSingleStep(step)
            spin.setValue(getattr(start, key))
            spin.setToolTip(tip)
            spin.valueChanged.connect(self._thresholds_changed)
            label = QLabel(caption)
            label.setObjectName("Muted")
            label.setToolTip(tip)
            label.setBuddy(spin)
            row.addWidget(label)
            row.addWidget(spin)
            row.addSpacing(10)
            self.spins[key] = spin
        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setToolTip("The default thresholds")
        self.defaults_button.clicked.connect(lambda: self.set_thresholds(Thresholds()))
        row.addWidget(self.defaults_button)
        row.addStretch(1)
        return row

    # -- thresholds -----------------------------------------------------------------------
    def thresholds(self) -> Thresholds:
        kept = session_thresholds()  # fields this tab has no box for keep their values
        values = {**kept.__dict__, **{key: spin.value() for key, spin in self.spins.items()}}
        return Thresholds(**values)

    def set_thresholds(self, thresholds: Thresholds) -> None:
        for key, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(getattr(thresholds, key))
            spin.blockSignals(False)
        self._thresholds_changed()

    def _thresholds_changed(self, *_: Any) -> None:
        keep_thresholds(self.thresholds())
        self.debounce.start()

    # -- choices --------------------------------------------------------------------------
    def by_value(self) -> str | None:
        return self.by.currentData() if not self.by.isHidden() else None

    def set_judges(self, choices: list[tuple[str, str]], wanted: Any) -> None:
        self.judge.blockSignals(True)
        self.judge.clear()
        for text, name in choices:
            self.judge.addItem(text, name)
        found = self.judge.findData(wanted)
        self.judge.setCurrentIndex(found if found >= 0 else (0 if choices else -1))
        self.judge.blockSignals(False)

    def fill_references(self, project: Project | None) -> None:
        current = self.against.currentData()
        self.against.blockSignals(True)
        self.against.clear()
        if project is not None:
            for text, value in reference_choices(project, self.judge.currentData()):
                self.against.addItem(text, value)
        found = self.against.findData(current)
        self.against.setCurrentIndex(max(found, 0) if self.against.count() else -1)
        self.against.blockSignals(False)


__all__ = ["DEBOUNCE_MS", "SPINS", "AlignControls"]
