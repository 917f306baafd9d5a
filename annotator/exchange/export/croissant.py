"""Croissant 1.0 JSON-LD metadata with the Responsible AI (RAI) annotation fields.

Describes the three Parquet tables (a FileObject each, with its sha256, and a
RecordSet whose fields map to the columns) and, at the dataset level, how the
labels were made: `rai:dataAnnotationProtocol`, `rai:annotationsPerItem`,
`rai:dataAnnotationPlatform`, `rai:machineAnnotationTools`,
`rai:annotatorDemographics` and `rai:dataAnnotationAnalysis`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.exchange.export.columns import Column, element_type

CROISSANT = "croissant.json"
DATA_TYPES = {
    "string": "sc:Text",
    "int": "sc:Integer",
    "float": "sc:Float",
    "bool": "sc:Boolean",
    "timestamp": "sc:DateTime",
}
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _field(table: str, file_id: str, c: Column) -> dict[str, Any]:
    """A column as a Croissant field: a list is `repeated` of its element type, an object
    with keys has a sub-field per key (an object without any is its JSON text)."""
    out: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{table}/{c.name}",
        "name": c.name,
        "description": c.description or c.name,
    }
    source = {"fileObject": {"@id": file_id}, "extract": {"column": c.name}}
    if c.type.startswith("list:"):
        out.update(dataType=DATA_TYPES[element_type(c.type)], repeated=True)
    elif c.type == "object" and c.fields:
        out["subField"] = [
            {
                "@type": "cr:Field",
                "@id": f"{table}/{c.name}/{key}",
                "name": key,
                "dataType": DATA_TYPES[kind],
                "source": {**source, "transform": {"jsonPath": key}},
            }
            for key, kind in c.fields
        ]
    else:
        out["dataType"] = DATA_TYPES.get(c.type, "sc:Text")
    out["source"] = source
    return out


def _record_set(table: str, file_id: str, columns: list[Column]) -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet",
        "@id": table,
        "name": table,
        "field": [_field(table, file_id, c) for c in columns],
    }


def model_text(source: dict[str, Any]) -> str:
    """A source's model, model version and prompt version, those it has ("" if none)."""
    parts = [
        f"{name} {source[key]}"
        for key, name in (
            ("model_id", "model"),
            ("model_version", "model version"),
            ("prompt_version", "prompt version"),
        )
        if source.get(key) not in (None, "")
    ]
    return ", ".join(parts)


def croissant_metadata(
    facts: dict[str, Any],
    tables: dict[str, tuple[str, str, list[Column]]],
) -> dict[str, Any]:
    """`tables`: name -> (relative path, sha256, columns)."""
    report = facts["report"]
    per_item = facts["labels_per_item"]
    judges = [
        f"{s['source']}: {model_text(s) or 'model not recorded'}"
        for s in report.sources
        if s["kind"] == "llm_judge" or model_text(s)
    ]
    rubric = "; ".join(
        f"{r['rubric']} v{r['version']}: "
        + ", ".join(f"{c['key']} ({c['kind']})" for c in r["criteria"])
        for r in facts["rubrics"]
    )
    analysis = [
        f"{s['source']} ({s['kind']}): {s['n_labels']:,} labels; "
        + (
            f"kappa with the expert consensus {s['expert_kappa']:.3f}, "
            if s.get("expert_kappa") is not None
            else ""
        )
        + (f"match {s['expert_match']:.3f}; " if s.get("expert_match") is not None else "")
        + (
            f"anchor accuracy {s['anchor_accuracy']:.3f}; "
            if s.get("anchor_accuracy") is not None
            else ""
        )
        + (
            f"cost per correct label {s['cost_per_correct_label']:.4g} {s['currency']}"
            if s.get("cost_per_correct_label") is not None
            else "cost per correct label not known"
        )
        for s in report.sources
    ]
    for name, entry in report.agreement.items():
        alpha = entry.get("alpha")
        ci = entry.get("alpha_ci")
        analysis.append(
            f"{name}: Krippendorff's alpha over all labels "
            + (
                f"{alpha:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"
                if alpha is not None and ci
                else ("not defined" if alpha is None else f"{alpha:.3f}")
            )
        )
    distribution = []
    files = []
    record_sets = []
    for table, (path, digest, columns) in tables.items():
        file_id = f"{table}-file"
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": file_id,
                "name": file_id,
                "description": f"The {table} table (Parquet).",
                "contentUrl": path,
                "encodingFormat": "application/x-parquet",
                "sha256": digest,
            }
        )
        files.append(path)
        record_sets.append(_record_set(table, file_id, columns))
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": facts["slug"],
        "description": (
            f"{facts['name']}: {facts['counts']['items']:,} eval items with "
            f"{facts['counts']['labels']:,} labels, consensus per criterion, and the cost and "
            "quality of every label source. Exported by Annotator."
        ),
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": facts["license"],
        "citeAs": f"{facts['name']} (labeled and exported with Annotator {facts['app_version']})",
        "datePublished": facts["last_label_date"] or "1970-01-01",
        "url": "https://example.invalid/" + facts["slug"],
        "version": "1.0.0",
        "keywords": ["evaluation", "human labels", "annotation"],
        "distribution": distribution,
        "recordSet": record_sets,
        "rai:dataAnnotationProtocol": (
            f"Items were labeled against the versioned rubric {rubric}. "
            f"Consensus: {facts['consensus_text']}."
            + (
                " Anchor items with known answers were mixed into annotators' queues to measure "
                "accuracy."
                if any(s["anchor_answers"] for s in report.sources)
                else ""
            )
            + (
                " Test-retest repeats measure self-consistency."
                if any(s["repeat_pairs"] for s in report.sources)
                else ""
            )
        ),
        "rai:annotationsPerItem": (
            f"{per_item['mean']:.2f} labels per item on average (from {per_item['min']} to "
            f"{per_item['max']})."
        ),
        "rai:dataAnnotationPlatform": [
            f"Annotator {facts['app_version']} (offline desktop labeling app)",
            *[
                f"{s['source']} ({s['kind']}{'; ' + model_text(s) if model_text(s) else ''})"
                for s in report.sources
            ],
        ],
        "rai:machineAnnotationTools": judges or ["none"],
        "rai:annotatorDemographics": (
            "Not recorded. Annotators appear under stable pseudonyms; per source: "
            + "; ".join(
                f"{s['source']} ({s['kind']}) {s['n_annotators']:,}" for s in report.sources
            )
            + "."
        ),
        "rai:dataAnnotationAnalysis": analysis,
    }


def write_croissant(folder: Path, metadata: dict[str, Any]) -> Path:
    path = folder / CROISSANT
    path.write_text(
        json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    return path


__all__ = ["CROISSANT", "croissant_metadata", "model_text", "write_croissant"]
