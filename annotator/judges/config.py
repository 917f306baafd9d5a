"""LLM judges: settings, the derived versions, and adding, listing and reading them.

A judge is a label source of kind `llm_judge` with one annotator of the same name.
Its settings are stored as JSON, with the *name* of the environment variable that
holds its API key, never the key. Its version is derived, never typed: the model and
`system_fingerprint` the server reports, the endpoint's host, the prompt template's
hash, the rubric version and the sampling settings; any change makes a new version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlparse

from annotator.base.clock import now_iso
from annotator.base.errors import AnnotatorError, NotFoundError
from annotator.sources.sources import CostModel, ensure_annotator, ensure_source
from annotator.store.project import Project


class JudgeError(AnnotatorError):
    """A judge cannot be added, reached or run as asked; the message says what to change."""


@dataclass(frozen=True)
class JudgeConfig:
    name: str
    base_url: str
    model: str
    api_key_env: str | None = None
    prompt_template: str | None = None  # the user's template text; None: the default
    temperature: float | None = None
    seed: int | None = None
    samples: int = 1
    max_tokens: int | None = None
    input_price: float | None = None  # per million tokens
    output_price: float | None = None
    currency: str = "USD"
    timeout_s: float = 60

    @property
    def host(self) -> str:
        parsed = urlparse(self.base_url)
        return parsed.netloc or self.base_url

    def sampling(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "seed": self.seed,
            "samples": self.samples,
            "max_tokens": self.max_tokens,
        }

    def price(self, tokens_in: int | None, tokens_out: int | None) -> float | None:
        """What the tokens cost, or None when the judge has no prices."""
        if self.input_price is None and self.output_price is None:
            return None
        return ((tokens_in or 0) * (self.input_price or 0.0)) / 1e6 + (
            (tokens_out or 0) * (self.output_price or 0.0)
        ) / 1e6

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JudgeVersion:
    id: int
    label: str  # "v3"
    reported_model: str
    system_fingerprint: str | None
    host: str
    prompt_sha: str
    rubric_version: int  # the rubric version's number
    sampling: dict[str, Any] = field(compare=False, hash=False)
    first_seen: str = ""
    labels: int = 0
    rubric_version_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Judge:
    id: int
    name: str
    config: JudgeConfig
    source_id: int
    annotator_id: int
    versions: tuple[JudgeVersion, ...] = ()

    @property
    def current_version(self) -> JudgeVersion | None:
        return self.versions[-1] if self.versions else None

    def to_dict(self) -> dict[str, Any]:
        current = self.current_version
        return {
            "name": self.name,
            "config": self.config.to_dict(),
            "source_id": self.source_id,
            "current_version": current.label if current else None,
            "versions": [v.to_dict() for v in self.versions],
        }


def version_key(
    reported_model: str,
    fingerprint: str | None,
    host: str,
    prompt_sha: str,
    rubric_version_id: int,
    sampling: dict[str, Any],
) -> str:
    text = json.dumps(
        [reported_model, fingerprint, host, prompt_sha, rubric_version_id, sampling],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _check_config(config: JudgeConfig) -> None:
    parsed = urlparse(config.base_url)
    problems = []
    if not config.name.strip():
        problems.append("a judge needs a name")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"--base-url {config.base_url!r} is not an http(s) URL")
    if not config.model.strip():
        problems.append("--model is empty")
    if config.samples < 1:
        problems.append("--samples must be 1 or more")
    if config.temperature is not None and config.temperature < 0:
        problems.append("--temperature must be 0 or more")
    if config.max_tokens is not None and config.max_tokens < 1:
        problems.append("--max-tokens must be 1 or more")
    if any(p is not None and p < 0 for p in (config.input_price, config.output_price)):
        problems.append("prices must be 0 or more")
    if config.timeout_s <= 0:
        problems.append("the timeout must be positive")
    if config.api_key_env is not None and not config.api_key_env.strip():
        problems.append("--api-key-env names no variable")
    if problems:
        raise JudgeError(f"Judge {config.name!r} was not added: {'; '.join(problems)}.")


def add_judge(project: Project, config: JudgeConfig) -> Judge:
    """Add a judge (its source and annotator too), in one transaction."""
    # lazy: jinja2 loads only when a prompt is checked or rendered
    from annotator.judges.prompt import check_template

    _check_config(config)
    if config.prompt_template is not None:
        check_template(config.prompt_template)
    if project.row("SELECT 1 FROM judges WHERE name = ?", (config.name,)):
        raise JudgeError(f"A judge named {config.name!r} already exists in this project.")
    config = JudgeConfig(**{**config.to_dict(), "currency": (config.currency or "USD").upper()})
    cost = None
    if config.input_price is not None or config.output_price is not None:
        cost = CostModel("per_token", (config.input_price or 0.0) / 1e6, config.currency)
    with project.transaction():
        if project.row("SELECT 1 FROM sources WHERE name = ?", (config.name,)):
            raise JudgeError(
                f"A label source named {config.name!r} already exists; choose another judge name."
            )
        source = ensure_source(
            project,
            config.name,
            "llm_judge",
            cost_model=cost,
            model_id=config.model,
            params=config.sampling(),
        )
        annotator = ensure_annotator(project, config.name, source)
        project.conn.execute(
            "INSERT INTO judges(name, source_id, config, created_at) VALUES (?, ?, ?, ?)",
            (config.name, source.id, json.dumps(config.to_dict(), sort_keys=True), now_iso()),
        )
        project.audit(
            "add_judge",
            target=config.name,
            details={"model": config.model, "host": config.host, **config.sampling()},
        )
    del annotator
    return get_judge(project, config.name)


def _judge_from_row(project: Project, row: Any) -> Judge:
    config = JudgeConfig(**json.loads(row["config"]))
    annotator_id = project.scalar(
        "SELECT id FROM annotators WHERE source_id = ?", (row["source_id"],)
    )
    return Judge(
        id=row["id"],
        name=row["name"],
        config=config,
        source_id=row["source_id"],
        annotator_id=annotator_id,
        versions=tuple(_versions(project, row["id"])),
    )


def get_judge(project: Project, name: str) -> Judge:
    row = project.row("SELECT * FROM judges WHERE name = ?", (name,))
    if row is None:
        names = [r[0] for r in project.rows("SELECT name FROM judges ORDER BY name")]
        known = f" (this project has: {', '.join(names)})" if names else " (it has none yet)"
        raise NotFoundError(f"No judge named {name!r} in this project{known}.")
    return _judge_from_row(project, row)


def list_judges(project: Project) -> list[Judge]:
    return [_judge_from_row(project, r) for r in project.rows("SELECT * FROM judges ORDER BY id")]


def _versions(project: Project, judge_id: int) -> list[JudgeVersion]:
    rows = project.rows(
        "SELECT v.*, rv.version AS rubric_number, (SELECT count(*) FROM judge_results r "
        "WHERE r.version_id = v.id AND r.outcome = 'label') AS n_labels "
        "FROM judge_versions v JOIN rubric_versions rv ON rv.id = v.rubric_version_id "
        "WHERE v.judge_id = ? ORDER BY v.number",
        (judge_id,),
    )
    return [version_from_row(r) for r in rows]


def version_from_row(row: Any) -> JudgeVersion:
    return JudgeVersion(
        id=row["id"],
        label=f"v{row['number']}",
        reported_model=row["reported_model"],
        system_fingerprint=row["system_fingerprint"],
        host=row["host"],
        prompt_sha=row["prompt_sha"],
        rubric_version=row["rubric_number"],
        sampling=json.loads(row["sampling"]),
        first_seen=row["first_seen"],
        labels=row["n_labels"],
        rubric_version_id=row["rubric_version_id"],
    )


def judge_versions(project: Project, name: str) -> list[JudgeVersion]:
    return list(get_judge(project, name).versions)


def ensure_version(
    project: Project,
    judge: Judge,
    reported_model: str,
    fingerprint: str | None,
    prompt_sha: str,
    rubric_version_id: int,
) -> int:
    """The id of the judge version these facts make, created if new (inside a transaction).
    A new version also becomes the source's model_version and prompt_version."""
    config = judge.config
    sampling = config.sampling()
    key = version_key(
        reported_model, fingerprint, config.host, prompt_sha, rubric_version_id, sampling
    )
    row = project.row(
        "SELECT id FROM judge_versions WHERE judge_id = ? AND version_key = ?", (judge.id, key)
    )
    if row is not None:
        return row[0]
    number = 1 + (
        project.scalar("SELECT max(number) FROM judge_versions WHERE judge_id = ?", (judge.id,))
        or 0
    )
    version_id = project.conn.execute(
        "INSERT INTO judge_versions(judge_id, number, version_key, reported_model, "
        "system_fingerprint, host, prompt_sha, rubric_version_id, sampling, first_seen) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            judge.id,
            number,
            key,
            reported_model,
            fingerprint,
            config.host,
            prompt_sha,
            rubric_version_id,
            json.dumps(sampling, sort_keys=True),
            now_iso(),
        ),
    ).lastrowid
    model_version = reported_model + (f" ({fingerprint})" if fingerprint else "")
    project.conn.execute(
        "UPDATE sources SET model_version = ?, prompt_version = ? WHERE id = ?",
        (model_version, prompt_sha[:12], judge.source_id),
    )
    project.audit(
        "judge_version",
        target=judge.name,
        details={"version": f"v{number}", "model": reported_model, "fingerprint": fingerprint},
    )
    return version_id
