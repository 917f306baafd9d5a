"""The dashboard's parts: the background computation and small helpers (the chart canvas
is `ui.widgets.chart_view`, shared with the judges screen)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from annotator.report.cache import cached_overview
from annotator.report.overview import Overview
from annotator.stats.defaults import N_BOOT, SEED
from annotator.store.project import open_reader
from ui.widgets.jobs import Job, run_job
from ui.widgets.theme import current_colors


def compute_overview(path: Path, job: Job, n_boot: int = N_BOOT, fresh: bool = False) -> Overview:
    """The job: a reader connection of its own, progress out, cancel in. The result is
    cached per project state (`annotator.report.cache`); `fresh` computes it again.
    With `n_boot > 0` after an `n_boot=0` run of the same state, only the intervals are
    computed."""
    with open_reader(path) as reader:
        return cached_overview(
            reader,
            n_boot=n_boot,
            seed=SEED,
            progress=lambda done, total, _step: job.progress(done, total),
            cancelled=lambda: job.cancelled,
            fresh=fresh,
        )


def with_ci(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if value is None:
        return "–"
    ci = entry.get(f"{key}_ci")
    return f"{value:.3f}  [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{value:.3f}"


def fill_agreement_table(table: QTableWidget, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
    """One row per criterion and scope; an undefined alpha says why in its tooltip."""
    table.setRowCount(len(rows))
    for r, (criterion, scope, entry) in enumerate(rows):
        cells = [
            criterion, scope, entry.get("level", ""), with_ci(entry, "alpha"),
            with_ci(entry, "fleiss_kappa"), with_ci(entry, "gwet_ac1"),
            with_ci(entry, "percent_agreement"), f"{entry.get('n_items', 0):,}",
            f"{entry.get('n_labels', 0):,}",
        ]  # fmt: skip
        for c, text in enumerate(cells):
            item = QTableWidgetItem(str(text))
            if c == 3 and entry.get("alpha") is None:
                item.setToolTip(entry.get("alpha_reason") or "")
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def fill_attention_table(table: QTableWidget, rows: list[dict[str, Any]]) -> None:
    """Alerts (in the danger colour), lowest-agreement items, flagged labels."""
    table.setRowCount(len(rows))
    warn = QColor(current_colors().get("danger", "#c0362c"))
    for r, row in enumerate(rows):
        cells = [row["kind"], row["subject"], row["criterion"] or "",
                 (row["since"] or "")[:10], row["detail"]]  # fmt: skip
        for c, text in enumerate(cells):
            item = QTableWidgetItem(str(text))
            if row["kind"] == "alert" and c == 0:
                item.setForeground(warn)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def write_report_in_background(
    project_path: Path, out: Path, say: Callable[[str], None], real_names: bool = False
) -> Job:
    """Write the HTML report on its own connection; `say` gets the outcome. The lead sees
    names on screen, but the file leaves the machine: pseudonyms unless `real_names`."""

    def write(_job: Job) -> str:
        # lazy: the report pulls matplotlib (~5 s); only asked for on export
        from annotator.report.html import write_report

        with open_reader(project_path) as reader:
            return str(write_report(reader, out, n_boot=N_BOOT, real_names=real_names))

    names = "with real names" if real_names else "annotators under pseudonyms"
    return run_job(
        write,
        on_done=lambda written: say(f"Report written to {written} ({names})"),
        on_error=lambda error: say(f"Could not write the report: {error}"),
    )
