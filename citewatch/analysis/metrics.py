"""Presence, prominence, citation and repeatability metrics: pure functions over plain values.

Inputs are per-run values (the brands an answer names, the URLs or domains it cites, counts), never ORM rows,
so reports can feed them from SQL aggregates or a stream. A *run* is one answered capture of one prompt on one
engine; *n* is the number of runs. Every formula is in its docstring and in docs/metrics.md, which also lists
the published figure it reproduces (shared/reference/products-and-metrics.md §6).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from itertools import combinations, islice
from operator import ne, truediv
from typing import Literal, TypeVar

T = TypeVar("T", bound=Hashable)

Z_95 = 1.959963984540054  # standard normal quantile for a two-sided 95 % interval

# ---------------------------------------------------------------------------------------------- proportions


@dataclass(frozen=True, slots=True)
class Proportion:
    """k of n, with its Wilson interval (95 % unless asked otherwise)."""

    k: int
    n: int
    low: float
    high: float

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else 0.0

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def wilson_interval(k: int, n: int, z: float = Z_95) -> Proportion:
    """Wilson score interval of k successes in n trials.

    p̂ = k/n;  centre = (p̂ + z²/2n) / (1 + z²/n);  half = z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n);
    interval = [centre − half, centre + half]. Unlike p̂ ± z·√(p̂(1−p̂)/n) it stays inside [0, 1] and is
    honest for small n and for p̂ near 0 or 1. With n = 0 nothing is known: [0, 1].
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
    low = 0.0 if k == 0 else max(0.0, min(p, centre - half))
    high = 1.0 if k == n else min(1.0, max(p, centre + half))
    return Proportion(k, n, low, high)


def wilson_half_width(p: float, n: int, z: float = Z_95) -> float:
    """Half-width of the Wilson interval at rate p after n runs: z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


def runs_needed(half_width: float, p: float = 0.5, z: float = Z_95) -> int:
    """Smallest n whose Wilson interval at rate p is no wider than ± half_width.

    The Wilson half-width falls as n grows, so n is the root of w²(n + z²)² = z²(p(1−p)·n + z²/4), rounded
    up. p = 0.5 (the default) is the worst case. Example: ± 0.10 at p = 0.5 needs 93 runs; ± 0.15 needs 40.
    """
    if not 0 < half_width < 1:
        raise ValueError("half_width must be between 0 and 1")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    w2, z2, a = half_width * half_width, z * z, p * (1 - p)
    # w²n² + (2w²z² − z²a)n + (w²z⁴ − z⁴/4) = 0, larger root
    b, c = 2 * w2 * z2 - z2 * a, w2 * z2 * z2 - z2 * z2 / 4
    n = max(1, math.ceil((-b + math.sqrt(max(b * b - 4 * w2 * c, 0.0))) / (2 * w2)))
    while n > 1 and wilson_half_width(p, n - 1, z) <= half_width:  # float rounding at the root
        n -= 1
    while wilson_half_width(p, n, z) > half_width:
        n += 1
    return n


def rate(runs: Sequence[Collection[Hashable]], item: Hashable) -> Proportion:
    """Share of runs in which `item` appears, with its Wilson interval.

    rate = |{r : item ∈ X_r}| / n. With X_r the brands an answer names it is the mention rate (visibility);
    with X_r the domains or URLs it cites, the citation rate. Several occurrences in one run count once.
    The AirOps citation-rate variant divides by the runs that cite anything: pass only those runs.
    """
    return wilson_interval(sum(item in run for run in runs), len(runs))


# ------------------------------------------------------------------------------------------ share of voice


@dataclass(frozen=True, slots=True)
class ShareOfVoice:
    """Both published variants, labelled, since vendors mean different things by the name."""

    # None when no answer names a tracked brand: 0 / 0 is not a share
    by_mentions: float | None  # brand's mentions ÷ mentions of all tracked brands (Profound, Peec)
    by_answers: float | None  # answers naming the brand ÷ answers naming it or a competitor (AirOps)


SovVariant = Literal["mentions", "answers"]


def _sov_terms(runs: Sequence[Sequence[Hashable]], brand: Hashable, by: SovVariant) -> tuple[list[float], list[float]]:
    """Per-run numerator and denominator of one share-of-voice variant (each brand counted once per answer)."""
    named = [set(run) for run in runs]
    numerators = [float(brand in run) for run in named]
    denominators = [float(len(run) if by == "mentions" else bool(run)) for run in named]
    return numerators, denominators


def _ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float | None:
    total = sum(denominators)
    return sum(numerators) / total if total else None


def share_of_voice(runs: Sequence[Sequence[Hashable]], brand: Hashable) -> ShareOfVoice:
    """Share of voice of `brand`; `runs` holds the tracked brands each answer names (B_r).

    by_mentions = Σ_r [b ∈ B_r] / Σ_r |B_r|;  by_answers = |{r : b ∈ B_r}| / |{r : B_r ≠ ∅}|.
    A brand counts once per answer however often it is repeated (as Ahrefs counts mentions). Both are None
    when no answer names a tracked brand (there is no voice to share).
    """
    named = [set(run) for run in runs]
    naming = sum(brand in run for run in named)
    mentions = sum(map(len, named))
    answers = sum(map(bool, named))
    # the sums of `_sov_terms` are whole numbers, so these are exactly the ratios `share_of_voice_interval` takes
    return ShareOfVoice(
        by_mentions=naming / mentions if mentions else None, by_answers=naming / answers if answers else None
    )


# ----------------------------------------------------------------------------------------------- prominence


def _first_rank(run: Sequence[Hashable], brand: Hashable) -> int | None:
    return list(dict.fromkeys(run)).index(brand) + 1 if brand in run else None


def average_rank(runs: Sequence[Sequence[Hashable]], brand: Hashable) -> float | None:
    """Mean rank of the brand's first mention over the runs that name it; None when it is never named.

    average = Σ_{r : b ∈ B_r} rank_r(b) / |{r : b ∈ B_r}|, rank 1 = named first.
    """
    ranks = [rank for run in runs if (rank := _first_rank(run, brand)) is not None]
    return sum(ranks) / len(ranks) if ranks else None


def rank_histogram(runs: Sequence[Sequence[Hashable]], brand: Hashable) -> dict[str, int]:
    """Runs in which the brand was named 1st, 2nd, … (order of first mention), and runs it was "absent" from.

    Keys are "1", "2", … in rank order, then "absent"; the counts sum to n.
    """
    counts = Counter(_first_rank(run, brand) for run in runs)
    histogram = {str(rank): counts[rank] for rank in sorted(r for r in counts if r is not None)}
    if None in counts:
        histogram["absent"] = counts[None]
    return histogram


def position_weighted_visibility(mention_rate: float, average_position: float | None) -> float:
    """Rankscale's visibility score: mention_rate × 1 / (1 + 0.1·(avg_position − 1)); 0 when never named.

    Published example: named in 80 of 100 runs at average position 2 → 0.8 / 1.1 = 0.727.
    """
    return 0.0 if average_position is None else mention_rate / (1 + 0.1 * (average_position - 1))


BANDS = ("top", "middle", "bottom")


def position_bands(first_bands: Sequence[str | None]) -> dict[str, int]:
    """Runs by the band of the brand's first mention (Scrunch): top 25 % / middle 50 % / bottom 25 % of the
    answer by character offset, and "absent" (None) when the run does not name the brand."""
    counts = Counter("absent" if band is None else band for band in first_bands)
    unknown = set(counts) - {*BANDS, "absent"}
    if unknown:
        raise ValueError(f"unknown band(s): {', '.join(sorted(unknown))}")
    return {band: counts[band] for band in (*BANDS, "absent")}


def cited_mentioned(mentioned: Sequence[bool], cited: Sequence[bool]) -> dict[str, int]:
    """Cross-tab of runs (Canonry's four buckets): cited and mentioned / cited only / mentioned only / invisible.

    `mentioned[r]`: the answer names the brand; `cited[r]`: it cites one of the brand's domains.
    """
    table = {"cited_and_mentioned": 0, "cited_only": 0, "mentioned_only": 0, "invisible": 0}
    for is_mentioned, is_cited in zip(mentioned, cited, strict=True):
        if is_cited:
            table["cited_and_mentioned" if is_mentioned else "cited_only"] += 1
        else:
            table["mentioned_only" if is_mentioned else "invisible"] += 1
    return table


# ---------------------------------------------------------------------------------------- citations, sources


def _citation_terms(runs: Sequence[Sequence[Hashable]], item: Hashable) -> tuple[list[float], list[float]]:
    return [float(list(run).count(item)) for run in runs], [float(len(run)) for run in runs]


def citation_share(runs: Sequence[Sequence[Hashable]], item: Hashable) -> float | None:
    """Citations of `item` ÷ all citations (Profound): Σ_r count(u in U_r) / Σ_r |U_r|.

    Counts what each run lists: pass each answer's distinct cited URLs (or domains) to count a URL once per
    answer, or every marker to count occurrences. None when nothing is cited.
    """
    return _ratio(*_citation_terms(runs, item))


def cited_given_retrieved(
    retrieved: Sequence[Set[Hashable]], cited: Sequence[Set[Hashable]], item: Hashable | None = None
) -> Proportion:
    """How much of what the engine retrieved it went on to cite, with a Wilson interval.

    For one `item`: |{r : u ∈ S_r ∩ C_r}| / |{r : u ∈ S_r}| (runs that retrieved it and cited it).
    Pooled (item None): Σ_r |S_r ∩ C_r| / Σ_r |S_r| (AirOps: 15 % of retrieved pages are cited); that
    interval treats pages as independent, so prefer `bootstrap_ratio` over runs for a pooled interval.
    S_r is every source shown or retrieved, C_r the cited ones.
    """
    pairs = list(zip(retrieved, cited, strict=True))
    if item is None:
        return wilson_interval(sum(len(s & c) for s, c in pairs), sum(len(s) for s, _ in pairs))
    having = [c for s, c in pairs if item in s]
    return wilson_interval(sum(item in c for c in having), len(having))


def serp_overlap(cited: Collection[str], organic: Sequence[str], top: int = 10) -> Proportion:
    """Share of distinct cited URLs that are among the first `top` organic results of the same page.

    overlap = |C ∩ O_top| / |C| with canonical URLs (Ahrefs: 76 % of AI Overview citations in the top 10).
    Across runs, add the k and n of each run (pooled) or bootstrap over runs with `bootstrap_ratio`.
    """
    distinct, first = set(cited), set(organic[:top])
    return wilson_interval(len(distinct & first), len(distinct))


GeoKind = Literal["pawc", "word_count", "position"]


def geo_impression(
    sentences: Sequence[tuple[int, Sequence[T]]], sources: Collection[T] | None = None, *, kind: GeoKind = "pawc"
) -> dict[T, float]:
    """GEO's impression of each source in one answer (Aggarwal et al., KDD 2024; GEO-optim/GEO src/utils.py).

    `sentences` are every sentence of the answer in reading order, cited or not, as (words, citations):
    words counts tokens longer than two characters, citations lists the sources it cites (repeats kept).
    For sentence s at index i of N that cites c:
      pawc:       Imp(c) += words(s) · exp(−i / (N − 1)) / |cites(s)|   (position-adjusted word count)
      word_count: Imp(c) += words(s) / |cites(s)|
      position:   Imp(c) += exp(−i / (N − 1)) / |cites(s)|
    with exp(…) = 1 when N = 1. Scores are normalised to sum to 1 over `sources` (default: the cited ones);
    when nothing scores, every source gets 1/|sources|, as in the reference code.
    """
    universe: list[T] = list(dict.fromkeys(sources if sources is not None else (c for _, cs in sentences for c in cs)))
    scores = dict.fromkeys(universe, 0.0)
    last = len(sentences) - 1
    for index, (words, cites) in enumerate(sentences):
        position = math.exp(-index / last) if last > 0 else 1.0
        weight = {"pawc": words * position, "word_count": float(words), "position": position}[kind]
        for cited in cites:
            if cited in scores:  # a source outside `sources` is a citation GEO calls hallucinated
                scores[cited] += weight / len(cites)
    total = sum(scores.values())
    if not total:
        return {source: 1 / len(universe) for source in universe}
    return {source: score / total for source, score in scores.items()}


# ----------------------------------------------------------------------------------------------- set overlap


def jaccard(a: Set[Hashable], b: Set[Hashable]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty sets are identical (1.0)."""
    common = len(a & b)
    union = len(a) + len(b) - common  # |A ∪ B| without building it
    return common / union if union else 1.0


def overlap(previous: Set[Hashable], current: Set[Hashable]) -> float:
    """|A ∩ B| / |A|: the share of the earlier run's items kept in the next (one reading of Ahrefs' 54.5 %
    URL overlap). Profound's period drift is 1 − overlap(D_{t−1}, D_t). 1.0 when A is empty."""
    return len(previous & current) / len(previous) if previous else 1.0


# Packed counters cost more per run than bit masks and far less per pair: from about 25 runs on they are the faster.
# A counter is a byte, so they take runs of at most 127 items (a union of two is then at most 254).
_COUNTED_RUNS = 25
_COUNTED_ITEMS = 127


def mean_pairwise_jaccard(runs: Sequence[Set[Hashable]]) -> float | None:
    """Mean Jaccard over all C(n, 2) pairs of runs (rerun stability); None with fewer than two runs (no pair)."""
    n = len(runs)
    if n < 2:
        return None
    # Reports compute this for every group. Both ways give the terms of `jaccard` in the order of `combinations`,
    # so the sum is the same to the last bit. Empty runs share an item of their own, so no union is empty: two
    # empty runs give 1/1 = 1.0 and an empty and a non-empty run 0/(|B| + 1) = 0.0, as in `jaccard`.
    empty = object()
    sets: list[Collection[Hashable]] = [run or (empty,) for run in runs]
    counted = n >= _COUNTED_RUNS and max(map(len, sets)) <= _COUNTED_ITEMS
    return sum(_counted_jaccards(sets) if counted else _masked_jaccards(sets)) / (n * (n - 1) // 2)


def _masked_jaccards(sets: Sequence[Collection[Hashable]]) -> Iterator[float]:
    """Jaccard of each pair of runs, with a run as a bit mask (a bit per item): two integer operations a pair."""
    bits: dict[Hashable, int] = {}
    masks = []
    for items in sets:
        mask = 0
        for item in items:
            mask |= bits.setdefault(item, 1 << len(bits))
        masks.append(mask)
    return ((a & b).bit_count() / (a | b).bit_count() for a, b in combinations(masks, 2))


def _counted_jaccards(sets: Sequence[Collection[Hashable]]) -> Iterator[float]:
    """Jaccard of each pair of runs from counters a byte per run wide: a few integer operations a run, one
    division a pair.

    An item's integer has a 1 in the byte of each run that holds it; the sum of those of run i's items holds
    |X_i ∩ X_j| in byte j, and |X_i| + |X_j| − |X_i ∩ X_j| = |X_i ∪ X_j| ≤ 254 keeps each byte from carrying.
    """
    holders: dict[Hashable, int] = {}
    get = holders.get
    byte = 1
    for items in sets:
        for item in items:
            holders[item] = get(item, 0) + byte
        byte <<= 8
    held = holders.__getitem__
    common = [sum(map(held, items)) for items in sets]
    sizes = [len(items) for items in sets]
    every_size, ones = int.from_bytes(bytes(sizes), "little"), (byte - 1) // 0xFF
    union = [every_size + size * ones - row for size, row in zip(sizes, common, strict=True)]
    return map(truediv, _after_diagonal(common), _after_diagonal(union))


def _after_diagonal(rows: Sequence[int]) -> bytes:
    """Bytes j > i of each row i, row after row: the pairs (i, j) in the order of `combinations`."""
    n = len(rows)
    return b"".join([(row >> 8 * i).to_bytes(n - i, "little") for i, row in enumerate(rows, 1)])


def cross_jaccard(left: Sequence[Set[Hashable]], right: Sequence[Set[Hashable]]) -> float | None:
    """Mean Jaccard over every (left run, right run) pair: agreement across engines (|L|·|R| pairs); None
    when a side has no run."""
    pairs = [(a, b) for a in left for b in right]
    return sum(jaccard(a, b) for a, b in pairs) / len(pairs) if pairs else None


def exact_repeat_probability(runs: Sequence[Sequence[Hashable]], *, ordered: bool = False) -> float | None:
    """#{(i, j), i < j : X_i = X_j} / C(n, 2) (SparkToro: < 1 % for sets, < 0.1 % for ordered lists).

    Compares the runs' sets, or with `ordered` the whole lists in order. None with fewer than two runs.
    """
    keys: Counter[Hashable] = Counter(map(tuple, runs) if ordered else map(frozenset, runs))
    pairs = len(runs) * (len(runs) - 1) // 2
    return sum(c * (c - 1) // 2 for c in keys.values() if c > 1) / pairs if pairs else None


# ---------------------------------------------------------------------------------------- consecutive runs


def change_rate(values: Sequence[object]) -> float | None:
    """Pointwise change rate (Ahrefs, 70 % for AI Overviews): #{t : X_t ≠ X_{t−1}} / (T − 1).

    `values` are consecutive observations (brand sets, URL sets, normalised texts); None with fewer than two.
    """
    steps = len(values) - 1
    # X_t != X_{t−1}, that way round
    return sum(map(ne, islice(values, 1, None), values)) / steps if steps > 0 else None


def consecutive_overlap(
    runs: Sequence[Set[Hashable]], measure: Callable[[Set[Hashable], Set[Hashable]], float] = jaccard
) -> float | None:
    """Mean of `measure` (jaccard, or overlap = |A ∩ B| / |A|) over consecutive pairs; None with one run."""
    steps = len(runs) - 1
    return sum(map(measure, runs, islice(runs, 1, None))) / steps if steps > 0 else None


def persistence(values: Sequence[object], times: Sequence[float] | None = None) -> float | None:
    """Mean time a value lasts before it changes (Ahrefs: 2.15 days for AI Overviews).

    The observations split into stretches of equal consecutive values; a stretch that ends with a change lasts
    from its first observation to the first observation that differs. persistence = mean length of those
    stretches (the last stretch is still running, so it is left out). Time is `times` (e.g. days since the
    first run) or, without them, the observation index. None when nothing ever changed.
    """
    clock = list(times) if times is not None else [float(i) for i in range(len(values))]
    if len(clock) != len(values):
        raise ValueError("values and times must have the same length")
    lengths: list[float] = []
    began = 0
    for t in range(1, len(values)):
        if values[t] != values[t - 1]:
            lengths.append(clock[t] - clock[began])
            began = t
    return sum(lengths) / len(lengths) if lengths else None


# ------------------------------------------------------------------------------------------- rank stability


def _ranks(ranking: Sequence[T] | Mapping[T, float], items: Collection[T]) -> list[float]:
    """Rank of each item, in order; an item the ranking does not hold ties with the others it lacks, below them all."""
    given: dict[T, float] = (
        dict(ranking) if isinstance(ranking, Mapping) else {item: float(i) for i, item in enumerate(ranking)}
    )
    bottom = max(given.values(), default=0.0) + 1
    return [given.get(item, bottom) for item in items]


def kendall_tau_b(left: Sequence[T] | Mapping[T, float], right: Sequence[T] | Mapping[T, float]) -> float | None:
    """Kendall's τ_b between two rankings, over the union of their items.

    A ranking is an ordered list (first = best) or a mapping item → score where smaller ranks higher and equal
    scores tie (e.g. {domain: −citations}). Items a ranking lacks tie with each other below all it holds.
    τ_b = (C − D) / √((P − T_left)(P − T_right)), with C / D the concordant / discordant pairs, P = C(m, 2)
    pairs of the m items, T_x the pairs tied in x. None when a ranking ties everything (or m < 2).
    """
    items = list(dict.fromkeys([*left, *right]))
    concordant = discordant = tied_x = tied_y = 0
    for (xa, ya), (xb, yb) in combinations(zip(_ranks(left, items), _ranks(right, items), strict=True), 2):
        dx, dy = xa - xb, ya - yb
        if dx == 0 or dy == 0:
            tied_x += dx == 0
            tied_y += dy == 0
        elif (dx > 0) == (dy > 0):
            concordant += 1
        else:
            discordant += 1
    pairs = len(items) * (len(items) - 1) // 2
    denominator = math.sqrt((pairs - tied_x) * (pairs - tied_y))
    return (concordant - discordant) / denominator if denominator else None


def rank_biased_overlap(left: Sequence[Hashable], right: Sequence[Hashable], p: float = 0.9) -> float:
    """Extrapolated rank-biased overlap (Webber, Moffat & Zobel 2010, eq. 32), in [0, 1]; top ranks weigh most.

    With S the shorter list (length s), L the longer (length l), X_d = |S_{:d} ∩ L_{:d}| the overlap of the top d
    (S_{:d} = S beyond s):
      RBO_ext = (1−p)/p · (Σ_{d=1..l} X_d/d · p^d + Σ_{d=s+1..l} X_s·(d−s)/(s·d) · p^d) + ((X_l − X_s)/l + X_s/s)·p^l
    Identical lists give 1, disjoint ones 0; two empty lists are identical (1), one empty list gives 0.
    """
    if not 0 < p < 1:
        raise ValueError("p must be between 0 and 1")
    left, right = list(dict.fromkeys(left)), list(dict.fromkeys(right))  # a ranking names an item once
    short, long_ = (left, right) if len(left) <= len(right) else (right, left)
    short_len, long_len = len(short), len(long_)
    if short_len == 0:
        return 1.0 if long_len == 0 else 0.0
    seen_short: set[Hashable] = set()
    seen_long: set[Hashable] = set()
    x = [0] * (long_len + 1)  # x[d] = X_d
    for d in range(1, long_len + 1):
        common = x[d - 1]
        b = long_[d - 1]
        if d <= short_len:
            a = short[d - 1]
            common += (a in seen_long) + (b in seen_short) + (a == b)
            seen_short.add(a)
        else:
            common += b in seen_short
        seen_long.add(b)
        x[d] = common
    power = [p**d for d in range(long_len + 1)]  # p^d, each computed once
    total = sum(x[d] / d * power[d] for d in range(1, long_len + 1))
    total += sum(
        x[short_len] * (d - short_len) / (short_len * d) * power[d] for d in range(short_len + 1, long_len + 1)
    )
    score = (1 - p) / p * total + ((x[long_len] - x[short_len]) / long_len + x[short_len] / short_len) * power[long_len]
    return min(1.0, max(0.0, score))


# ------------------------------------------------------------------------------------------------ bootstrap


def _percentile_bootstrap(
    n: int, statistic: Callable[[list[int]], float | None], resamples: int, seed: int, level: float
) -> tuple[float, float] | None:
    """Percentile interval of `statistic` over resamples of run indices (with replacement), seeded."""
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    rng = random.Random(seed)
    indices = range(n)
    values = sorted(v for _ in range(resamples) if (v := statistic(rng.choices(indices, k=n))) is not None)
    if not values:
        return None
    tail = (1 - level) / 2
    return values[int(tail * (len(values) - 1))], values[math.ceil((1 - tail) * (len(values) - 1))]


def bootstrap_interval(
    runs: Sequence[T],
    statistic: Callable[[Sequence[T]], float],
    *,
    resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of any `statistic` of the runs (e.g. an average rank), resampling whole
    answers with a seeded `random.Random`, so a report is reproducible. None with no runs."""
    if not runs:
        return None
    return _percentile_bootstrap(len(runs), lambda idx: statistic([runs[i] for i in idx]), resamples, seed, level)


def bootstrap_ratio(
    numerators: Sequence[float],
    denominators: Sequence[float],
    *,
    resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of Σ num_r / Σ den_r, resampling runs (seeded).

    Every share here is such a ratio of per-run sums, which a report can read straight from SQL: share of
    voice, citation share, pooled retrieved-vs-cited, pooled SERP overlap. Resamples whose denominator is 0
    are left out (the ratio is undefined there); None when the data's own denominator is 0.
    """
    if len(numerators) != len(denominators):
        raise ValueError("numerators and denominators must have the same length")
    if not sum(denominators):
        return None

    def statistic(indices: list[int]) -> float | None:
        total = sum(denominators[i] for i in indices)
        return sum(numerators[i] for i in indices) / total if total else None

    return _percentile_bootstrap(len(numerators), statistic, resamples, seed, level)


def share_of_voice_interval(
    runs: Sequence[Sequence[Hashable]],
    brand: Hashable,
    *,
    by: SovVariant = "mentions",
    resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Bootstrap interval of one share-of-voice variant (`by` = "mentions" or "answers"), resampling answers."""
    return bootstrap_ratio(*_sov_terms(runs, brand, by), resamples=resamples, seed=seed, level=level)


def citation_share_interval(
    runs: Sequence[Sequence[Hashable]], item: Hashable, *, resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float] | None:
    """Bootstrap interval of `citation_share`, resampling answers (Sielinski's citation-share intervals)."""
    return bootstrap_ratio(*_citation_terms(runs, item), resamples=resamples, seed=seed, level=level)
