"""The report's "LLM judges" section: per judge its versions, whether it can stand in for
people per criterion (with intervals and the thresholds behind the verdict), what each
version change did to its numbers (the exchange rate), and its canary charts.

The figures are `annotator.judges.summary.judge_summaries`, the same the export's
manifest carries; canary series come from the drift report when it has them.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from annotator.judges.align import ASSIST_ONLY, NOT_TRUSTED, STANDS_IN
from annotator.report.svg_drift import drift_svg

SECTION_ID = "judges-section"
NO_JUDGE = "No LLM judge in this project: nothing to show here."
VERDICT_CLASS = {STANDS_IN: "good", ASSIST_ONLY: "warn", NOT_TRUSTED: "bad"}
MAX_CANARY_CHARTS = 12  # per judge


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _with_ci(value: float | None, ci: list[float] | None, reason: str | None = None) -> str:
    if value is None:
        return f'<span class="muted" title="{_e(reason or "not defined")}">–</span>'
    interval = f' <span class="muted">[{ci[0]:.3f}, {ci[1]:.3f}]</span>' if ci else ""
    return f"{value:.3f}{interval}"


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}"


def _attr(value: Any) -> str:
    return "" if value is None else _e(repr(value) if isinstance(value, float) else value)


def _versions_table(index: int, judge: dict[str, Any]) -> str:
    rows = []
    for v in judge["versions"]:
        cost = v.get("cost")
        cost_text = "–" if cost is None else f"{cost:.4f} {_e(v.get('currency') or '')}"
        calls = v.get("calls")
        rows.append(
            f"<tr data-judge='{_e(judge['judge'])}' data-version='{_e(v['version'])}' "
            f"data-items='{v.get('items_judged') or 0}'>"
            f"<td>{_e(v['version'])}</td><td>{_e(v.get('reported_model') or 'not reported')}</td>"
            f"<td>{_e(v.get('system_fingerprint') or '–')}</td><td>{_e(v.get('host') or '–')}</td>"
            f"<td><code>{_e((v.get('prompt_sha') or '–')[:12])}</code></td>"
            f"<td>{_e('–' if v.get('rubric_version') is None else 'v' + str(v['rubric_version']))}"
            f"</td><td>{_e((v.get('first_seen') or '')[:16].replace('T', ' '))}</td>"
            f"<td class='num'>{v.get('items_judged') or 0:,}</td>"
            f"<td class='num'>{'–' if calls is None else f'{calls:,}'}</td>"
            f"<td class='num'>{cost_text}</td></tr>"
        )
    return (
        f"<table id='judge-{index}-versions'><thead><tr><th>Version</th><th>Reported model</th>"
        "<th>Fingerprint</th><th>Host</th><th>Prompt</th><th>Rubric</th><th>First seen</th>"
        "<th>Items judged</th><th>Calls</th><th>Cost</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _bias_cell(c: dict[str, Any]) -> str:
    if c.get("bias") is None and c.get("max_rate_gap") is not None:
        return f"largest option-rate gap {c['max_rate_gap']:.3f}"
    if c.get("bias") is None:
        return "–"
    ci = c.get("bias_ci")
    interval = f' <span class="muted">[{ci[0]:+.3f}, {ci[1]:+.3f}]</span>' if ci else ""
    return f"{c['bias']:+.3f}{interval}"


def _alignment_table(index: int, judge: dict[str, Any]) -> str:
    alignment = judge["alignment"]
    rows = []
    for c in alignment["criteria"]:
        verdict = c.get("verdict")
        ceiling = _with_ci(c.get("ceiling"), c.get("ceiling_ci"), "fewer than two experts")
        rows.append(
            f"<tr data-judge='{_e(judge['judge'])}' data-criterion='{_e(c['criterion'])}' "
            f"data-verdict='{_e(verdict)}' data-agreement='{_attr(c.get('agreement'))}' "
            f"data-ceiling='{_attr(c.get('ceiling'))}'>"
            f"<td>{_e(c['criterion'])}</td><td>{_e(c.get('level'))}</td>"
            f"<td class='num'>{c.get('n_items') or 0:,}</td>"
            f"<td>{_e(c.get('coefficient_name') or c.get('coefficient'))}</td>"
            f"<td class='num'>{_with_ci(c.get('agreement'), c.get('agreement_ci'), c.get('agreement_reason'))}</td>"  # noqa: E501
            f"<td class='num'>{ceiling}</td><td>{_e(c.get('ceiling_relation'))}</td>"
            f"<td class='num'>{_bias_cell(c)}</td>"
            f"<td class='{VERDICT_CLASS.get(verdict, 'muted')}'><b>{_e(verdict)}</b></td>"
            f"<td class='note'>{_e(c.get('reason'))}</td></tr>"
        )
    notes = "".join(f"<br>{_e(n)}" for n in alignment.get("notes") or [])
    if not rows:
        return (
            "<p class='muted'>No criterion labeled by both the judge and the expert "
            f"consensus yet.{notes}</p>"
        )
    settings = alignment.get("settings") or {}
    return (
        f"<table id='judge-{index}-alignment'><thead><tr><th>Criterion</th><th>Level</th>"
        "<th>Items</th><th>Coefficient</th><th>Agreement [95% CI]</th>"
        "<th>Human ceiling [95% CI]</th><th>Judge vs ceiling</th><th>Bias (judge − experts)</th>"
        "<th>Verdict</th><th>Why</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + f"<p class='note'>Thresholds: {_e(alignment.get('thresholds_text'))}. Against "
        "the expert consensus (adjudicated value first), on the judge's current labels (an "
        "item judged again counts with its latest label); human "
        "ceiling: each expert against the other experts on the same items, averaged. "
        f"Intervals: bootstrap over items ({settings.get('n_boot', 0):,} resamples, seed "
        f"{settings.get('seed')}).{notes}</p>"
    )


def _exchange_rate(c: dict[str, Any]) -> str:
    exchange = c.get("exchange") or {}
    if exchange.get("kind") == "isotonic":
        points = ", ".join(f"{p['old']:g} → {p['new']:.3g}" for p in exchange["points"][:12])
        return f"isotonic map (RMSE {_num(exchange.get('rmse'))}): {_e(points)}"
    parts = []
    for row in exchange.get("rows") or []:
        if not row.get("n"):
            continue
        mean = row.get("mean_new")
        shares = ", ".join(f"{k}: {v:.0%}" for k, v in (row.get("distribution") or {}).items() if v)
        parts.append(
            f"{_e(row['old'])} → {_num(mean, 2) if mean is not None else _e(shares)}"
            f" <span class='muted'>(n {row['n']:,}; {_e(shares)})</span>"
        )
    return "<br>".join(parts) or "–"


def _exchange_tables(index: int, judge: dict[str, Any]) -> str:
    parts = []
    for k, pair in enumerate(judge.get("exchange") or []):
        rows = "".join(
            f"<tr data-judge='{_e(judge['judge'])}' data-from='{_e(pair['from'])}' "
            f"data-to='{_e(pair['to'])}' data-criterion='{_e(c['criterion'])}' "
            f"data-mean-shift='{_attr(c.get('mean_shift'))}' "
            f"data-agreement='{_attr(c.get('percent_agreement'))}'>"
            f"<td>{_e(c['criterion'])}</td><td class='num'>{c['n_items']:,}</td>"
            f"<td class='num'>{_num(c.get('percent_agreement'), 3)}</td>"
            f"<td class='num'>{_with_ci(c.get('alpha'), c.get('alpha_ci'))}</td>"
            f"<td class='num'>{_num(c.get('mean_old'), 2)} → {_num(c.get('mean_new'), 2)}</td>"
            f"<td class='num'>{_signed(c.get('mean_shift'))}</td>"
            f"<td>{_exchange_rate(c)}</td></tr>"
            for c in pair["criteria"]
        )
        parts.append(
            f"<h4>{_e(pair['from'])} → {_e(pair['to'])} on {pair['n_items']:,} items labeled by "
            f"both ({pair['n_items_old']:,} by {_e(pair['from'])})</h4>"
            f"<table id='judge-{index}-exchange-{k}'><thead><tr><th>Criterion</th><th>Items</th>"
            "<th>Same value</th><th>α between versions</th><th>Mean old → new</th>"
            "<th>Mean shift</th><th>Exchange rate (old value → mean new value)</th></tr></thead>"
            "<tbody>" + rows + "</tbody></table>"
        )
    if not parts:
        return ""
    return (
        "<h4 class='muted'>Exchange rates between versions</h4>"
        "<p class='note'>On the items two consecutive versions both labeled: how often they "
        "gave the same value, Krippendorff's α between them, the mean shift (new − old), and "
        "what each old value became on average: multiply an old figure through it to compare "
        "with the new version's.</p>" + "".join(parts)
    )


def judges_section(
    summaries: list[dict[str, Any]],
    canaries: dict[str, dict[str, Any]] | None = None,
    figure: Callable[[str, str], str] | None = None,
) -> str:
    """The section's HTML; one line when the project has no judge. `canaries`: judge ->
    criterion -> canary series (the drift report's `judges`, when it has it)."""
    head = f"<h2 id='{SECTION_ID}'>LLM judges</h2>"
    canaries = canaries or {}
    if not summaries and not canaries:
        return head + f"<p class='muted' id='no-judges'>{NO_JUDGE}</p>"
    wrap = figure or (lambda svg, _caption: f"<figure>{svg}</figure>")
    parts = [
        head,
        "<p class='note'>Each judge's versions (a new one whenever the server reports another "
        "model or fingerprint, or the prompt, rubric or sampling changes), whether it can "
        "stand in for people per criterion, and what each version change did to its scores. "
        "Charts of a judge's scores over time break at every version change.</p>",
    ]
    named = {j["judge"] for j in summaries}
    for index, judge in enumerate(summaries):
        kind = "configured judge" if judge.get("configured") else "imported judge labels"
        current = judge.get("current_version")
        parts.append(
            f"<h3 data-judge='{_e(judge['judge'])}'>{_e(judge['judge'])} "
            f"<span class='pill'>{_e(kind)}</span>"
            + (f" <span class='muted'>current version {_e(current)}</span>" if current else "")
            + "</h3>"
        )
        parts += [_versions_table(index, judge), _alignment_table(index, judge)]
        parts.append(_exchange_tables(index, judge))
        parts += [f"<p class='note'>{_e(n)}</p>" for n in judge.get("notes") or []]
        parts.append(_canary_charts(canaries.get(judge["judge"]), wrap))
    for name in sorted(set(canaries) - named):
        parts.append(f"<h3>{_e(name)}</h3>" + _canary_charts(canaries[name], wrap))
    return "".join(parts)


def _canary_charts(by_criterion: dict[str, Any] | None, wrap: Callable[[str, str], str]) -> str:
    if not by_criterion:
        return ""
    shown = [s for s in by_criterion.values() if len(s.outcome)][:MAX_CANARY_CHARTS]
    if not shown:
        return ""
    return "<h4 class='muted'>Canary accuracy</h4>" + "".join(wrap(drift_svg(s), "") for s in shown)


__all__ = ["NO_JUDGE", "SECTION_ID", "VERDICT_CLASS", "judges_section"]
