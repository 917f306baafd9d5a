"""The sources side by side as text: the CLI's table, and markdown for the README and card."""

from __future__ import annotations

from typing import Any

from annotator.quality.by_source.source_quality import QualityReport


def money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "-"
    if value >= 1:
        text = f"{value:,.2f}"
    elif value >= 0.01:
        text = f"{value:.3f}".rstrip("0")
        text = text if len(text.split(".")[1]) >= 2 else f"{value:.2f}"
    else:
        text = f"{value:.2g}"
    if currency == "USD":
        return f"${text}"
    return f"{text} {currency}" if currency else text


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


COLUMNS = (
    ("source", "source"),
    ("kind", "kind"),
    ("labels", "n_labels"),
    ("cost/label", "cost_per_label"),
    ("kappa vs experts", "expert_kappa"),
    ("alpha vs experts", "expert_alpha"),
    ("match", "expert_match"),
    ("anchor acc.", "anchor_accuracy"),
    ("DS reliab.", "ds_reliability"),
    ("self-cons.", "self_consistency"),
    ("median s", "median_active_s"),
    ("cost/correct", "cost_per_correct_label"),
)


def table_rows(rows: list[dict[str, Any]], first: str = "source") -> list[list[str]]:
    """Each source (or annotator) as display cells, in COLUMNS order."""
    out = []
    for row in rows:
        cells = []
        for _, key in COLUMNS:
            key = first if key == "source" else key
            value = row.get(key)
            if key in ("cost_per_label", "cost_per_correct_label"):
                cells.append(money(value, row.get("currency")))
            elif key in ("n_labels",):
                cells.append(f"{value:,}")
            elif key == "median_active_s":
                cells.append("-" if value is None else f"{value:.0f}")
            elif isinstance(value, float) or value is None:
                cells.append(_share(value) if key not in ("kind",) else str(value or "-"))
            else:
                cells.append(str(value))
        out.append(cells)
    return out


def markdown_table(report: QualityReport) -> str:
    """The per-source table as markdown (the README and the dataset card use it)."""
    head = [title for title, _ in COLUMNS]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|",
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(report.sources)]
    return "\n".join(lines)


def format_report(report: QualityReport, annotators: int = 0) -> str:
    """The sources side by side (and the first `annotators` annotators), as plain text."""
    head = [title for title, _ in COLUMNS]
    body = table_rows(report.sources)
    if annotators:
        body += [["", *[""] * (len(head) - 1)]]
        body += table_rows(report.annotators[:annotators], first="annotator")
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(head)
    ]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i < 2 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )
    currency = report.currency or "mixed or unstated"
    out = [
        f"Label sources in {report.project}: {report.n_labels:,} labels on "
        f"{report.n_items:,} items (currency: {currency})",
        "",
        line(head),
        line(["-" * w for w in widths]),
        *[line(cells) for cells in body],
        "",
        "kappa/alpha/match: each label against its item's expert consensus (adjudicated value "
        "first; an expert's own label left out), mean over criteria; match: share equal to it. "
        "cost/correct: cost per label / anchor accuracy, or / match when a source answered no "
        "anchors. '--json' gives every criterion with intervals.",
        *report.notes,
    ]
    return "\n".join(out)


__all__ = ["COLUMNS", "format_report", "markdown_table", "money", "table_rows"]
