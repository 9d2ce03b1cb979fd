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
