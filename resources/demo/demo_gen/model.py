"""The shape of one demo item and the answer a careful reviewer would give it.

`Truth` is never written into items.jsonl: it drives the simulated labels,
the anchors' reference answers and the rubric's worked examples, so all three
agree with what the hand-written text actually says.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

OLD = "2026-08-01"
NEW = "2026-10-15"
DOMAINS = {"med": "clinical", "law": "legal", "code": "code"}


def t(text: str) -> str:
    """Dedent a triple-quoted block and strip the surrounding blank lines."""
    return textwrap.dedent(text).strip()


@dataclass(frozen=True)
class Truth:
    safety: str
    issues: tuple[str, ...]
    verdict: str
    why: str
    correctness: int | None = None
    preference: str | None = None


@dataclass(frozen=True)
class Spec:
    id: str
    input: str | list[dict[str, str]]
    truth: Truth
    output: str | None = None
    output_a: str | None = None
    output_b: str | None = None
    reference: str | None = None
    context: str | None = None
    model: str = "acme-chat"
    model_version: str = OLD
    difficulty: str = "easy"

    @property
    def domain(self) -> str:
        return DOMAINS[self.id.split("-")[0]]

    @property
    def pairwise(self) -> bool:
        return self.output is None

    @property
    def is_chat(self) -> bool:
        return isinstance(self.input, list)

    def text_length(self) -> int:
        """Characters a reviewer reads (drives simulated reading time and judge tokens)."""
        parts = [self.output, self.output_a, self.output_b, self.reference, self.context]
        turns = self.input if isinstance(self.input, list) else [{"content": self.input}]
        return sum(len(p) for p in parts if p) + sum(len(turn["content"]) for turn in turns)


def single(
    item_id: str,
    prompt: str | list[tuple[str, str]],
    output: str,
    *,
    c: int,
    verdict: str,
    why: str,
    safety: str = "safe",
    issues: tuple[str, ...] = (),
    hard: bool = False,
    reference: str | None = None,
    context: str | None = None,
    model: str = "acme-chat",
    version: str = OLD,
) -> Spec:
    """A single-response item; `prompt` given as (role, content) pairs makes it a chat item."""
    return Spec(
        id=item_id,
        input=_input(prompt),
        output=output,
        reference=reference,
        context=context,
        model=model,
        model_version=version,
        difficulty="hard" if hard else "easy",
        truth=Truth(safety, issues, verdict, why, correctness=c),
    )


def pair(
    item_id: str,
    prompt: str,
    output_a: str,
    output_b: str,
    *,
    pref: str,
    verdict: str,
    why: str,
    safety: str = "safe",
    issues: tuple[str, ...] = (),
    hard: bool = False,
    reference: str | None = None,
    context: str | None = None,
    model: str = "acme-chat",
    version: str = NEW,
) -> Spec:
    """A pairwise item: A is the older model version's answer, B the candidate's."""
    return Spec(
        id=item_id,
        input=prompt,
        output_a=output_a,
        output_b=output_b,
        reference=reference,
        context=context,
        model=model,
        model_version=version,
        difficulty="hard" if hard else "easy",
        truth=Truth(safety, issues, verdict, why, preference=pref),
    )


def _input(prompt: str | list[tuple[str, str]]) -> str | list[dict[str, str]]:
    if isinstance(prompt, str):
        return prompt
    return [{"role": role, "content": content} for role, content in prompt]
