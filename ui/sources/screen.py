"""The sources screen (Ctrl+5): every label source's cost and quality, side by side.

One card per source (cost per label, agreement with the expert consensus,
anchor accuracy, cost per correct label...), then the figures per criterion
with intervals, and every annotator. Computed off the UI thread on its own
connection (`annotator.quality.by_source.source_quality`), with a progress bar.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.quality.by_source.source_quality import QualityReport, source_quality
from annotator.quality.by_source.source_table import money
from annotator.quality.project_agreement import Settings
from annotator.stats.defaults import N_BOOT, SEED
from annotator.store.project import Project, open_reader
from ui.widgets.jobs import Job, run_job
from ui.widgets.tables import fill_table, make_table

KIND_TITLES = {"expert": "Experts", "crowd": "Crowd", "llm_judge": "LLM judge", "other": "Other"}


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ci(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if value is None:
        return "–"
    ci = entry.get(f"{key}_ci")
    return f"{value:.3f}  [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{value:.3f}"


def compute(path: Any, real_names: bool, job: Job | None = None) -> QualityReport:
    """The report on a connection of its own (runs off the UI thread)."""
    with open_reader(path) as project:
        progress = (lambda done, total: job.progress(done, total)) if job else None
        return source_quality(
            project,
            settings=Settings(n_boot=N_BOOT, seed=SEED),
            real_names=real_names,
            progress=progress,
        )


class SourceCard(QFrame):
    """One source's headline figures."""

    def __init__(self, row: dict[str, Any]) -> None:
        super().__init__()
        self.setObjectName("Card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel(row["source"])
        title.setObjectName("CardTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        title.setFont(font)
        badge = QLabel(KIND_TITLES.get(row["kind"], row["kind"]))
        badge.setObjectName("Badge")
        head.addWidget(title)
        head.addWidget(badge)
        head.addStretch(1)
        layout.addLayout(head)
        people = f"{row['n_annotators']:,} annotator" + ("s" if row["n_annotators"] != 1 else "")
        model = f" · {row['model_id']} {row['model_version'] or ''}" if row.get("model_id") else ""
        sub = QLabel(f"{row['n_labels']:,} labels on {row['n_items']:,} items · {people}{model}")
        sub.setObjectName("Muted")
        sub.setWordWrap(True)
        layout.addWidget(sub)
        currency = row.get("currency")
        big = QHBoxLayout()
        big.addLayout(self._big(money(row["cost_per_label"], currency), "per label"))
        big.addSpacing(28)
        big.addLayout(
            self._big(money(row["cost_per_correct_label"], currency), "per correct label")
        )
        big.addStretch(1)
        layout.addLayout(big)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(3)
        facts = [
            ("Kappa with the expert consensus", _share(row["expert_kappa"])),
            ("Alpha with the expert consensus", _share(row["expert_alpha"])),
            ("Share equal to the consensus", _share(row["expert_match"])),
            ("Anchor accuracy", _share(row["anchor_accuracy"])),
            ("Dawid-Skene reliability", _share(row["ds_reliability"])),
            ("Self-consistency on repeats", _share(row["self_consistency"])),
            (
                "Median active time per label",
                "–" if row["median_active_s"] is None else f"{row['median_active_s']:.0f} s",
            ),
            ("Total cost", money(row["cost_total"], currency)),
            ("Cost per item", money(row["cost_per_item"], currency)),
        ]
        for r, (label, value) in enumerate(facts):
            name = QLabel(label)
            name.setObjectName("Muted")
            shown = QLabel(value)
            shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(name, r, 0)
            grid.addWidget(shown, r, 1)
        layout.addLayout(grid)
        basis = row.get("correct_basis")
        note = QLabel(f"Correct = {basis}." if basis else "No anchors or expert consensus yet.")
        note.setObjectName("Muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)

    @staticmethod
    def _big(value: str, caption: str) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(0)
        shown = QLabel(value)
        font = shown.font()
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setBold(True)
        shown.setFont(font)
        label = QLabel(caption)
        label.setObjectName("Muted")
        box.addWidget(shown)
        box.addWidget(label)
        return box


class SourcesScreen(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.report: QualityReport | None = None
        self.job: Job | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        head = QHBoxLayout()
        title = QLabel("Label sources: cost and quality")
        title.setObjectName("HeaderTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        self.summary = QLabel()
        self.summary.setObjectName("Muted")
        self.real_names = QCheckBox("Show names")
        self.real_names.setChecked(True)
        self.real_names.setToolTip("Off: annotators as the pseudonyms exports use")
        self.real_names.toggled.connect(lambda _: self.refresh())
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.summary, 1)
        head.addWidget(self.real_names)
        head.addWidget(self.refresh_button)
        layout.addLayout(head)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.cards = QHBoxLayout()
        self.cards.setSpacing(12)
        cards = QWidget()
        cards.setLayout(self.cards)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(cards)
        self.scroll = scroll
        layout.addWidget(scroll)
        self.tabs = QTabWidget()
        self.criteria = make_table()
        self.annotators = make_table()
        self.tabs.addTab(self.criteria, "Against the experts, per criterion")
        self.tabs.addTab(self.annotators, "Annotators")
        layout.addWidget(self.tabs, 1)
        self.note = QLabel(
            "Each label is compared with its item's expert consensus (an adjudicated value "
            "first; an expert's own label left out). Cost per correct label = cost per label / "
            "anchor accuracy, or / the share equal to the consensus when a source answered no "
            "anchors. Intervals: 95%, bootstrap over labels."
        )
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)

    # -- screen protocol ----------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self.project = project
        self.report = None
        self.refresh()

    def on_shown(self) -> None:
        if self.report is None:
            self.refresh()

    # -- computing ----------------------------------------------------------------------
    def refresh(self) -> None:
        if self.project is None or (self.job is not None and not self.job.cancelled):
            return
        self.progress.setRange(0, 0)
        self.progress.show()
        self.refresh_button.setEnabled(False)
        self.summary.setText("Computing…")
        path, names = self.project.path, self.real_names.isChecked()
        self.job = run_job(
            lambda job: compute(path, names, job),
            on_done=self.show_report,
            on_error=self._failed,
            on_progress=self._progress,
            owner=self,
        )

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self.progress.hide()
        self.refresh_button.setEnabled(True)
        self.summary.setText(f"Could not compute: {error}")

    def show_report(self, report: QualityReport) -> None:
        self.job = None
        self.report = report
        self.progress.hide()
        self.refresh_button.setEnabled(True)
        currency = report.currency or "mixed currencies"
        self.summary.setText(
            f"{report.n_labels:,} labels on {report.n_items:,} items · {len(report.sources)} "
            f"sources · {currency}"
        )
        while self.cards.count():
            child = self.cards.takeAt(0).widget()
            if child is not None:
                child.deleteLater()
        for row in report.sources:
            card = SourceCard(row)
            card.setMinimumWidth(300)
            self.cards.addWidget(card, 1)
        if not report.sources:
            empty = QLabel("No labels yet.")
            empty.setObjectName("Muted")
            self.cards.addWidget(empty)
        tallest = max(
            (self.cards.itemAt(i).widget().sizeHint().height() for i in range(self.cards.count())),
            default=60,
        )
        self.scroll.setFixedHeight(min(480, tallest + 8))
        rows = []
        for source in report.sources:
            for name, entry in source["criteria"].items():
                rows.append(
                    [
                        source["source"],
                        name,
                        _ci(entry, "kappa"),
                        _ci(entry, "alpha"),
                        _ci(entry, "match"),
                        entry.get("n_labels", 0),
                        entry.get("n_tied", 0),
                    ]
                )
        fill_table(
            self.criteria,
            [
                "Source",
                "Criterion",
                "Kappa",
                "Alpha",
                "Share equal",
                "Labels",
                "No consensus (tie)",
            ],
            rows,
        )
        people = [
            [
                a["annotator"],
                a["source"],
                a["n_labels"],
                _share(a["expert_kappa"]),
                _share(a["expert_match"]),
                _share(a["anchor_accuracy"]),
                _share(a["ds_reliability"]),
                _share(a["self_consistency"]),
                "–" if a["median_active_s"] is None else f"{a['median_active_s']:.0f} s",
                money(a["cost_per_correct_label"], a.get("currency")),
            ]
            for a in report.annotators
        ]
        fill_table(
            self.annotators,
            [
                "Annotator",
                "Source",
                "Labels",
                "Kappa vs experts",
                "Share equal",
                "Anchor accuracy",
                "DS reliability",
                "Self-consistency",
                "Median time",
                "Cost / correct",
            ],
            people,
        )


__all__ = ["SourcesScreen", "compute"]
