"""Render the README's agreement and drift screenshots (offscreen): the dashboard on the
DialSummEval project and on the synthetic drift project, and the HTML report's first
sections drawn by Qt's rich-text engine (charts rasterised from the report's own SVG).

    QT_QPA_PLATFORM=offscreen uv run python docs/make_agreement_screenshots.py

Needs ../shared/data/dialsummeval (the real data is not shipped with the project).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QByteArray, QSize, QUrl  # noqa: E402
from PySide6.QtGui import QImage, QPainter, QTextDocument  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402
from PySide6.QtWidgets import QApplication, QTextBrowser  # noqa: E402

from tests.support import dialsummeval, drift_project  # noqa: E402

DOCS = REPO / "docs"
DATA = REPO.parent / "shared" / "data" / "dialsummeval"


def settle(app: QApplication, seconds: float = 0.5) -> None:
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)


def dashboard(
    app: QApplication, project: Path, out: Path, tab: int, who: str | None = None
) -> None:
    from ui.shell.main_window import MainWindow

    window = MainWindow()
    window.resize(1400, 880)
    window.show()
    window.open_file(str(project))
    window.show_screen("dashboard")
    screen = window.screen("dashboard")
    deadline = time.time() + 300
    while screen.overview is None and time.time() < deadline:
        settle(app, 0.1)
    screen.tabs.setCurrentIndex(tab)
    if who is not None:
        screen.drift_subject.setCurrentIndex(screen.drift_subject.findData(who))
    settle(app, 1.0)
    window.grab().save(str(out))
    window.close()
    settle(app, 0.3)


def report(app: QApplication, project: Path, out: Path) -> None:
    """The report's agreement section as Qt draws it (Qt rich text has no inline SVG:
    each chart is rasterised and handed to the document as an image)."""
    from annotator.report.html import write_report
    from annotator.store.project import open_project

    html_path = out.with_suffix(".html")
    with open_project(project) as opened:
        write_report(opened, html_path, n_boot=1000)
    text = html_path.read_text(encoding="utf-8")
    cut = re.search(r"<h2[^>]*>Annotator agreement matrix", text)
    text = text[: cut.start() if cut else len(text)] + "</main></body></html>"
    document = QTextDocument()
    images = []

    def rasterise(match: re.Match[str]) -> str:
        renderer = QSvgRenderer(QByteArray(match.group(0).encode("utf-8")))
        size = renderer.defaultSize()
        width = 1000
        height = int(size.height() * width / max(size.width(), 1))
        image = QImage(QSize(width, height), QImage.Format.Format_ARGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        name = f"chart{len(images)}"
        images.append(image)
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        return f'<img src="{name}" width="{width}">'

    text = re.sub(r"<svg.*?</svg>", rasterise, text, flags=re.S)
    cards = re.search(r"<div class='cards'>(.*?)</div></div>", text, flags=re.S)
    if cards:  # Qt rich text has no flex boxes: the headline figures as one table row
        cells = re.findall(r"<b>(.*?)</b><span class='muted'>(.*?)</span>", cards.group(0))
        row = "".join(f"<td><b style='font-size:18px'>{v}</b><br>{k}</td>" for v, k in cells)
        text = text.replace(cards.group(0), f"<table><tr>{row}</tr></table>")
    browser = QTextBrowser()
    browser.setDocument(document)
    document.setDefaultStyleSheet(
        "table { border-collapse: collapse; } th { background: #f3f5f8; } "
        "td, th { padding: 3px 8px; border-bottom: 1px solid #e3e6ea; } "
        ".muted, .note { color: #5f6b7a; } h1 { font-size: 22px; } h2 { font-size: 17px; }"
    )
    document.setHtml(text)
    browser.resize(1180, 1500)
    browser.setStyleSheet("QTextBrowser { background: white; border: none; padding: 18px; }")
    browser.show()
    settle(app, 0.5)
    browser.verticalScrollBar().setValue(0)
    settle(app, 0.3)
    browser.grab().save(str(out))
    browser.close()
    html_path.unlink()


def main() -> None:
    from ui.widgets.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")
    with tempfile.TemporaryDirectory() as folder:
        dse = dialsummeval.build_project(DATA, Path(folder) / "dse")
        drift = drift_project.build(Path(folder))
        dashboard(app, dse, DOCS / "dashboard.png", tab=0)
        dashboard(app, drift, DOCS / "dashboard-drift.png", tab=2, who=drift_project.DRIFTER)
        dashboard(app, drift, DOCS / "dashboard-versions.png", tab=4)
        report(app, dse, DOCS / "report.png")
    print("wrote", ", ".join(p.name for p in sorted(DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
