"""Metrics against hand-computed values (the arithmetic is in the comments), and the properties they must keep."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from citewatch.analysis import metrics as m

sets = st.frozensets(st.sampled_from("abcdefgh"), max_size=6)
rankings = st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=8)
brand_runs = st.lists(st.lists(st.sampled_from(["acme", "bolt", "zeta"]), max_size=4), min_size=1, max_size=12)

# ------------------------------------------------------------------------------------- proportions


def test_wilson_interval_matches_hand_computation() -> None:
    # k=3, n=10: p=.3, z²=3.8415; centre=(.3+.19207)/1.38415=.35550; half=1.96·sqrt(.021+.0096)/1.38415=.24765
    ci = m.wilson_interval(3, 10)
    assert ci.value == 0.3
    assert ci.low == pytest.approx(0.1078, abs=1e-4) and ci.high == pytest.approx(0.6032, abs=1e-4)
    assert ci.half_width == pytest.approx(0.24765, abs=1e-4)
    assert (m.wilson_interval(0, 0).low, m.wilson_interval(0, 0).high) == (0.0, 1.0)
    # k=0, n=5: centre = half = (3.8415/10)/1.7683 = .21723 -> [0, .4345]
    assert m.wilson_interval(0, 5).low == 0.0 and m.wilson_interval(0, 5).high == pytest.approx(0.4345, abs=1e-4)
    assert m.wilson_interval(5, 5).high == 1.0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        m.wilson_interval(6, 5)


def test_runs_needed_for_a_wilson_half_width() -> None:
    # p=.5: half-width = z·.5/√(n + z²) <= w  <=>  n >= z²/(4w²) − z² = 96.04 − 3.84 = 92.2 -> 93
    assert m.runs_needed(0.1) == 93
    assert m.wilson_half_width(0.5, 93) <= 0.1 < m.wilson_half_width(0.5, 92)
    # ± .15: 42.68 − 3.84 = 38.84 -> 39;  p=0: half-width = (z²/2)/(n + z²) <= .1  <=>  n >= 19.21 − 3.84 -> 16
    assert (m.runs_needed(0.15), m.runs_needed(0.1, p=0.0)) == (39, 16)
    with pytest.raises(ValueError, match="half_width"):
        m.runs_needed(0)


def test_rates_count_runs_not_occurrences() -> None:
    runs = [{"a.com", "b.com"}, {"a.com"}, {"c.com"}, set()]
    assert (m.rate(runs, "a.com").k, m.rate(runs, "a.com").n, m.rate(runs, "a.com").value) == (2, 4, 0.5)
    assert m.rate(runs, "z.com").k == 0
    # AirOps variant: only runs that cite something -> 2 of 3
    assert m.rate([r for r in runs if r], "a.com").value == pytest.approx(2 / 3)


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    ci = m.wilson_interval(k, n)
    assert 0.0 <= ci.low <= ci.value <= ci.high <= 1.0 or n == 0


@given(st.lists(sets, max_size=10), st.sampled_from("abc"))
def test_rates_lie_within_their_intervals(runs: list[frozenset[str]], item: str) -> None:
    ci = m.rate(runs, item)
    assert ci.n == len(runs) and (ci.low <= ci.value <= ci.high or not runs)


@given(st.floats(0.01, 0.5), st.floats(0.0, 1.0))
def test_runs_needed_is_the_smallest_n(half_width: float, p: float) -> None:
    n = m.runs_needed(half_width, p)
    assert m.wilson_half_width(p, n) <= half_width
    assert n == 1 or m.wilson_half_width(p, n - 1) > half_width


# ------------------------------------------------------------------------------- share of voice, rank


def test_share_of_voice_both_variants() -> None:
    runs = [["acme", "bolt", "acme"], ["bolt"], [], ["acme"]]
    sov = m.share_of_voice(runs, "acme")
    # B_r distinct: {acme, bolt}, {bolt}, {}, {acme}: acme in 2 answers of 4 (brand, answer) mentions
    assert sov.by_mentions == 2 / 4
    assert sov.by_answers == 2 / 3  # 2 of the 3 answers naming anyone name acme
    # no answer names a tracked brand: 0 / 0 is no share at all, not a share of 0
    assert m.share_of_voice([[], []], "acme") == m.ShareOfVoice(None, None)
    assert m.share_of_voice([[]], "acme").by_answers is None


@given(st.lists(st.lists(st.sampled_from("abc"), max_size=4), max_size=8))
def test_share_of_voice_is_a_share(runs: list[list[str]]) -> None:
    if not any(runs):
        assert all(m.share_of_voice(runs, b) == m.ShareOfVoice(None, None) for b in "abc")
        return
    total = sum(m.share_of_voice(runs, brand).by_mentions or 0.0 for brand in "abc")
    assert total == pytest.approx(1.0)
    assert all(0.0 <= (m.share_of_voice(runs, b).by_answers or 0.0) <= 1.0 for b in "abc")


def test_rank_measures() -> None:
    runs = [["bolt", "acme", "bolt"], ["acme"], ["bolt"]]
    assert m.rank_histogram(runs, "acme") == {"1": 1, "2": 1, "absent": 1}
    assert list(m.rank_histogram([["b", "c", "a"], ["a"]], "a")) == ["1", "3"]  # rank order, no "absent" key
    assert m.average_rank(runs, "acme") == 1.5  # (2 + 1) / 2
    assert m.average_rank(runs, "zeta") is None
    # Rankscale's published example: 80 of 100 runs at average position 2 -> .8 / (1 + .1) = 72.7 %
    assert m.position_weighted_visibility(0.8, 2) == pytest.approx(0.7273, abs=1e-4)
    assert m.position_weighted_visibility(0.0, None) == 0.0


def test_position_bands_and_cross_tab() -> None:
    assert m.position_bands(["top", None, "middle", "top"]) == {"top": 2, "middle": 1, "bottom": 0, "absent": 1}
    with pytest.raises(ValueError, match="unknown band"):
        m.position_bands(["first"])
    tab = m.cited_mentioned([True, True, False, False, True], [True, False, True, False, True])
    assert tab == {"cited_and_mentioned": 2, "cited_only": 1, "mentioned_only": 1, "invisible": 1}


# -------------------------------------------------------------------------------- citations, sources


def test_citation_share_and_retrieved_vs_cited() -> None:
    runs = [["a.com", "b.com"], ["a.com"], ["c.com", "a.com", "b.com"]]
    assert m.citation_share(runs, "a.com") == 3 / 6
    assert m.citation_share([[], []], "a.com") is None  # nothing cited: no share to speak of
    retrieved = [{"a", "b", "c"}, {"a", "b"}, {"c"}]
    cited = [{"a"}, {"b"}, set()]
    one = m.cited_given_retrieved(retrieved, cited, "a")  # retrieved in runs 1 and 2, cited in run 1
    assert (one.k, one.n) == (1, 2)
    pooled = m.cited_given_retrieved(retrieved, cited)  # |S∩C| = 1 + 1 + 0 = 2 of |S| = 3 + 2 + 1 = 6
    assert (pooled.k, pooled.n) == (2, 6)


def test_serp_overlap_counts_distinct_cited_urls_in_the_top_ten() -> None:
    organic = [f"https://o{i}.example/" for i in range(1, 13)]
    cited = ["https://o2.example/", "https://o11.example/", "https://x.example/", "https://o2.example/"]
    # distinct cited: o2 (rank 2), o11 (rank 11, outside the top 10), x -> 1 of 3
    overlap = m.serp_overlap(cited, organic)
    assert (overlap.k, overlap.n) == (1, 3)
    assert m.serp_overlap(cited, organic, top=11).k == 2
    assert m.serp_overlap([], organic).n == 0


def test_geo_impressions_by_hand() -> None:
    sentences = [(10, ["a"]), (6, ["a", "b"]), (0, []), (8, ["b"])]  # N = 4: weights exp(−i/3)
    # exp: 1, .716531, .513417, .367879
    # pawc: a = 10·1 + 6·.716531/2 = 12.149594; b = 2.149594 + 8·.367879 = 5.092630; sum 17.242224
    pawc = m.geo_impression(sentences, ["a", "b", "c"])
    assert pawc == pytest.approx({"a": 0.704642, "b": 0.295358, "c": 0.0}, abs=1e-5)
    # word count: a = 10 + 3 = 13, b = 3 + 8 = 11
    assert m.geo_impression(sentences, kind="word_count") == pytest.approx({"a": 13 / 24, "b": 11 / 24})
    # position: a = 1 + .358266 = 1.358266, b = .358266 + .367879 = .726145
    assert m.geo_impression(sentences, kind="position")["a"] == pytest.approx(1.358266 / 2.084411, abs=1e-5)
    assert m.geo_impression([(5, [])], ["a", "b"]) == {"a": 0.5, "b": 0.5}  # nothing cited: uniform, as GEO
    assert m.geo_impression([(4, ["a", "a", "b"])]) == pytest.approx({"a": 2 / 3, "b": 1 / 3})  # repeats kept


@given(st.lists(st.tuples(st.integers(0, 30), st.lists(st.sampled_from("abc"), max_size=3)), min_size=1, max_size=8))
def test_geo_impressions_are_a_distribution(sentences: list[tuple[int, list[str]]]) -> None:
    scores = m.geo_impression(sentences, "abc")
    assert sum(scores.values()) == pytest.approx(1.0) and all(v >= 0 for v in scores.values())


# ------------------------------------------------------------------------------------- repeatability


def test_jaccard_overlap_and_pairwise_means() -> None:
    a, b, c = {"x", "y", "z"}, {"y", "z", "w"}, {"x"}
    assert m.jaccard(a, b) == 2 / 4
    assert m.overlap(a, b) == 2 / 3
    # pairs: (a,b)=.5, (a,c)=1/3, (b,c)=0 -> mean .27778
    assert m.mean_pairwise_jaccard([a, b, c]) == pytest.approx((0.5 + 1 / 3 + 0) / 3)
    assert m.cross_jaccard([a], [b, c]) == pytest.approx((0.5 + 1 / 3) / 2)
    # one run has no pair to compare: no value, rather than a perfect 1.0
    assert m.mean_pairwise_jaccard([a]) is None
    assert m.mean_pairwise_jaccard([]) is None
    assert m.mean_pairwise_jaccard([a, a]) == 1.0  # two identical runs are the perfect score
    assert m.cross_jaccard([], [b, c]) is None


def test_repeat_probability_and_change_rate() -> None:
    runs = [["acme", "bolt"], ["bolt", "acme"], ["acme", "bolt"], ["acme"]]
    # sets: pairs equal: (0,1),(0,2),(1,2) = 3 of 6; ordered: only (0,2) = 1 of 6
    assert m.exact_repeat_probability(runs) == 0.5
    assert m.exact_repeat_probability(runs, ordered=True) == pytest.approx(1 / 6)
    # consecutive sets: same, same, changed -> 1 change over 3 steps
    assert m.change_rate([frozenset(r) for r in runs]) == pytest.approx(1 / 3)
    assert m.change_rate(["an answer", "an answer", "another"]) == 0.5  # normalised texts work too
    # one run: nothing changed and nothing stayed; no rate, rather than 0 %
    assert m.change_rate([{"a"}]) is None
    assert m.change_rate([]) is None
    assert m.exact_repeat_probability([["acme"]]) is None
    assert m.exact_repeat_probability([["acme"]], ordered=True) is None
    assert m.exact_repeat_probability([["acme"], ["acme"]]) == 1.0


def test_consecutive_overlap_and_persistence() -> None:
    runs = [{"a", "b"}, {"b", "c"}, {"b", "c"}, {"d"}]
    assert m.consecutive_overlap(runs) == pytest.approx((1 / 3 + 1 + 0) / 3)  # Jaccard of each step
    assert m.consecutive_overlap(runs, m.overlap) == pytest.approx((1 / 2 + 1 + 0) / 3)  # |A∩B| / |A|
    values = ["A", "A", "B", "B", "B", "C"]
    # stretches ended by a change: A from t=0 to t=2 (2), B from t=2 to t=7 (5) -> 3.5; C still runs
    assert m.persistence(values, [0, 1, 2, 4, 5, 7]) == 3.5
    assert m.persistence(values) == 2.5  # in observations: (2 + 3) / 2
    assert m.persistence(["A", "A"]) is None
    assert m.persistence(["A"]) is None
    assert m.consecutive_overlap([{"a"}]) is None  # one run: no consecutive pair
    assert m.consecutive_overlap([{"a"}], m.overlap) is None
    with pytest.raises(ValueError, match="same length"):
        m.persistence(values, [0, 1])


@given(sets, sets)
def test_jaccard_is_symmetric_and_bounded(a: frozenset[str], b: frozenset[str]) -> None:
    assert m.jaccard(a, b) == m.jaccard(b, a)
    assert 0.0 <= m.jaccard(a, b) <= 1.0
    assert m.jaccard(a, a) == 1.0


@given(st.lists(sets, max_size=6))
def test_pairwise_measures_are_probabilities(runs: list[frozenset[str]]) -> None:
    values = (
        m.mean_pairwise_jaccard(runs),
        m.exact_repeat_probability([sorted(r) for r in runs], ordered=True),
        m.exact_repeat_probability(runs),
        m.change_rate(runs),
        m.consecutive_overlap(runs),
    )
    if len(runs) < 2:  # a measure between runs needs two of them
        assert values == (None,) * 5
        return
    pairwise, ordered, unordered, change, consecutive = values
    assert pairwise is not None and ordered is not None and unordered is not None
    assert change is not None and consecutive is not None
    assert 0.0 <= pairwise <= 1.0
    assert 0.0 <= ordered <= unordered <= 1.0
    assert 0.0 <= change <= 1.0
    assert 0.0 <= consecutive <= 1.0


# ------------------------------------------------------------------------------------ rank stability


def test_kendall_tau_b_over_the_union_of_items() -> None:
    assert m.kendall_tau_b(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert m.kendall_tau_b(["a", "b", "c"], ["c", "b", "a"]) == -1.0
    # union a,b,c,d; left ranks a1 b2 c3 d4 (missing), right a1 c2 d3 b4 (missing)
    # (a,b) C, (a,c) C, (a,d) C, (b,c) D, (b,d) D, (c,d) C -> (4 − 2) / 6
    assert m.kendall_tau_b(["a", "b", "c"], ["a", "c", "d"]) == pytest.approx(1 / 3)
    # left a1 b2, c and d missing: tied at 3; right b1 c2 d3 a4
    # (a,b) D, (a,c) D, (a,d) D, (b,c) C, (b,d) C, (c,d) tied on the left -> (2 − 3) / √((6 − 1)(6 − 0))
    assert m.kendall_tau_b(["a", "b"], ["b", "c", "d"]) == pytest.approx(-1 / math.sqrt(30))
    # scores with ties ({domain: −citations}): a and b tie on the left -> 2 / √((3 − 1)·3)
    assert m.kendall_tau_b({"a": -5, "b": -5, "c": -1}, ["a", "b", "c"]) == pytest.approx(2 / math.sqrt(6))
    assert m.kendall_tau_b(["a"], ["a"]) is None
    assert m.kendall_tau_b({"a": 1, "b": 1}, ["a", "b"]) is None  # the left ties everything


def test_rank_biased_overlap() -> None:
    assert m.rank_biased_overlap(["a", "b", "c"], ["a", "b", "c"]) == pytest.approx(1.0)
    assert m.rank_biased_overlap(["a", "b"], ["c", "d"]) == 0.0
    # depth 2, p=.9: X1=0 (a vs b), X2=2 -> (.1/.9)·(0 + (2/2)·.81) + (2/2)·.81 = .09 + .81 = .90
    assert m.rank_biased_overlap(["a", "b"], ["b", "a"]) == pytest.approx(0.9)
    # uneven, s=2, l=3: X1=1, X2=1, X3=2
    # Σ X_d/d·p^d = .9 + .405 + .486 = 1.791; Σ_{d=3} X_s(d−s)/(s·d)·p^d = 1·1/6·.729 = .1215
    # (1/9)·1.9125 + ((2 − 1)/3 + 1/2)·.729 = .2125 + .6075 = .82
    assert m.rank_biased_overlap(["a", "b"], ["a", "c", "b"]) == pytest.approx(0.82)
    assert m.rank_biased_overlap([], []) == 1.0 and m.rank_biased_overlap([], ["a"]) == 0.0
    top_weighs_more = m.rank_biased_overlap(["a", "b", "c"], ["a", "c", "b"])
    assert top_weighs_more > m.rank_biased_overlap(["a", "b", "c"], ["b", "a", "c"])


@given(rankings, rankings)
def test_rbo_is_symmetric_and_bounded(left: list[str], right: list[str]) -> None:
    assert 0.0 <= m.rank_biased_overlap(left, right) <= 1.0
    assert m.rank_biased_overlap(left, right) == pytest.approx(m.rank_biased_overlap(right, left))
    assert m.rank_biased_overlap(left, left) == pytest.approx(1.0)


@given(rankings, rankings)
def test_kendall_tau_is_symmetric_and_bounded(left: list[str], right: list[str]) -> None:
    tau = m.kendall_tau_b(left, right)
    assert tau is None or -1.0 - 1e-12 <= tau <= 1.0 + 1e-12
    other = m.kendall_tau_b(right, left)
    assert (tau is None and other is None) or tau == pytest.approx(other)
    assert len(left) < 2 or m.kendall_tau_b(left, left) == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------ bootstrap


def test_bootstrap_by_hand_and_seeded() -> None:
    # two runs, shares 1 and 0: a resample's ratio is 0, .5 or 1 with probability 1/4, 1/2, 1/4,
    # so the 2.5th and 97.5th percentiles of 2,000 resamples are 0 and 1
    assert m.bootstrap_ratio([1, 0], [1, 1]) == (0.0, 1.0)
    assert m.share_of_voice_interval([["acme", "bolt"]] * 5, "acme") == (0.5, 0.5)  # no variation, no width
    assert m.bootstrap_ratio([0, 0], [0, 0]) is None  # the ratio itself is 0 / 0
    runs = [["acme"], ["bolt"], ["acme", "bolt"], ["acme"], [], ["bolt", "acme"]] * 3
    share = m.share_of_voice(runs, "acme").by_mentions  # 12 of 21 = .5714
    interval = m.share_of_voice_interval(runs, "acme", resamples=500, seed=1)
    assert interval is not None and share is not None
    low, high = interval
    assert low <= share <= high and 0 <= low < high <= 1
    assert (low, high) == m.share_of_voice_interval(runs, "acme", resamples=500, seed=1)
    assert (low, high) != m.share_of_voice_interval(runs, "acme", resamples=500, seed=2)
    rank = m.average_rank(runs, "acme")  # ranks 1, 1, 1, 2 in each block of six: 15 / 12 = 1.25
    rank_interval = m.bootstrap_interval(runs, lambda rs: m.average_rank(rs, "acme") or 0.0, resamples=500)
    assert rank_interval is not None
    low_rank, high_rank = rank_interval
    assert rank == 1.25 and low_rank <= rank <= high_rank
    assert m.bootstrap_interval([], len) is None
    with pytest.raises(ValueError, match="same length"):
        m.bootstrap_ratio([1], [1, 1])


@given(brand_runs)
def test_bootstrap_intervals_contain_the_estimate(runs: list[list[str]]) -> None:
    assume(len({frozenset(r) for r in runs}) > 1)  # non-degenerate: the answers differ
    for by in ("mentions", "answers"):
        estimate = getattr(m.share_of_voice(runs, "acme"), f"by_{by}")
        interval = m.share_of_voice_interval(runs, "acme", by=by, resamples=200)
        assert (interval is None) == (estimate is None)  # undefined together: no answer names a brand
        if interval is not None:
            assert interval[0] <= estimate + 1e-12 and estimate <= interval[1] + 1e-12
    share, share_interval = m.citation_share(runs, "acme"), m.citation_share_interval(runs, "acme", resamples=200)
    assert (share is None) == (share_interval is None)
    if share is not None and share_interval is not None:
        assert share_interval[0] <= share + 1e-12 <= share_interval[1] + 2e-12


def _mean_over_pairs(runs: list[frozenset[str]]) -> float | None:
    pairs = list(itertools.combinations(runs, 2))
    return sum(m.jaccard(a, b) for a, b in pairs) / len(pairs) if pairs else None


@given(st.lists(st.frozensets(st.sampled_from("abcdefgh")), max_size=12))
def test_mean_pairwise_jaccard_is_the_mean_over_pairs(runs: list[frozenset[str]]) -> None:
    # exactly: the same terms, added in the same order
    assert m.mean_pairwise_jaccard(runs) == _mean_over_pairs(runs)


@given(st.lists(st.frozensets(st.sampled_from("abcdefghijklmnop")), min_size=m._COUNTED_RUNS, max_size=60))
def test_mean_pairwise_jaccard_of_many_runs_is_the_mean_over_pairs(runs: list[frozenset[str]]) -> None:
    assert m.mean_pairwise_jaccard(runs) == _mean_over_pairs(runs)  # the packed counters, empty runs included


@pytest.mark.parametrize("size", [m._COUNTED_ITEMS, m._COUNTED_ITEMS + 1])
def test_mean_pairwise_jaccard_at_the_largest_counted_run(size: int) -> None:
    # unions up to 2 × 127 = 254 fill a counter's byte without carrying into the next run's
    names = [f"d{i}" for i in range(2 * size)]
    runs = [frozenset(names[i % 3 * size // 2 :][:size]) for i in range(m._COUNTED_RUNS)] + [frozenset()] * 2
    assert max(map(len, runs)) == size
    assert m.mean_pairwise_jaccard(runs) == _mean_over_pairs(runs)


@given(st.lists(st.lists(st.sampled_from("abcd"), max_size=4), max_size=12), st.sampled_from("abcd"))
def test_share_of_voice_is_the_ratio_its_intervals_resample(runs: list[list[str]], brand: str) -> None:
    sov = m.share_of_voice(runs, brand)
    for by, value in (("mentions", sov.by_mentions), ("answers", sov.by_answers)):
        numerators, denominators = m._sov_terms(runs, brand, by)  # type: ignore[arg-type]
        assert value == (sum(numerators) / sum(denominators) if sum(denominators) else None)
