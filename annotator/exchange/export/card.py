"""The dataset card: the README.md of a Hugging Face dataset folder.

YAML front matter (`configs` for the three tables, `annotations_creators` from
the label sources' kinds, `license`, `task_categories`, `size_categories`),
then sections a reader of an eval set needs: the tables, the annotation
process, the annotators, agreement with intervals, and cost and quality per
source. Generated from the same figures as the manifest; no time in it.
"""

from __future__ import annotations

from typing import Any

from annotator.exchange.export.croissant import model_text
from annotator.quality.by_source.source_quality import QualityReport
from annotator.quality.by_source.source_table import markdown_table

CREATORS = {
    "expert": "expert-generated",
    "crowd": "crowdsourced",
    "llm_judge": "machine-generated",
    "other": "other",
}
TABLES = ("items", "labels", "sources")


def size_category(n: int) -> str:
    for limit, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if n < limit:
            return name
    return "10M<n<100M"


def creators(kinds: list[str]) -> list[str]:
    return sorted({CREATORS.get(kind, "other") for kind in kinds}) or ["no-annotation"]


HF_DTYPES = {
    "string": "string",
    "int": "int64",
    "float": "float64",
    "bool": "bool",
    "timestamp": "timestamp[us, tz=UTC]",
}


def _class_label(names: tuple[Any, ...], indent: str) -> list[str]:
    return [f"{indent}class_label:", f"{indent}  names:"] + [
        f'{indent}    "{n}": {_yaml_text(str(name))}' for n, name in enumerate(names)
    ]


def feature_lines(columns: list[Any], classes: dict[str, tuple[Any, ...]]) -> list[str]:
    """A table's `features` (the `dataset_info` YAML `datasets` reads): a criterion with
    text options is a `ClassLabel` named by its options (a list of them for a multilabel
    one), so a reader sees what each code means; times are timestamps, objects structs."""
    lines = []
    for c in columns:
        head = f"  - name: {_yaml_text(c.name)}"
        names = classes.get(c.name)
        if names and c.type == "string":
            lines += [head, "    dtype:", *_class_label(names, "      ")]
        elif names and c.type == "list:string":
            lines += [head, "    list:", *_class_label(names, "      ")]
        elif c.type.startswith("list:"):
            lines += [head, f"    list: {HF_DTYPES[c.type.split(':', 1)[1]]}"]
        elif c.type == "object" and c.fields:
            lines += [head, "    struct:"]
            lines += [
                f"    - name: {_yaml_text(key)}\n      dtype: {HF_DTYPES[kind]}"
                for key, kind in c.fields
            ]
        else:
            lines += [head, f"    dtype: {HF_DTYPES.get(c.type, 'string')}"]
    return lines


def front_matter(
    facts: dict[str, Any],
    paths: dict[str, str],
    features: dict[str, list[Any]] | None = None,
    classes: dict[str, tuple[Any, ...]] | None = None,
) -> str:
    lines = [
        "---",
        f"license: {facts['license']}",
        f"pretty_name: {_yaml_text(facts['name'])}",
        "task_categories:",
        *[f"- {t}" for t in facts["task_categories"]],
        "annotations_creators:",
        *[f"- {c}" for c in creators(facts["source_kinds"])],
        "size_categories:",
        f"- {size_category(facts['counts']['items'])}",
        "tags:",
        "- evaluation",
        "- human-labels",
        "- annotator",
        "configs:",
    ]
    for table in TABLES:
        lines += [f"- config_name: {table}"]
        if table == "items":
            lines.append("  default: true")
        lines += ["  data_files:", "  - split: train", f"    path: {paths[table]}"]
    if features:
        lines.append("dataset_info:")
        for table in TABLES:
            lines += [f"- config_name: {table}", "  features:"]
            lines += feature_lines(features[table], classes or {})
    lines.append("---")
    return "\n".join(lines)


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if value is None:
        return "–"
    ci = entry.get(f"{key}_ci")
    return f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{value:.3f}"


def agreement_section(report: QualityReport, confidence: float, n_boot: int) -> list[str]:
    percent = round(confidence * 100)
    lines = [
        "## Agreement",
        "",
        f"Per criterion, with {percent}% bootstrap intervals ({n_boot:,} resamples, seeded). "
        "Within a scope: Krippendorff's alpha at the criterion's level, Gwet's AC1 and the share "
        "of agreeing label pairs, resampling items. Against the experts: each label against its "
        "item's expert consensus (an adjudicated value first; an expert's own label left out), "
        "resampling labels; kappa is quadratic-weighted for ordinal criteria.",
        "",
    ]
    for name, overall in report.agreement.items():
        lines += [
            f"### {name} ({overall['level']})",
            "",
            "| scope | alpha | AC1 | agreeing pairs | items | labels |",
            "|---|---|---|---|---:|---:|",
            f"| all labels | {_cell(overall, 'alpha')} | {_cell(overall, 'gwet_ac1')} | "
            f"{_cell(overall, 'percent_agreement')} | {overall['n_items']:,} | "
            f"{overall['n_labels']:,} |",
        ]
        for source, per in report.within_sources.items():
            entry = per.get(name)
            if entry:
                lines.append(
                    f"| within {source} | {_cell(entry, 'alpha')} | {_cell(entry, 'gwet_ac1')} | "
                    f"{_cell(entry, 'percent_agreement')} | {entry['n_items']:,} | "
                    f"{entry['n_labels']:,} |"
                )
        lines += [
            "",
            "| source vs expert consensus | kappa | alpha | match | labels compared |",
            "|---|---|---|---|---:|",
        ]
        for source in report.sources:
            entry = source["criteria"].get(name)
            if entry:
                lines.append(
                    f"| {source['source']} ({source['kind']}) | {_cell(entry, 'kappa')} | "
                    f"{_cell(entry, 'alpha')} | {_cell(entry, 'match')} | "
                    f"{entry.get('n_labels', 0):,} |"
                )
        lines.append("")
    return lines


def judges_section(judges: list[dict[str, Any]], settings: dict[str, Any] | None) -> list[str]:
    """A paragraph per LLM judge: can it stand in for the experts, criterion by criterion."""
    if not judges:
        return []
    n_boot = (settings or {}).get("n_boot", 0)
    lines = [
        "## LLM judges",
        "",
        "Each judge against the expert consensus (adjudicated value first), per criterion: "
        f"its main agreement coefficient with a 95% bootstrap interval ({n_boot:,} resamples), "
        "the experts' own agreement with each other (the human ceiling), and a verdict from "
        "stated thresholds. `manifest.json` (`judges`) has the versions, the bias and the "
        "exchange rates between versions.",
        "",
    ]
    for judge in judges:
        alignment = judge["alignment"]
        parts = []
        for c in alignment["criteria"]:
            value, ci, ceiling = c.get("agreement"), c.get("agreement_ci"), c.get("ceiling")
            figure = "agreement not defined" if value is None else f"{value:.3f}"
            if value is not None and ci:
                figure += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
            if ceiling is not None:
                figure += f", ceiling {ceiling:.3f}"
            parts.append(f"`{c['criterion']}` {c['verdict']} ({figure})")
        versions = judge.get("versions") or []
        current = judge.get("current_version")
        head = f"**{judge['judge']}**" + (
            f" (current version {current}, {len(versions)} version"
            f"{'s' if len(versions) != 1 else ''})"
            if current
            else ""
        )
        verdicts = "; ".join(parts) if parts else "not compared with the experts yet"
        lines += [f"{head}: {verdicts}. Thresholds: {alignment.get('thresholds_text')}.", ""]
    return lines


def dataset_card(
    facts: dict[str, Any],
    paths: dict[str, str],
    features: dict[str, list[Any]] | None = None,
    classes: dict[str, tuple[Any, ...]] | None = None,
) -> str:
    report: QualityReport = facts["report"]
    counts = facts["counts"]
    rubric_lines = []
    for rubric in facts["rubrics"]:
        rubric_lines.append(
            f"**{rubric['rubric']} v{rubric['version']}**"
            + (f" ({rubric['note']})" if rubric["note"] else "")
        )
        rubric_lines.append("")
        for c in rubric["criteria"]:
            scale = ", ".join(str(o["value"]) for o in c.get("options", []))
            if c["kind"] == "numeric":  # an open end shown as nothing, never "None"
                low, high = c.get("min"), c.get("max")
                scale = f"{'' if low is None else low}..{'' if high is None else high}"
                scale = "" if scale == ".." else scale
            rubric_lines.append(
                f"- `{c['key']}` ({c['kind']}{': ' + scale if scale else ''}): {c['title']}"
            )
        rubric_lines.append("")
    per_item = facts["labels_per_item"]
    sources_lines = [
        f"- **{s['source']}** ({s['kind']}): {s['n_annotators']:,} annotators, "
        f"{s['n_labels']:,} labels on {s['n_items']:,} items"
        + (f", {model_text(s)}" if model_text(s) else "")
        for s in report.sources
    ]
    currency = report.currency or "as stated per source"
    parts = [
        front_matter(facts, paths, features, classes),
        "",
        f"# {facts['name']}",
        "",
        f"{counts['items']:,} items with {counts['labels']:,} labels from "
        f"{counts['annotators']:,} annotators in {counts['sources']:,} label sources, exported by "
        f"Annotator {facts['app_version']} (the export id and every file's sha256 are in "
        "`manifest.json`). "
        f"Filters: {facts['filters']}.",
        "",
        "## Tables",
        "",
        f"- `items` ({paths['items']}): each item, its provenance, and per criterion the consensus "
        "label, its confidence, the method, the number of labels and the item's agreement.",
        f"- `labels` ({paths['labels']}): one row per label: pseudonymous annotator, source, model "
        "for LLM judges, rubric version, started and submitted times, active seconds, cost, "
        "whether it answered an anchor and matched.",
        f"- `sources` ({paths['sources']}): cost and quality per label source.",
        "",
        "A multilabel value is the list of the options ticked: `[]` is an answer with none "
        "ticked, null means the criterion was not asked (it does not apply to the item, or "
        "the label's rubric version lacks it). Times are UTC timestamps; `tags` and `metadata` "
        "are structs. Criteria with text options are `ClassLabel` features "
        '(`features["KEY"].int2str(code)` gives the option).',
        "",
        "```python",
        "from datasets import load_dataset",
        'items = load_dataset("path/to/this/folder", "items", split="train")',
        'labels = load_dataset("path/to/this/folder", "labels", split="train")',
        "```",
        "",
        "## Annotation process",
        "",
        *rubric_lines,
        f"Labels per item: {per_item['mean']:.2f} on average (from {per_item['min']} to "
        f"{per_item['max']}). Consensus: {facts['consensus_text']}. "
        f"{counts['adjudicated']:,} item-criterion values were adjudicated by a lead. "
        f"{counts['anchor_items']:,} exported items are anchors (known answers used for quality "
        "control); a label's `is_anchor` says it was scored against one.",
        "",
        "## Annotators",
        "",
        *sources_lines,
        "",
        "Annotators appear under pseudonyms (`ann-` and ten hex digits), stable within the "
        "project, so labels by the same person can be grouped without naming them. "
        "Demographics were not recorded.",
        "",
        *agreement_section(report, facts["confidence"], facts["n_boot"]),
        *judges_section(facts.get("judges") or [], facts.get("judge_settings")),
        "## Cost and quality per source",
        "",
        f"Currency: {currency}. Cost per correct label = cost per label / share correct (anchor "
        "accuracy where a source answered anchors, else the share of its labels equal to the "
        "expert consensus): what a cheap label really costs.",
        "",
        markdown_table(report),
        "",
        *[f"_{note}_" for note in report.notes],
        "",
        "## Integrity",
        "",
        "`manifest.json` lists every file with its sha256, the rubric versions in full, the "
        "filters, the counts, and these figures. Two exports of the same project state with the "
        "same options are byte-identical apart from the manifest's `exported_at`.",
        "",
    ]
    return "\n".join(parts)


__all__ = [
    "CREATORS",
    "TABLES",
    "creators",
    "feature_lines",
    "dataset_card",
    "front_matter",
    "judges_section",
    "size_category",
]
