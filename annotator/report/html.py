"""`annotator report`: one self-contained HTML file with the dashboard's tables and charts.

Inline CSS, charts as inline SVG (text stays text), no script and no external
link: it opens offline and survives being attached to an email. Tables carry
`id`s and `data-` attributes so a program can read the figures back. The charts are
drawn by hand (`annotator.report.svg`, `svg_drift`: milliseconds, where matplotlib
took half a second to import and a tenth of a second a chart); it is imported only
for a rubric-version chart.

    >>> write_report(project, "report.html")
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.base.errors import AnnotatorError
from annotator.base.storage import MB, DiskFullError, free_mb, storage_error
from annotator.calibration.summary import sessions_html
from annotator.judges.summary import judge_summaries
from annotator.quality.drift import alert_rules
from annotator.queue.throughput import throughput
from annotator.report.chart_rows import VERSION_HEADERS, agreement_rows, version_rows
from annotator.report.judges import judges_section
from annotator.report.overview import Overview, build_overview
from annotator.report.svg import agreement_svg, distribution_svg, matrix_svg
from annotator.report.svg_drift import drift_svg
from annotator.report.throughput import throughput_section
from annotator.stats.defaults import N_BOOT
from annotator.store.project import Project

MAX_DRIFT_CHARTS = 12
CSS = """
body { font: 14px/1.45 -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       color: #1d2127; background: #f4f5f7; margin: 0; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 8px;
  padding-top: 12px; border-top: 1px solid #d8dce2; } h3 { font-size: 15px; margin: 22px 0 6px; }
.muted, .note { color: #5f6b7a; } .note { font-size: 12.5px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { border: 1px solid #d8dce2; border-radius: 8px; padding: 10px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceef1;
  vertical-align: top; }
th { background: #f9fafb; font-weight: 600; } td.num { text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group td { border-top: 2px solid #d8dce2; }
.bad { color: #c0362c; } .good { color: #1a7f37; } .warn { color: #b54708; }
.pill { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 11.5px;
  background: #e7efff; color: #2f6bd8; } .pill.alert { background: #fdecea; color: #c0362c; }
figure { margin: 10px 0 18px; } figure svg { max-width: 100%; height: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 8px; }
ul.rules li { margin-bottom: 4px; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _with_ci(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if value is None:
        reason = entry.get(f"{key}_reason") or "not defined"
        return f'<span class="muted" title="{_e(reason)}">–</span>'
    ci = entry.get(f"{key}_ci")
    interval = f' <span class="muted">[{ci[0]:.2f}, {ci[1]:.2f}]</span>' if ci else ""
    return f"{value:.3f}{interval}"


def _figure(svg: str, caption: str = "") -> str:
    text = f"<figcaption class='note'>{_e(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{text}</figure>"


def _agreement_section(overview: Overview) -> str:
    agreement = overview.agreement
    rows = []
    previous = None
    for criterion, scope, entry in agreement_rows(agreement):
        group = ' class="group"' if criterion != previous else ""
        previous = criterion
        alpha = entry.get("alpha")
        rows.append(
            f'<tr{group} data-criterion="{_e(criterion)}" data-scope="{_e(scope)}" '
            f'data-alpha="{"" if alpha is None else repr(alpha)}">'
            f"<td>{_e(criterion)}</td><td>{_e(scope)}</td><td>{_e(entry.get('level'))}</td>"
            f'<td class="num">{_with_ci(entry, "alpha")}</td>'
            f'<td class="num">{_with_ci(entry, "fleiss_kappa")}</td>'
            f'<td class="num">{_with_ci(entry, "gwet_ac1")}</td>'
            f'<td class="num">{_with_ci(entry, "percent_agreement")}</td>'
            f'<td class="num">{entry.get("n_items", 0):,}</td>'
            f'<td class="num">{entry.get("n_labels", 0):,}</td></tr>'
        )
    table = (
        '<table id="agreement"><thead><tr><th>Criterion</th><th>Scope</th><th>Level</th>'
        "<th>Krippendorff's α [95% CI]</th><th>Fleiss' κ</th><th>Gwet's AC1</th>"
        "<th>Agreement</th><th>Items</th><th>Labels</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    return (
        "<h2 id='agreement-section'>Agreement per criterion</h2>"
        "<p class='note'>Level from the rubric (nominal for binary, categorical and preference; "
        "ordinal over the full scale; interval for numbers; each multilabel option as "
        "yes/no). Intervals: percentile bootstrap over items "
        f"({overview.settings.n_boot:,} resamples, seed {overview.settings.seed}). "
        "“vs expert consensus”: each label of the source against its item's expert "
        "consensus (adjudicated value, else the experts' median or majority); its interval "
        "resamples labels. A dash means not defined; hover for why.</p>"
        + table
        + _figure(agreement_svg(agreement))
    )


def _matrix_section(overview: Overview) -> str:
    parts = []
    for name, matrix in overview.matrices.items():
        if len(matrix["raters"]) < 2 or "[" in name:  # multilabel options: see the table
            continue
        parts.append(_figure(matrix_svg(matrix, name)))
    if not parts:
        return ""
    return (
        "<h2 id='matrix-section'>Annotator agreement matrix</h2>"
        "<p class='note'>Cohen's kappa between every two "
        "of the most prolific annotators (quadratic weights on ordinal scales); grey: fewer "
        "than 5 items in common. Multilabel options are left out here.</p><div class='grid'>"
        + "".join(parts)
        + "</div>"
    )


def _alerts_table(overview: Overview) -> str:
    alerts = overview.drift.alerts
    if not alerts:
        return "<p class='good'>No alerts.</p>"
    rows = "".join(
        f'<tr data-kind="{_e(a.kind)}" data-subject="{_e(a.subject)}">'
        f"<td><span class='pill alert'>{_e(a.kind)}</span></td>"
        f"<td>{_e(a.subject_type)} <b>{_e(a.subject)}</b></td><td>{_e(a.criterion)}</td>"
        f"<td>{_e(a.what)}</td><td>{_e((a.since or '')[:10])}</td></tr>"
        for a in alerts
    )
    return (
        '<table id="alerts"><thead><tr><th>Kind</th><th>Who</th><th>Criterion</th>'
        "<th>What moved</th><th>Since</th></tr></thead><tbody>" + rows + "</tbody></table>"
    )


def _version_svg(entry: dict[str, Any]) -> str:
    # lazy: matplotlib only when the report compares rubric versions
    from annotator.report.charts import to_svg, version_chart

    return to_svg(version_chart(entry))


def _drift_section(overview: Overview) -> str:
    drift = overview.drift
    rules = "".join(
        f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in alert_rules(drift.settings).items()
    )
    alerted = {(a.subject, a.criterion) for a in drift.alerts}
    series = [s for by in drift.anchors.values() for s in by.values()]
    series.sort(key=lambda s: ((s.subject, s.criterion) not in alerted, s.subject, s.criterion))
    versions = overview.answer_versions  # a judge's answers: lines break at version changes
    charts = "".join(
        _figure(drift_svg(s, versions=versions.get(s.subject, {}).get(s.criterion)))
        for s in series[:MAX_DRIFT_CHARTS]
        if len(s.outcome)
    )
    summary = "".join(
        f"<tr><td>{_e(s.subject)}</td><td>{_e(s.criterion)}</td>"
        f"<td class='num'>{len(s.outcome):,}</td>"
        f"<td class='num'>{_num(float(s.outcome.mean()) if len(s.outcome) else None, 2)}</td>"
        f"<td>{_e(s.chart.reason or (f'{len(s.chart.alarms)} alarm(s)' if s.chart.alarms else 'in control'))}</td></tr>"  # noqa: E501
        for s in series
    )
    parts = [
        "<h2 id='drift-section'>Drift</h2>",
        _alerts_table(overview),
        "<h3>Alert rules</h3><ul class='rules note'>" + rules + "</ul>",
    ]
    if series:
        parts += [
            "<h3>Anchor accuracy</h3>",
            '<table id="anchor-accuracy"><thead><tr><th>Annotator</th><th>Criterion</th>'
            "<th>Answers</th><th>Accuracy</th><th>Chart</th></tr></thead><tbody>"
            + summary
            + "</tbody></table>",
            "<div>" + charts + "</div>",
        ]
    shown = [
        d for d in drift.distributions
        if d["tested"] and (d["subject_type"] == "project"
                            or any(a.subject == d["subject"] and a.criterion == d["criterion"]
                                   for a in drift.alerts))
    ]  # fmt: skip
    if shown:
        parts.append("<h3>Label distributions over time</h3>")
        starts = overview.version_starts  # a judge's labels: a break at each new version
        parts += [_figure(distribution_svg(d, breaks=starts.get(d["subject"]))) for d in shown[:12]]
    if drift.repeats:
        rows = "".join(
            f"<tr><td>{_e(r['annotator'])}</td><td>{_e(r['criterion'])}</td>"
            f"<td class='num'>{r['agree']}/{r['n']}</td><td class='num'>{r['share']:.0%} "
            f"<span class='muted'>[{r['low']:.0%}, {r['high']:.0%}]</span></td></tr>"
            for r in drift.repeats
        )
        parts.append(
            "<h3>Self-consistency on repeats</h3><table id='repeats'><thead><tr><th>Annotator"
            "</th><th>Criterion</th><th>Agreed</th><th>Share [95% CI]</th></tr></thead><tbody>"
            + rows + "</tbody></table>"
        )  # fmt: skip
    if drift.versions:
        head = "".join(f"<th>{_e(h)}</th>" for h in VERSION_HEADERS)
        rows = "".join(
            f"<tr data-criterion='{_e(v['criterion'])}' data-from='{_e(v['from'])}' "
            f"data-to='{_e(v['to'])}' data-n-items='{v['n_items']}' "
            f"data-alpha-from='{_num(v['alpha_from']['value'], 4)}' "
            f"data-alpha-to='{_num(v['alpha_to']['value'], 4)}'>" + "".join(
                f"<td>{_e(cell)}</td>" if c < 2 else f"<td class='num'>{_e(cell)}</td>"
                for c, cell in enumerate(row)
            ) + "</tr>"
            for v, row in zip(drift.versions, version_rows(drift.versions), strict=True)
        )  # fmt: skip
        parts.append(
            "<h3>Rubric version changes on the same items</h3><table id='versions'><thead><tr>"
            + head + "</tr></thead><tbody>" + rows + "</tbody></table>"
        )  # fmt: skip
        parts += [_figure(_version_svg(v)) for v in drift.versions[:12]]
    if drift.notes:
        parts.append("<p class='note'>" + "<br>".join(_e(n) for n in drift.notes) + "</p>")
    return "".join(parts)


def _attention_section(overview: Overview) -> str:
    lowest = "".join(
        f"<tr data-item='{_e(e['item_id'])}'><td>{_e(e['item_id'])}</td>"
        f"<td class='num'>{e['score']:.2f}</td><td class='num'>{e['n_labels']}</td>"
        f"<td>{_e(', '.join(f'{k} {v:.2f}' for k, v in e['criteria'].items() if v is not None))}</td></tr>"  # noqa: E501
        for e in overview.lowest
    )
    flagged = "".join(
        f"<tr><td>{_e(f['item_id'])}</td><td>{_e(f['annotator'])}</td><td>{_e(f['note'])}</td>"
        f"<td>{_e((f['submitted_at'] or '')[:16])}</td></tr>"
        for f in overview.flagged
    )
    return (
        "<h2 id='attention-section'>Needs attention</h2><h3>Lowest-agreement items</h3>"
        "<p class='note'>Mean distance between label pairs, 0 (all agree) to 1 (as far apart "
        "as the scale allows), averaged over criteria.</p>"
        '<table id="lowest"><thead><tr><th>Item</th><th>Disagreement</th><th>Labels</th>'
        "<th>Per criterion</th></tr></thead><tbody>" + lowest + "</tbody></table>"
        + "<h3>Flagged labels</h3>"
        + (
            '<table id="flagged"><thead><tr><th>Item</th><th>Annotator</th><th>Note</th>'
            "<th>When</th></tr></thead><tbody>" + flagged + "</tbody></table>"
            if flagged else "<p class='muted'>None.</p>"
        )
    )  # fmt: skip


def _consensus_section(overview: Overview) -> str:
    rows = "".join(
        f"<tr><td>{_e(k)}</td><td class='num'>{v['items']:,}</td><td class='num'>{v['ties']:,}"
        f"</td><td class='num'>{v['adjudicated']:,}</td><td>{_e(', '.join(sorted(v['methods'])))}"
        f"</td><td class='num'>{_num(v['mean_confidence'], 2)}</td></tr>"
        for k, v in overview.consensus.items()
    )
    return (
        "<h2 id='consensus-section'>Consensus labels</h2>"
        "<p class='note'>Adjudicated value first; else the median "
        "(ordinal), the mean (numbers) or the majority; ties are stated, not broken.</p>"
        '<table id="consensus"><thead><tr><th>Criterion</th><th>Items</th><th>Ties</th>'
        "<th>Adjudicated</th><th>Methods</th><th>Mean confidence</th></tr></thead><tbody>"
        + rows
        + "</tbody></table>"
    )


def render_report(overview: Overview, judges: list[dict[str, Any]] | None = None) -> str:
    """The whole report as one HTML string; `judges`: `judge_summaries` (None: no judge)."""
    stats = overview.stats
    cards = "".join(
        f"<div class='card'><b>{value:,}</b><span class='muted'>{_e(label)}</span></div>"
        for label, value in (
            ("items", stats["items"]),
            ("labels", stats["labels"]),
            ("annotators", stats["annotators"]),
            ("sources", len(stats["sources"])),
            ("alerts", len(overview.drift.alerts)),
        )
    )
    body = "".join(
        [
            f"<h1>{_e(overview.project)}</h1>",
            "<p class='muted'>Agreement, drift and consensus · generated "
            f"{_e(overview.generated_at)} by Annotator {_e(__version__)} · "
            + (
                "annotators by name</p>"
                if overview.real_names
                else "annotators by pseudonym (<code>ann-</code> and ten hex digits, stable "
                "within the project, as in the exports)</p>"
            ),
            f"<div class='cards'>{cards}</div>",
            _agreement_section(overview),
            _matrix_section(overview),
            _drift_section(overview),
            judges_section(judges or [], getattr(overview.drift, "judges", None), _figure),
            _attention_section(overview),
            _consensus_section(overview),
        ]
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(overview.project)} — agreement and drift</title>"
        f"<style>{CSS}</style></head><body><main>{body}</main></body></html>\n"
    )


_HEADING = re.compile(r"<h2 id='([^']+)'>(.*?)</h2>")


def with_contents(text: str) -> str:
    """The report with a table of contents (every section heading with an id) after its
    summary cards."""
    links = "".join(
        f"<li><a href='#{anchor}'>{title}</a></li>" for anchor, title in _HEADING.findall(text)
    )
    nav = f"<nav id='contents'><b>Contents</b><ol class='note'>{links}</ol></nav>"
    at = text.find("<h2 ")
    return text if at < 0 or not links else text[:at] + nav + text[at:]


def write_report(
    project: Project,
    out: str | Path,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
    real_names: bool = False,
) -> Path:
    """Compute the overview and write the report; returns the path written. A file that
    leaves the machine: annotators appear as their pseudonyms unless `real_names`."""
    path = Path(out)
    if path.is_dir():
        raise AnnotatorError(
            f"{path} is a folder; give a file name such as {path / 'report.html'}."
        )
    # throughput first: its scan of the labels is gone before the label tables are loaded,
    # so the two never sit in memory together
    figures = throughput(project, real_names=real_names)
    overview = build_overview(project, n_boot=n_boot, seed=seed, real_names=real_names)
    judges = judge_summaries(project, n_boot=n_boot, seed=seed, real_names=real_names)
    text = render_report(overview, judges)
    sessions = sessions_html(project, n_boot=n_boot, seed=seed, real_names=real_names)
    sessions += throughput_section(figures, _figure)
    text = with_contents(text.replace("</main>", sessions + "</main>", 1))
    write_whole(path, text.encode("utf-8"))
    return path


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: the free space is checked first (the
    size is known), the bytes go to a hidden file beside it that replaces `path` only
    when complete, and a disk that fills half-way leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    free = free_mb(path.parent)
    if free is not None and free * MB < len(data) + MB:
        raise DiskFullError(
            f"The report needs {len(data) / MB:.1f} MB and the disk holding {path} has "
            f"{free:.0f} MB free. Free some space or write it elsewhere; nothing was written.",
            path,
        )
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        typed = storage_error(error, path, doing="the report", hint="write it again")
        if typed is not None:
            raise typed from None
        raise AnnotatorError(f"{path}: cannot write the report ({error.strerror}).") from None
