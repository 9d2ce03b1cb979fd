"""Distances and tests between distributions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from textops.quality import distances as dist

PROBS = [0.0, 0.01, 0.025, *[i / 20 for i in range(1, 20)], 0.975, 0.99, 1.0]


def test_js_distance_bounds() -> None:
    assert dist.js_distance([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert dist.js_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert 0.3 < dist.js_distance([0.866, 0.134], [0.5, 0.5]) < 0.4


def test_aligned_shares_with_other_bucket() -> None:
    ref, cur = dist.aligned_shares({"a": 0.5, "b": 0.2}, {"a": 0.4, "c": 0.1}, other=True)
    assert ref == [0.5, 0.2, 0.0, pytest.approx(0.3)]
    assert cur == [0.4, 0.0, 0.1, pytest.approx(0.5)]


def test_psi() -> None:
    assert dist.psi([0.25] * 4, [0.25] * 4) == pytest.approx(0.0)
    assert dist.psi([0.25] * 4, [0.1, 0.2, 0.3, 0.4]) > 0.1
    assert dist.psi([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(0.0)


@pytest.mark.parametrize("shift", [0.0, 0.2, 0.5, 1.0])
def test_ks_from_quantile_grids_is_close_to_the_exact_statistic(shift: float) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=5000), rng.normal(loc=shift, size=4000)
    exact = stats.ks_2samp(a, b).statistic
    approx = dist.ks_from_quantiles(np.quantile(a, PROBS), np.quantile(b, PROBS), PROBS)
    assert approx == pytest.approx(exact, abs=0.03)


def test_ks_with_atoms_and_discrete_values() -> None:
    a = np.array([0] * 60 + [1] * 40, dtype=float)
    b = np.array([0] * 20 + [1] * 80, dtype=float)
    approx = dist.ks_from_quantiles(np.quantile(a, PROBS), np.quantile(b, PROBS), PROBS)
    assert approx == pytest.approx(0.4, abs=0.05)  # within one grid step (5 %)
    assert np.isnan(dist.ks_from_quantiles([], [1.0], PROBS))


def test_cdf_left_and_right_limits_at_an_atom() -> None:
    q, p = [0.0, 0.0, 0.0, 1.0], [0.0, 0.3, 0.6, 1.0]
    assert dist.cdf(np.array([0.0]), q, p).tolist() == [0.6]
    assert dist.cdf(np.array([0.0]), q, p, left=True).tolist() == [0.0]
    assert dist.cdf(np.array([0.5, 2.0, -1.0]), q, p).tolist() == [0.8, 1.0, 0.0]


def test_wasserstein_and_shares_from_quantiles() -> None:
    q = np.linspace(0, 1, len(PROBS))
    assert dist.wasserstein_from_quantiles(q, q + 0.5, PROBS) == pytest.approx(0.5)
    uniform = list(PROBS)  # quantiles of U(0, 1)
    assert dist.shares_from_quantiles(uniform, PROBS, [0.0, 0.5]) == pytest.approx([0.5, 0.5])


def test_chi_square_tests_agree_with_scipy() -> None:
    observed, expected = [30, 50, 20], [0.3, 0.4, 0.3]
    stat, p = dist.chi_square_goodness_of_fit(observed, expected)
    ref = stats.chisquare(observed, f_exp=[30, 40, 30])
    assert (stat, p) == pytest.approx((ref.statistic, ref.pvalue))
    stat, p = dist.chi_square_two_sample([30, 50, 20], [40, 40, 20])
    ref2 = stats.chi2_contingency([[30, 50, 20], [40, 40, 20]], correction=False)
    assert (stat, p) == pytest.approx((ref2.statistic, ref2.pvalue))
    assert dist.chi_square_goodness_of_fit([5], [1.0]) == (0.0, 1.0)


def test_ks_p_value() -> None:
    assert dist.ks_p_value(0.0, 100, 100) == pytest.approx(1.0)
    assert dist.ks_p_value(0.3, 1000, 1000) < 1e-10
    assert np.isnan(dist.ks_p_value(0.1, 0, 10))


def test_noise_floors_match_two_samples_of_one_distribution() -> None:
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(50))
    n = 2000
    observed_js, observed_psi = [], []
    for _ in range(200):
        a = rng.multinomial(n, p) / n
        b = rng.multinomial(n, p) / n
        observed_js.append(dist.js_distance(a, b) ** 2)
        observed_psi.append(dist.psi(a, b))
    assert np.mean(observed_js) == pytest.approx(dist.js_noise_floor(50, n, n), rel=0.25)
    assert np.mean(observed_psi) == pytest.approx(dist.psi_noise_floor(50, n, n), rel=0.25)
    assert dist.js_noise_floor(50, n, None) == pytest.approx(dist.js_noise_floor(50, n, n) / 2)
    assert dist.js_noise_floor(1, n, n) == dist.psi_noise_floor(0, n, n) == 0.0


def test_cochran_rule_and_the_expected_counts_it_judges() -> None:
    assert dist.cochran_holds([5, 5, 5, 5, 1])  # one of five (20 %) under 5 is allowed
    assert not dist.cochran_holds([5, 5, 5, 4, 4])
    assert not dist.cochran_holds([50, 50, 0.9])  # none under 1
    assert dist.cochran_holds([3])  # a single cell is a trivial test
    assert dist.expected_counts_goodness_of_fit([7, 3, 2], [0.5, 0.25, 0.25]) == pytest.approx(
        [6, 3, 3]
    )
    table = [[30, 50, 20], [40, 40, 20]]
    scipy_expected = stats.chi2_contingency(table, correction=False).expected_freq
    assert dist.expected_counts_two_sample(*table) == pytest.approx(scipy_expected.ravel())
    assert dist.expected_counts_two_sample([5, 0], [3, 0]).size == 0  # one category: no test


def test_pool_bins_merges_sparse_tails_but_keeps_a_new_region() -> None:
    reference = [0.002, 0.498, 0.498, 0.002, 0.0]
    current = [0.0, 0.5, 0.5, 0.0, 0.0]
    ref, cur = dist.pool_bins(reference, current, n_reference=1000, n_current=20, min_expected=5)
    assert ref == pytest.approx([0.5, 0.5]) and cur == pytest.approx([0.5, 0.5])
    moved = [0.0, 0.0, 0.0, 0.0, 1.0]  # all of it where the reference has nothing
    ref, cur = dist.pool_bins(reference, moved, n_reference=20, n_current=20, min_expected=5)
    assert ref == pytest.approx([0.5, 0.5, 0.0]) and cur == pytest.approx([0.0, 0.0, 1.0])
    assert dist.pool_bins([0.5, 0.5], [0.5, 0.5], n_reference=6, n_current=6, min_expected=5) == (
        [1.0],
        [1.0],
    )


def test_ks_critical_distance_is_where_the_p_value_reaches_alpha() -> None:
    critical = dist.ks_critical_distance(100, 400, 0.05)
    assert dist.ks_p_value(critical, 100, 400) == pytest.approx(0.05)
    assert critical == pytest.approx(1.358 * np.sqrt(1 / 100 + 1 / 400), rel=1e-3)
    assert dist.ks_critical_distance(0, 400, 0.05) == float("inf")


def test_chance_excess_is_the_tail_of_psi_for_two_samples_of_one_distribution() -> None:
    rng = np.random.default_rng(3)
    p = np.full(10, 0.1)
    n, m = 100, 1000
    floor = dist.psi_noise_floor(10, n, m)
    excess = [
        dist.psi(rng.multinomial(m, p) / m, rng.multinomial(n, p) / n) - floor for _ in range(4000)
    ]
    beyond = np.mean(np.array(excess) > dist.chance_excess(10, n, m, 0.05))
    assert 0.025 < beyond < 0.08
    assert dist.chance_excess(1, n, m, 0.05) == 0.0


def test_binomial_chance_rise() -> None:
    assert dist.binomial_chance_rise(1000, 0.1, 0.001) == pytest.approx(
        stats.binom.ppf(0.999, 1000, 0.1) / 1000 - 0.1
    )
    assert dist.binomial_chance_rise(1000, 0.0, 0.001) == 0.0
    assert dist.binomial_chance_rise(0, 0.1, 0.001) == float("inf")
