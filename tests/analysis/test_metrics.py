"""Metrics against hand-computed values, and the properties they must keep."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citewatch.analysis import metrics as m

sets = st.frozensets(st.sampled_from("abcdefgh"), max_size=6)


def test_wilson_interval_matches_hand_computation() -> None:
    # k=3, n=10: p=.3, z²=3.8415; centre=(.3+.19207)/1.38415=.35550; half=1.96·sqrt(.021+.0096)/1.38415=.24765
    ci = m.wilson_interval(3, 10)
    assert ci.value == 0.3
    assert ci.low == pytest.approx(0.1078, abs=1e-4) and ci.high == pytest.approx(0.6032, abs=1e-4)
    assert (m.wilson_interval(0, 0).low, m.wilson_interval(0, 0).high) == (0.0, 1.0)
    assert m.wilson_interval(0, 5).low == 0.0 and m.wilson_interval(5, 5).high == 1.0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        m.wilson_interval(6, 5)


def test_rates_count_runs_not_occurrences() -> None:
    runs = [{"a.com", "b.com"}, {"a.com"}, {"c.com"}, set()]
    assert m.rate(runs, "a.com").k == 2 and m.rate(runs, "a.com").value == 0.5
    assert m.rate(runs, "z.com").k == 0


def test_jaccard_overlap_and_pairwise_means() -> None:
    a, b, c = {"x", "y", "z"}, {"y", "z", "w"}, {"x"}
    assert m.jaccard(a, b) == 2 / 4
    assert m.overlap(a, b) == 2 / 3
    # pairs: (a,b)=.5, (a,c)=1/3, (b,c)=0 -> mean .27778
    assert m.mean_pairwise_jaccard([a, b, c]) == pytest.approx((0.5 + 1 / 3 + 0) / 3)
    assert m.cross_jaccard([a], [b, c]) == pytest.approx((0.5 + 1 / 3) / 2)
    assert m.mean_pairwise_jaccard([a]) == 1.0


def test_repeat_probability_and_change_rate() -> None:
    runs = [["acme", "bolt"], ["bolt", "acme"], ["acme", "bolt"], ["acme"]]
    # sets: pairs equal: (0,1),(0,2),(1,2) = 3 of 6; ordered: only (0,2) = 1 of 6
    assert m.exact_repeat_probability(runs) == 0.5
    assert m.exact_repeat_probability(runs, ordered=True) == pytest.approx(1 / 6)
    # consecutive sets: same, same, changed -> 1 change over 3 steps
    assert m.change_rate([frozenset(r) for r in runs]) == pytest.approx(1 / 3)
    assert m.change_rate([{"a"}]) == 0.0


def test_runs_needed() -> None:
    assert m.runs_needed(0.1) == 97  # 1.96² · .25 / .01 = 96.04 -> 97
    with pytest.raises(ValueError, match="half_width"):
        m.runs_needed(0)


@given(sets, sets)
def test_jaccard_is_symmetric_and_bounded(a: frozenset[str], b: frozenset[str]) -> None:
    assert m.jaccard(a, b) == m.jaccard(b, a)
    assert 0.0 <= m.jaccard(a, b) <= 1.0
    assert m.jaccard(a, a) == 1.0


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    ci = m.wilson_interval(k, n)
    assert 0.0 <= ci.low <= ci.value <= ci.high <= 1.0 or n == 0


@given(st.lists(sets, max_size=6))
def test_pairwise_measures_are_probabilities(runs: list[frozenset[str]]) -> None:
    assert 0.0 <= m.mean_pairwise_jaccard(runs) <= 1.0
    assert 0.0 <= m.exact_repeat_probability([sorted(r) for r in runs]) <= 1.0
    assert 0.0 <= m.change_rate(runs) <= 1.0


def test_share_of_voice_both_variants() -> None:
    runs = [["acme", "bolt", "acme"], ["bolt"], [], ["acme"]]
    sov = m.share_of_voice(runs, "acme")
    assert sov.by_mentions == 3 / 5  # 3 acme mentions of 5 tracked mentions
    assert sov.by_answers == 2 / 3  # 2 of the 3 answers naming anyone name acme
    assert m.share_of_voice([[], []], "acme") == m.ShareOfVoice(0.0, 0.0)


def test_rank_measures_and_cross_tab() -> None:
    runs = [["bolt", "acme", "bolt"], ["acme"], ["bolt"]]
    assert m.rank_histogram(runs, "acme") == {"2": 1, "1": 1, "absent": 1}
    assert m.average_rank(runs, "acme") == 1.5
    assert m.average_rank(runs, "zeta") is None
    tab = m.cited_mentioned([True, True, False, False], [True, False, True, False])
    assert tab == {"cited_and_mentioned": 1, "cited_only": 1, "mentioned_only": 1, "invisible": 1}


@given(st.lists(st.lists(st.sampled_from("abc"), max_size=4), max_size=8))
def test_share_of_voice_is_a_share(runs: list[list[str]]) -> None:
    total = sum(m.share_of_voice(runs, brand).by_mentions for brand in "abc")
    assert total == pytest.approx(1.0) or not any(runs)
    assert all(0.0 <= m.share_of_voice(runs, b).by_answers <= 1.0 for b in "abc")


def test_rank_biased_overlap() -> None:
    assert m.rank_biased_overlap(["a", "b", "c"], ["a", "b", "c"]) == pytest.approx(1.0)
    assert m.rank_biased_overlap(["a", "b"], ["c", "d"]) == 0.0
    # depth 2, p=.9: X1=0 (a vs b), X2=2 -> (2/2)·.81 + (.1/.9)·(0 + (2/2)·.81) = .81 + .09 = .90
    assert m.rank_biased_overlap(["a", "b"], ["b", "a"]) == pytest.approx(0.9)
    assert m.rank_biased_overlap(["a", "b", "c"], ["a", "c", "b"]) > m.rank_biased_overlap(
        ["a", "b", "c"], ["b", "a", "c"]
    )


def test_kendall_tau_on_shared_items() -> None:
    assert m.kendall_tau_b(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert m.kendall_tau_b(["a", "b", "c"], ["c", "b", "a"]) == -1.0
    # shared a, b, c; pairs (a,b) concordant, (a,c) concordant, (b,c) discordant -> 1/3
    assert m.kendall_tau_b(["a", "b", "x", "c"], ["a", "c", "b"]) == pytest.approx(1 / 3)
    assert m.kendall_tau_b(["a"], ["a", "b"]) is None


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate() -> None:
    runs = [["acme"], ["bolt"], ["acme", "bolt"], ["acme"], [], ["bolt", "acme"]] * 3
    share = lambda rs: m.share_of_voice(rs, "acme").by_mentions  # noqa: E731 - a statistic, inline
    low, high = m.bootstrap_interval(runs, share, resamples=500, seed=1)
    assert low <= share(runs) <= high and 0 <= low < high <= 1
    assert (low, high) == m.bootstrap_interval(runs, share, resamples=500, seed=1)
    assert m.bootstrap_interval([], share) == (0.0, 0.0)


@given(
    st.lists(st.sampled_from("abcdef"), unique=True, max_size=6),
    st.lists(st.sampled_from("abcdef"), unique=True, max_size=6),
)
def test_rbo_is_symmetric_and_bounded(left: list[str], right: list[str]) -> None:
    assert 0.0 <= m.rank_biased_overlap(left, right) <= 1.0
    assert m.rank_biased_overlap(left, right) == pytest.approx(m.rank_biased_overlap(right, left))
