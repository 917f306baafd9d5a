"""A calibration session's summary: who took part, which items, agreement before and
after (round 1 against the last revealed round, per criterion, with intervals),
every decision with its rationale, the anchors and notes it produced, and the
rubric changes it led to. For the screen, `annotator session summary`, and the
HTML report (:func:`summary_html` is a self-contained fragment).

    >>> data = session_summary(project, "Nov")
    >>> data["agreement"]["before"]["quality"]["alpha"], data["agreement"]["after"]["quality"]
"""

from __future__ import annotations

import html
from typing import Any

from annotator.calibration.decisions import session_anchors, session_decisions, session_versions
from annotator.calibration.reveal import round_agreement, show_value
from annotator.calibration.sessions import (
    Session,
    get_session,
    list_notes,
    list_sessions,
    round_progress,
)
from annotator.quality.value_agreement import SHOWN
from annotator.rubric.diff import diff_rubrics
from annotator.rubric.versions import get_version
from annotator.stats.defaults import N_BOOT
from annotator.store.project import Project

NAMES = {
    "alpha": "Krippendorff's alpha",
    "fleiss_kappa": "Fleiss' kappa",
    "gwet_ac1": "Gwet's AC1",
    "percent_agreement": "Percent agreement",
}


def _change(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in SHOWN:
        a, b = before.get(key), after.get(key)
        out[key] = b - a if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
    return out


def session_summary(
    project: Project, session: int | str | Session, *, n_boot: int = N_BOOT, seed: int | None = 0
) -> dict[str, Any]:
    """Everything about a session, JSON-ready (see the module docstring)."""
    found = get_session(project, session)
    base = get_version(project, found.rubric_version_id)
    rounds = []
    measured: dict[int, dict[str, Any]] = {}
    for chosen in found.rounds:
        version = get_version(project, chosen.rubric_version_id)
        if chosen.revealed:
            measured[chosen.number] = round_agreement(
                project, found, chosen.number, n_boot=n_boot, seed=seed
            )
        rounds.append(
            {
                "number": chosen.number,
                "status": chosen.status,
                "rubric_version": version.label,
                "items": list(chosen.items),
                "answered": {
                    name: done
                    for name, (done, _) in round_progress(project, found, chosen.number).items()
                },
                "agreement": measured.get(chosen.number),
            }
        )
    before = measured.get(1)
    last = max((n for n in measured if n > 1), default=None)
    after = measured.get(last) if last is not None else None
    agreement: dict[str, Any] = {
        "before": before,
        "after": after,
        "before_round": 1 if before is not None else None,
        "after_round": last,
        "change": (
            {name: _change(before[name], after[name]) for name in before if name in after}
            if before is not None and after is not None
            else None
        ),
    }
    decisions = []
    for decision in session_decisions(project, found):
        version = get_version(project, _round_version(found, decision.item_id))
        criterion = (
            version.criterion(decision.criterion) if decision.criterion in version.keys else None
        )
        decisions.append(
            {
                "item_id": decision.item_id,
                "criterion": decision.criterion,
                "value": decision.value,
                "shown": show_value(criterion, decision.value)
                if criterion
                else str(decision.value),
                "rationale": decision.rationale,
                "decided_by": decision.created_by,
                "decided_at": decision.created_at,
            }
        )
    changes = []
    for version in session_versions(project, found):
        diff = diff_rubrics(base, version, base.label, version.label)
        changes.append(
            {
                "version": version.label,
                "note": version.note,
                "published_at": version.published_at,
                "published_by": version.published_by,
                "diff": diff.to_dict(),
                "text": diff.to_text(),
            }
        )
    return {
        "session": {
            "id": found.id,
            "name": found.name,
            "mode": found.mode,
            "status": found.status,
            "rubric_version": base.label,
            "selection": found.selection,
            "created_at": found.created_at,
            "created_by": found.created_by,
        },
        "participants": list(found.participants),
        "items": list(found.items),
        "rounds": rounds,
        "agreement": agreement,
        "decisions": decisions,
        "anchors": session_anchors(project, found),
        "notes": [note.to_dict() for note in list_notes(project, found)],
        "rubric_changes": changes,
    }


def _round_version(session: Session, item_id: str) -> int:
    for chosen in reversed(session.rounds):
        if chosen.revealed and item_id in chosen.items:
            return chosen.rubric_version_id
    return session.rubric_version_id


# -- text and HTML ---------------------------------------------------------------------------


def fmt(value: float | None, ci: list[float] | None = None) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}"
    if ci:
        text += f" [{ci[0]:.2f}, {ci[1]:.2f}]"
    return text


def agreement_rows(summary: dict[str, Any]) -> list[list[str]]:
    """[criterion, alpha before, alpha after, change in alpha, percent agreement before,
    after] per criterion measured; intervals in brackets, '—' where not defined."""
    agreement = summary["agreement"]
    before = agreement["before"] or {}
    after = agreement["after"] or {}
    rows = []
    for name in dict.fromkeys([*before, *after]):
        b, a = before.get(name, {}), after.get(name, {})
        change = (agreement["change"] or {}).get(name, {}).get("alpha")
        rows.append(
            [
                name,
                fmt(b.get("alpha"), b.get("alpha_ci")),
                fmt(a.get("alpha"), a.get("alpha_ci")) if after else "not measured",
                "—" if change is None else f"{change:+.2f}",
                _percent(b.get("percent_agreement")),
                _percent(a.get("percent_agreement")) if after else "—",
            ]
        )
    return rows


def undefined_reasons(summary: dict[str, Any]) -> list[str]:
    """Why an alpha in the table is '—' ("round 2, topic: not defined, because ...")."""
    agreement = summary["agreement"]
    out = []
    for label, figures in (("round 1", agreement["before"]), ("after", agreement["after"])):
        for name, entry in (figures or {}).items():
            if entry.get("alpha") is None and entry.get("alpha_reason"):
                out.append(f"{label}, {name}: {entry['alpha_reason']}")
    return out


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def summary_markdown(summary: dict[str, Any]) -> str:
    """The summary as markdown (the screen renders it; the CLI prints it)."""
    session = summary["session"]
    lines = [
        f"# {session['name']}",
        "",
        f"{session['mode']} session under {session['rubric_version']}, "
        f"created {session['created_at'][:10]} by {session['created_by']}; {session['status']}.",
        "",
        f"**Participants:** {', '.join(summary['participants'])}  ",
        f"**Items ({len(summary['items'])}):** {', '.join(summary['items'])}",
        "",
        "## Agreement before and after",
        "",
    ]
    agreement = summary["agreement"]
    if agreement["before"] is None:
        lines.append("Round 1 is not revealed yet.")
    else:
        after = agreement["after_round"]
        head = f"round {after}" if after else "after"
        lines += [
            f"Krippendorff's alpha with 95% intervals, and percent agreement (round 1 vs {head}):",
            "",
            f"| criterion | alpha, round 1 | alpha, {head} | change | agree, round 1 | "
            f"agree, {head} |",
            "|---|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in agreement_rows(summary)]
        reasons = undefined_reasons(summary)
        if reasons:
            lines += ["", *[f"- {reason}" for reason in reasons]]
        if after is None:
            lines += ["", "No second round has been revealed, so there is no 'after' yet."]
    lines += ["", "## Decisions", ""]
    if not summary["decisions"]:
        lines.append("None yet.")
    for d in summary["decisions"]:
        why = f" — {d['rationale']}" if d["rationale"] else ""
        lines.append(f"- `{d['item_id']}` · {d['criterion']} = **{d['shown']}**{why}")
    if summary["anchors"]:
        lines += ["", "## New anchors", ""]
        for anchor in summary["anchors"]:
            lines.append(f"- `{anchor['item_id']}`: {anchor['reference']} ({anchor['status']})")
    lines += ["", "## Guideline notes", ""]
    if not summary["notes"]:
        lines.append("None.")
    for note in summary["notes"]:
        about = " · ".join(x for x in (note["criterion"], note["item_id"]) if x)
        lines.append(f"- {note['text']}" + (f" ({about})" if about else ""))
    lines += ["", "## Rubric changes", ""]
    if not summary["rubric_changes"]:
        lines.append("No new rubric version came out of this session yet.")
    for change in summary["rubric_changes"]:
        lines.append(f"**{change['version']}**: {change['note'] or 'no note'}")
        lines += ["", "```", change["text"], "```", ""]
    return "\n".join(lines)


def summary_html(summary: dict[str, Any]) -> str:
    """A self-contained HTML fragment (a <section>) for the project report."""
    e = html.escape
    session = summary["session"]
    parts = [
        f"<section class='calibration'><h3>{e(session['name'])}</h3>",
        f"<p>{e(session['mode'])} session under {e(session['rubric_version'])}; participants: "
        f"{e(', '.join(summary['participants']))}; {len(summary['items'])} items.</p>",
        "<table><thead><tr><th>criterion</th><th>alpha, round 1</th><th>alpha, after</th>"
        "<th>change</th><th>agreement, round 1</th><th>agreement, after</th></tr></thead>"
        "<tbody>",
    ]
    for row in agreement_rows(summary):
        parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>")
    parts.append("</tbody></table><h4>Decisions</h4><ul>")
    for d in summary["decisions"]:
        why = f" — {e(d['rationale'])}" if d["rationale"] else ""
        parts.append(
            f"<li><code>{e(d['item_id'])}</code> {e(d['criterion'])} = "
            f"<b>{e(d['shown'])}</b>{why}</li>"
        )
    parts.append("</ul><h4>Rubric changes</h4><ul>")
    for change in summary["rubric_changes"]:
        parts.append(f"<li>{e(change['version'])}: {e(change['note'] or '')}</li>")
    parts.append("</ul></section>")
    return "".join(parts)


def sessions_html(
    project: Project, *, n_boot: int = N_BOOT, seed: int | None = 0, real_names: bool = True
) -> str:
    """Every session's summary as HTML sections, for the project report ("" if none);
    participants by pseudonym unless `real_names`."""
    shown = {} if real_names else dict(project.rows("SELECT name, pseudonym FROM annotators"))
    parts = []
    for session in list_sessions(project):
        summary = session_summary(project, session, n_boot=n_boot, seed=seed)
        if not real_names:
            summary["participants"] = [shown.get(p, p) for p in summary["participants"]]
        parts.append(summary_html(summary))
    if not parts:
        return ""
    return "<h2 id='calibration-section'>Calibration sessions</h2>" + "".join(parts)


__all__ = [
    "sessions_html",
    "agreement_rows",
    "session_summary",
    "summary_html",
    "summary_markdown",
    "undefined_reasons",
]
