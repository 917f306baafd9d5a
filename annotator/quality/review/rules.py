"""The assisted-review alert rules, as pure functions of counts (no database).

**Decoy acceptance.** A decoy shows a deliberately wrong suggestion on an item whose
expert answer is known; the label *accepts it as shown* when it equals the suggestion
on every criterion the suggestion got wrong. Someone who labels independently still
accepts some decoys by chance: when their own answer happens to be that wrong value.
That chance is at most their error rate on the criterion, so the rule's null rate for
a decoy is `min over its wrong criteria of (1 - L_c)`, with `L_c` the 95% Wilson
lower bound of the person's *unassisted* agreement with the experts on criterion c
(the team's pooled unassisted agreement when they have fewer than `min_unassisted`
such labels, `fallback_chance` when nobody has). The null rate of a run of decoys is
the mean of theirs, raised to the lead's `max_decoy_accept` (the set rate: accepting
no more than this is never flagged). After each decoy, the one-sided exact binomial
tail `P(X >= accepted | n decoys, null rate)` is computed; the person is flagged the
first time it falls below `alpha` (0.0001), and the alert dates from that decoy.

Measured (tests/test_decoys.py; anchors at 0.1 and decoys at 0.05 of served entries,
a binary criterion, a labeler right 70% of the time unassisted, so a wrong decoy
matches their own answer 30% of the time: the hardest case, ordinal and
multi-criterion decoys match far less often). An annotator who accepts every
suggestion is flagged at decoy 8 to 11 in 20 seeds run through the real queue and
submit path, and at decoy 7 to 15 in 300 simulated seeds (always within 50). One who
labels independently is flagged in 0 of 20 real-path seeds and 0 of 300 simulated
seeds over 2,000 labels (about 100 decoys, the rule checked after every one). With
a per-look alpha of 0.001 instead, accept-all was flagged a little sooner (decoy 6
to 12) but one real-path seed of 20 false-alarmed after its first 8 decoys all
happened to match, hence 0.0001.

**Assisted agreement.** Per criterion, the share of a person's assisted labels on
items with a known expert answer that equal it, against the share of their unassisted
ones: flagged when the one-sided two-proportion z-test (pooled) gives p < `agreement
_alpha` (0.01), with at least `min_pairs` labels on each side. Decoys count as
assisted labels: a wrong suggestion followed lowers assisted agreement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from annotator.stats.control_chart import wilson_interval


@dataclass(frozen=True)
class ReviewSettings:
    max_decoy_accept: float = 0.25
    alpha: float = 0.0001
    agreement_alpha: float = 0.01
    min_pairs: int = 20
    min_unassisted: int = 10
    fallback_chance: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_lower(successes: int, n: int) -> float:
    """The 95% Wilson score interval's lower end for a proportion (0 when n is 0)."""
    if n <= 0:
        return 0.0
    return max(0.0, float(wilson_interval(successes, n, 0.95)[0]))


def binomial_tail(successes: int, n: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(n, p), summed exactly in log space."""
    if successes <= 0:
        return 1.0
    if successes > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p
        + (n - k) * log_q
        for k in range(successes, n + 1)
    ]  # fmt: skip
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def chance_of(agree: int, n: int) -> float:
    """The most often an independent labeler with this record matches a wrong value."""
    return 1.0 - wilson_lower(agree, n)


@dataclass(frozen=True)
class DecoyVerdict:
    flagged_at: int | None  # 0-based index of the decoy at which the rule first fired
    decoys: int
    accepted: int
    null_rate: float
    p_value: float  # at the last decoy

    @property
    def flagged(self) -> bool:
        return self.flagged_at is not None


def decoy_scan(
    accepted: Sequence[bool], chances: Sequence[float], settings: ReviewSettings
) -> DecoyVerdict:
    """Apply the decoy rule after every decoy, in order (see the module docstring)."""
    hits = 0
    total_chance = 0.0
    first: int | None = None
    p_value = 1.0
    null = settings.max_decoy_accept
    for index, (ok, chance) in enumerate(zip(accepted, chances, strict=True)):
        hits += int(ok)
        total_chance += chance
        null = max(settings.max_decoy_accept, total_chance / (index + 1))
        p_value = binomial_tail(hits, index + 1, null)
        if first is None and p_value < settings.alpha:
            first = index
    return DecoyVerdict(first, len(accepted), hits, null, p_value)


@dataclass(frozen=True)
class AgreementVerdict:
    assisted: tuple[int, int]  # (agree, n)
    unassisted: tuple[int, int]
    z: float | None
    p_value: float | None
    flagged: bool


def normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def agreement_test(
    assisted: tuple[int, int], unassisted: tuple[int, int], settings: ReviewSettings
) -> AgreementVerdict:
    """One-sided pooled two-proportion z-test: is assisted agreement below unassisted?"""
    (k1, n1), (k2, n2) = assisted, unassisted
    if n1 < settings.min_pairs or n2 < settings.min_pairs:
        return AgreementVerdict(assisted, unassisted, None, None, False)
    pooled = (k1 + k2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return AgreementVerdict(assisted, unassisted, None, None, False)
    z = (k2 / n2 - k1 / n1) / spread
    p_value = normal_sf(z)
    return AgreementVerdict(assisted, unassisted, z, p_value, p_value < settings.agreement_alpha)


__all__ = [
    "AgreementVerdict",
    "DecoyVerdict",
    "ReviewSettings",
    "agreement_test",
    "binomial_tail",
    "chance_of",
    "decoy_scan",
    "wilson_lower",
]
