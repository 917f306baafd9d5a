"""Adding a judge: where it answers (an OpenAI-compatible server), which model, how to sample
it, and what it costs. The API key is never typed here: only the name of the environment
variable that holds it, so the project file never stores a secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDoubleValidator, QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.base.errors import AnnotatorError
from annotator.judges import JudgeConfig, add_judge
from annotator.store.project import Project

QUICK_FILLS = (  # (button, base URL, model placeholder)
    ("Ollama (localhost:11434/v1)", "http://localhost:11434/v1", "e.g. qwen2.5:7b-instruct"),
    ("llama-server (localhost:8080/v1)", "http://localhost:8080/v1", "e.g. the loaded GGUF"),
)
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY")


def _number(field: QLineEdit, kind: type = float) -> Any:
    """The field's number, or None when it is empty (the server's default)."""
    text = field.text().strip().replace(",", ".")
    return kind(text) if text else None


def _optional(placeholder: str, validator: Any) -> QLineEdit:
    field = QLineEdit()
    field.setPlaceholderText(placeholder)
    field.setValidator(validator)
    return field


class AddJudgeDialog(QDialog):
    """Fills a `JudgeConfig`, adds it to the project, and closes; errors stay in the dialog."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.judge: Any = None
        self.setWindowTitle("Add an LLM judge")
        self.setMinimumWidth(720)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A judge is a model behind an OpenAI-compatible endpoint (a local Ollama or "
            "llama-server, or a hosted API). Its labels are stored as a source of their own."
        )
        intro.setObjectName("Muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. qwen-judge")
        form.addRow("Name", self.name)
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText("https://…/v1")
        form.addRow("Base URL", self.base_url)
        fills = QHBoxLayout()
        fills.setContentsMargins(0, 0, 0, 0)
        self.quick_fills: list[QPushButton] = []
        for text, url, hint in QUICK_FILLS:
            button = QPushButton(text)
            button.setObjectName("Flat")
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(text) + 16)
            button.setToolTip(f"Fill in {url}, no key, no price (a local server)")
            button.clicked.connect(lambda _=False, u=url, h=hint: self.quick_fill(u, h))
            fills.addWidget(button)
            self.quick_fills.append(button)
        fills.addStretch(1)
        form.addRow("Fill in", fills)
        self.model = QLineEdit()
        self.model.setPlaceholderText("the model name the server knows")
        form.addRow("Model", self.model)
        self.api_key_env = QLineEdit()
        self.api_key_env.setPlaceholderText("e.g. OPENAI_API_KEY (empty for a local server)")
        self.api_key_env.setToolTip(
            "The name of the environment variable that holds the key, never the key itself"
        )
        form.addRow("API key variable", self.api_key_env)
        self.temperature = _optional("server default", QDoubleValidator(0.0, 2.0, 3))
        self.seed = _optional("none", QIntValidator(0, 2**31 - 1))
        sampling = QHBoxLayout()
        sampling.addWidget(self.temperature)
        sampling.addSpacing(12)
        sampling.addWidget(QLabel("Seed"))
        sampling.addWidget(self.seed)
        form.addRow("Temperature", sampling)
        self.samples = QSpinBox()
        self.samples.setRange(1, 50)
        self.samples.setMinimumWidth(90)
        self.samples.setToolTip("Answers asked per item (more than one: self-consistency)")
        self.max_tokens = _optional("server default", QIntValidator(1, 1_000_000))
        counts = QHBoxLayout()
        counts.addWidget(self.samples)
        counts.addSpacing(12)
        counts.addWidget(QLabel("Max tokens"))
        counts.addWidget(self.max_tokens, 1)
        form.addRow("Samples per item", counts)
        self.input_price = _optional("unknown", QDoubleValidator(0.0, 1e6, 6))
        self.output_price = _optional("unknown", QDoubleValidator(0.0, 1e6, 6))
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.addItems(CURRENCIES)
        prices = QHBoxLayout()
        prices.addWidget(QLabel("in"))
        prices.addWidget(self.input_price)
        prices.addSpacing(12)
        prices.addWidget(QLabel("out"))
        prices.addWidget(self.output_price)
        prices.addSpacing(12)
        prices.addWidget(self.currency)
        form.addRow("Price per million tokens", prices)
        self.timeout = QSpinBox()
        self.timeout.setRange(1, 3600)
        self.timeout.setValue(60)
        self.timeout.setSuffix(" s")
        self.timeout.setMinimumWidth(90)
        timeout_row = QHBoxLayout()
        timeout_row.addWidget(self.timeout)
        timeout_row.addStretch(1)
        form.addRow("Timeout per call", timeout_row)
        self.template = QLineEdit()
        self.template.setPlaceholderText("empty: the built-in prompt from the rubric")
        self.template.setToolTip("The file's text is stored with the judge, not its path")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_template)
        template_row = QHBoxLayout()
        template_row.addWidget(self.template, 1)
        template_row.addWidget(choose)
        form.addRow("Prompt template", template_row)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("FeedbackWarn")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add judge")
        self.ok_button.setObjectName("Primary")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.setFocus()

    def quick_fill(self, url: str, model_hint: str) -> None:
        self.base_url.setText(url)
        self.api_key_env.clear()
        self.input_price.setText("0")
        self.output_price.setText("0")
        self.model.setPlaceholderText(model_hint)
        self.model.setFocus()

    def choose_template(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Prompt template", "", "Templates (*.txt *.md *.jinja *.j2);;All files (*)"
        )
        if path:
            self.template.setText(path)

    def template_text(self) -> str | None:
        """The chosen template file's text (the judge stores the text, not the path)."""
        path = self.template.text().strip()
        if not path:
            return None
        try:
            return Path(path).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"Cannot read the prompt template {path}: {error}") from error

    def config(self) -> JudgeConfig:
        """What the form says (ValueError: a number the validators let through, or an
        unreadable template file)."""
        return JudgeConfig(
            name=self.name.text().strip(),
            base_url=self.base_url.text().strip(),
            model=self.model.text().strip(),
            api_key_env=self.api_key_env.text().strip() or None,
            prompt_template=self.template_text(),
            temperature=_number(self.temperature),
            seed=_number(self.seed, int),
            samples=self.samples.value(),
            max_tokens=_number(self.max_tokens, int),
            input_price=_number(self.input_price),
            output_price=_number(self.output_price),
            currency=self.currency.currentText().strip().upper() or "USD",
            timeout_s=float(self.timeout.value()),
        )

    def save(self) -> None:
        missing = [
            label
            for label, field in (
                ("a name", self.name),
                ("a base URL", self.base_url),
                ("a model", self.model),
            )
            if not field.text().strip()
        ]
        if missing:
            self.show_error("The judge needs " + ", ".join(missing) + ".")
            return
        try:
            self.judge = add_judge(self.project, self.config())
        except (AnnotatorError, ValueError) as error:
            self.show_error(str(error))
            return
        self.accept()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


__all__ = ["QUICK_FILLS", "AddJudgeDialog"]
