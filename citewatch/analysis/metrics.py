"""Repeatability and presence metrics: pure functions over plain values, each with its formula.

Inputs are per-run sets or lists (cited domains, brands), so reports can feed them from SQL aggregates.
Formulas follow shared/reference/products-and-metrics.md §6; docs/metrics.md repeats them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable, Sequence, Set
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


@dataclass(frozen=True, slots=True)
class ShareOfVoice:
    """Both published variants, labelled, since vendors mean different things by the name."""

    by_mentions: float  # brand mentions ÷ mentions of all tracked brands (Profound, Peec)
    by_answers: float  # answers mentioning the brand ÷ answers mentioning it or a competitor (AirOps)


def share_of_voice(runs: Sequence[Sequence[Hashable]], brand: Hashable) -> ShareOfVoice:
    """Share of voice of `brand`; `runs` are the tracked brands named in each answer (one entry per mention).

    by_mentions = Σ_r count(brand in B_r) / Σ_r |B_r|;  by_answers = |{r: brand ∈ B_r}| / |{r: B_r ≠ ∅}|.
    """
    mentions = sum(len(run) for run in runs)
    ours = sum(list(run).count(brand) for run in runs)
    named = [run for run in runs if run]
    return ShareOfVoice(
        by_mentions=ours / mentions if mentions else 0.0,
        by_answers=sum(brand in run for run in named) / len(named) if named else 0.0,
    )


def rank_histogram(runs: Sequence[Sequence[Hashable]], brand: Hashable) -> dict[str, int]:
    """How often the brand was named 1st, 2nd, … (order of first mention), and how often it was absent."""
    histogram: dict[str, int] = {}
    for run in runs:
        order = list(dict.fromkeys(run))
        key = str(order.index(brand) + 1) if brand in order else "absent"
        histogram[key] = histogram.get(key, 0) + 1
    return histogram


def average_rank(runs: Sequence[Sequence[Hashable]], brand: Hashable) -> float | None:
    """Mean rank of first mention over the runs that name the brand; None when it is never named."""
    ranks = [list(dict.fromkeys(run)).index(brand) + 1 for run in runs if brand in run]
    return sum(ranks) / len(ranks) if ranks else None


def cited_mentioned(mentioned: Sequence[bool], cited: Sequence[bool]) -> dict[str, int]:
    """The cross-tab of runs: cited and mentioned / cited only / mentioned only / invisible (Canonry)."""
    table = {"cited_and_mentioned": 0, "cited_only": 0, "mentioned_only": 0, "invisible": 0}
    for is_mentioned, is_cited in zip(mentioned, cited, strict=True):
        key = (
            "cited_and_mentioned"
            if is_mentioned and is_cited
            else "cited_only"
            if is_cited
            else "mentioned_only"
            if is_mentioned
            else "invisible"
        )
        table[key] += 1
    return table


def rank_biased_overlap(left: Sequence[Hashable], right: Sequence[Hashable], p: float = 0.9) -> float:
    """Extrapolated rank-biased overlap (Webber et al. 2010) of two rankings, in [0, 1].

    RBO_ext = (X_k / k)·p^k + (1 − p)/p · Σ_{d=1..k} (X_d / d)·p^d, with X_d the overlap of the top d of both
    lists and k the length of the longer list; identical lists give 1, disjoint ones 0. Top ranks weigh most.
    """
    if not 0 < p < 1:
        raise ValueError("p must be between 0 and 1")
    if not left and not right:
        return 1.0
    depth = max(len(left), len(right))
    seen_left: set[Hashable] = set()
    seen_right: set[Hashable] = set()
    overlap_d = 0
    total = 0.0
    for d in range(1, depth + 1):
        a = left[d - 1] if d <= len(left) else None
        b = right[d - 1] if d <= len(right) else None
        if a is not None:
            overlap_d += a in seen_right or a == b
            seen_left.add(a)
        if b is not None and b != a:
            overlap_d += b in seen_left
            seen_right.add(b)
        elif b is not None:
            seen_right.add(b)
        total += overlap_d / d * p**d
    return min(1.0, overlap_d / depth * p**depth + (1 - p) / p * total)


def kendall_tau_b(left: Sequence[Hashable], right: Sequence[Hashable]) -> float | None:
    """Kendall's τ_b between two orderings of the items they share (ties impossible in rankings).

    τ = (concordant − discordant) / C(m, 2) over the m common items; None when fewer than two are shared.
    """
    common = [item for item in left if item in set(right)]
    if len(common) < 2:
        return None
    position = {item: index for index, item in enumerate(right)}
    concordant = discordant = 0
    for i, j in combinations(range(len(common)), 2):  # i < j: common[i] ranks before common[j] on the left
        if position[common[i]] < position[common[j]]:
            concordant += 1
        else:
            discordant += 1
    return (concordant - discordant) / (concordant + discordant)


def bootstrap_interval(
    runs: Sequence[Sequence[Hashable]],
    statistic: Callable[[Sequence[Sequence[Hashable]]], float],
    *,
    resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` (e.g. a share of voice), resampling whole answers.

    Seeded, so a report is reproducible. With no runs the interval is (0, 0).
    """
    if not runs:
        return 0.0, 0.0
    rng = random.Random(seed)
    values = sorted(statistic([runs[rng.randrange(len(runs))] for _ in runs]) for _ in range(resamples))
    tail = (1 - level) / 2
    return values[int(tail * (resamples - 1))], values[int((1 - tail) * (resamples - 1))]
