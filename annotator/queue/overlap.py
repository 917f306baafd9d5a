"""The overlap design: which annotators share which items, balanced (pure functions).

A share of items goes to groups of k annotators so agreement can be measured.
The groups rotate "offset sets" over the team: each full rotation gives every
annotator exactly k items, and the offset sets are chosen so that their
pairwise circular differences cover every difference, which puts every pair
of annotators together within the first few rotations, whatever the team size.
"""

from __future__ import annotations

import hashlib
import random
from itertools import combinations

from annotator.queue.settings import QueueError


def _difference(a: int, b: int, m: int) -> int:
    d = (a - b) % m
    return min(d, m - d)


def offset_sets(m: int, k: int) -> list[list[int]]:
    """Offset sets whose pairwise (circular) differences cover every difference
    1..m//2: rotating each set over the m annotators then puts every pair
    together in some group, with every annotator in exactly k groups per rotation."""
    needed = {_difference(d, 0, m) for d in range(1, m)}
    sets: list[list[int]] = []
    while needed:
        offsets = [0, min(needed)]
        while len(offsets) < k:
            covered = {_difference(a, b, m) for a, b in combinations(offsets, 2)}
            open_ = needed - covered
            best = max(
                (c for c in range(1, m) if c not in offsets),
                key=lambda c: (len({_difference(c, o, m) for o in offsets} & open_), -c),
            )
            offsets.append(best)
        needed -= {_difference(a, b, m) for a, b in combinations(offsets, 2)}
        sets.append(sorted(offsets))
    return sets or [list(range(k))]


def overlap_groups(m: int, k: int, n: int) -> list[tuple[int, ...]]:
    """`n` groups of `k` distinct annotator indices (0..m-1) for the overlapped items.

    Group j rotates offset set number (j // m) by j % m, so each block of m
    groups gives every annotator exactly k items, and the first
    m * len(offset_sets(m, k)) groups already pair everyone with everyone.
    """
    if not 2 <= k <= m:
        raise QueueError(f"Overlap needs k between 2 and the number of annotators ({m}).")
    sets = offset_sets(m, k)
    groups = []
    for j in range(n):
        offsets = sets[(j // m) % len(sets)]
        start = j % m
        groups.append(tuple(sorted((start + o) % m for o in offsets)))
    return groups


def seeded_order(n: int, key: str) -> list[int]:
    """A permutation of range(n) fixed by `key` (legacy RandomState: a frozen
    stream, so the same seed gives the same order on every NumPy version)."""
    import numpy as np  # only when assigning: keeps the CLI's start quick

    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big")
    return np.random.RandomState(digest).permutation(n).tolist()


def distribute(
    item_ids: list[str], m: int, overlap: float, k: int, rng: random.Random
) -> list[list[tuple[str, int]]]:
    """Per annotator index, its (item id, overlapped flag) pairs.

    `item_ids` are shuffled first; the first round(overlap * n) go to groups of
    k, the rest one each to whoever has the fewest so far (ties in a seeded order).
    """
    items = [item_ids[i] for i in seeded_order(len(item_ids), f"{rng.random()}|items")]
    n_over = round(overlap * len(items)) if k >= 2 and m >= 2 else 0
    per: list[list[tuple[str, int]]] = [[] for _ in range(m)]
    if n_over:
        for item_id, group in zip(items[:n_over], overlap_groups(m, k, n_over), strict=True):
            for index in group:
                per[index].append((item_id, 1))
    order = sorted(range(m), key=lambda i: (len(per[i]), rng.random()))
    for j, item_id in enumerate(items[n_over:]):
        per[order[j % m]].append((item_id, 0))
    return per
