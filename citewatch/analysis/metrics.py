"""Repeatability and presence metrics: pure functions over plain values, each with its formula.

Inputs are per-run sets or lists (cited domains, brands), so reports can feed them from SQL aggregates.
Formulas follow shared/reference/products-and-metrics.md §6; docs/metrics.md repeats them.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence, Set
from dataclasses import dataclass
from itertools import combinations

Z_95 = 1.959963984540054  # standard normal quantile for a two-sided 95 % interval


@dataclass(frozen=True, slots=True)
class Proportion:
    """k of n, with its 95 % Wilson interval."""

    k: int
    n: int
    low: float
    high: float

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else 0.0


def wilson_interval(k: int, n: int, z: float = Z_95) -> Proportion:
    """Wilson score interval: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n), p = k/n.

    Unlike p ± z·sqrt(p(1−p)/n) it stays inside [0, 1] and is honest for small n and for p near 0 or 1.
    With n = 0 nothing is known: the interval is [0, 1].
    """
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Proportion(0, 0, 0.0, 1.0)
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At k = 0 and k = n the bounds are exactly 0 and 1; say so rather than trust float rounding.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Proportion(k, n, low, high)


def rate(runs: Sequence[Set[Hashable]], item: Hashable) -> Proportion:
    """Share of runs in which `item` appears (mention rate of a brand, citation rate of a domain).

    rate = |{r : item ∈ X_r}| / n, with its Wilson interval; several citations in one run count once.
    """
    return wilson_interval(sum(item in run for run in runs), len(runs))


def jaccard(a: Set[Hashable], b: Set[Hashable]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty sets are identical (1.0)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def overlap(previous: Set[Hashable], current: Set[Hashable]) -> float:
    """|A ∩ B| / |A|: the share of the earlier run's items kept in the next (Ahrefs' URL overlap)."""
    return len(previous & current) / len(previous) if previous else 1.0


def mean_pairwise_jaccard(runs: Sequence[Set[Hashable]]) -> float:
    """Mean Jaccard over all C(n, 2) pairs of runs; 1.0 with fewer than two runs (nothing varies)."""
    pairs = list(combinations(runs, 2))
    return sum(jaccard(a, b) for a, b in pairs) / len(pairs) if pairs else 1.0


def cross_jaccard(left: Sequence[Set[Hashable]], right: Sequence[Set[Hashable]]) -> float:
    """Mean Jaccard over every (left run, right run) pair: agreement across engines."""
    pairs = [(a, b) for a in left for b in right]
    return sum(jaccard(a, b) for a, b in pairs) / len(pairs) if pairs else 1.0


def exact_repeat_probability(runs: Sequence[Sequence[Hashable]], *, ordered: bool = False) -> float:
    """#{(i, j): X_i = X_j} / C(n, 2), comparing sets, or whole ordered lists with `ordered` (SparkToro)."""
    keys = [tuple(run) if ordered else frozenset(run) for run in runs]
    pairs = list(combinations(keys, 2))
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else 1.0


def change_rate(runs: Sequence[Set[Hashable]]) -> float:
    """Pointwise change rate (Ahrefs): #{t : X_t ≠ X_t−1} / (T − 1) over consecutive runs."""
    steps = len(runs) - 1
    return sum(runs[t] != runs[t - 1] for t in range(1, len(runs))) / steps if steps > 0 else 0.0


def runs_needed(half_width: float, p: float = 0.5, z: float = Z_95) -> int:
    """Runs for a 95 % interval of ± half_width around p (normal approximation): ⌈z²·p(1−p)/w²⌉."""
    if not 0 < half_width < 1:
        raise ValueError("half_width must be between 0 and 1")
    return max(1, math.ceil(z * z * p * (1 - p) / (half_width * half_width)))
