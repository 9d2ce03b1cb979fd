"""Distances and tests between two distributions, as the drift checks use them.

Distributions arrive as a profile stores them: category shares (classes,
terms), histogram shares on fixed edges, or a grid of quantiles. With only a
quantile grid, the CDF is taken as piecewise linear between the grid's
points, and the Kolmogorov-Smirnov statistic is the exact supremum between
two such CDFs (a resolution of about one grid step).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np

#: A vector of numbers: a list or a NumPy array.
Numbers: TypeAlias = Sequence[float] | np.ndarray

#: Floor for empty bins in PSI and Jensen-Shannon, so logs stay finite.
EPSILON = 1e-4
#: Quantiles this close (relative) count as the same value in the KS test.
SNAP_TOLERANCE = 1e-5
#: Cochran's rule for the chi-square approximation: every expected count at
#: least 1, and at most this share of them under 5.
COCHRAN_SMALL_SHARE = 0.2


def js_distance(p: Numbers, q: Numbers) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) between two share vectors."""
    a = np.asarray(p, dtype=float)
    b = np.asarray(q, dtype=float)
    if a.sum() <= 0 or b.sum() <= 0:
        return 1.0 if a.sum() != b.sum() else 0.0
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return math.sqrt(max(0.0, (kl(a) + kl(b)) / 2))


def js_noise_floor(buckets: int, n_current: int, n_reference: int | None) -> float:
    """Expected squared JS distance (bits) between two samples of one distribution.

    To first order, Jensen-Shannon divergence is chi-square / 8, whose
    expectation over ``buckets`` categories with multinomial samples of
    ``n_current`` and ``n_reference`` draws is ``(buckets - 1)(1/n1 + 1/n2)``.
    Subtracting it keeps small datasets of short texts from reading as drift;
    ``n_reference`` None counts the reference as exact.
    """
    if buckets < 2 or n_current <= 0:
        return 0.0
    inverse = 1.0 / n_current + (1.0 / n_reference if n_reference else 0.0)
    return (buckets - 1) * inverse / (8 * math.log(2))


def psi_noise_floor(bins: int, n_current: int, n_reference: int | None) -> float:
    """Expected PSI between two samples of one distribution over ``bins`` bins.

    PSI is, to first order, the chi-square distance of the shares, whose
    expectation is ``(bins - 1)(1/n1 + 1/n2)``.
    """
    if bins < 2 or n_current <= 0:
        return 0.0
    return (bins - 1) * (1.0 / n_current + (1.0 / n_reference if n_reference else 0.0))


def chance_excess(buckets: int, n_current: int, n_reference: int | None, rate: float) -> float:
    """How far past its mean chance alone takes a chi-square distance in ``rate`` of samples.

    PSI is, to first order, the chi-square distance of the shares (and the
    Jensen-Shannon divergence in bits that over ``8 ln 2``): divided by
    ``1/n1 + 1/n2`` it is chi-square with ``buckets - 1`` degrees of freedom
    for two samples of one distribution. This is the chi-square quantile less
    its mean, ``(chi2.ppf(1 - rate) - (buckets - 1))(1/n1 + 1/n2)``: what is
    left of chance once :func:`psi_noise_floor` is subtracted.
    """
    if buckets < 2 or n_current <= 0:
        return 0.0
    from scipy.stats import chi2

    inverse = 1.0 / n_current + (1.0 / n_reference if n_reference else 0.0)
    return float(chi2.ppf(1.0 - rate, buckets - 1) - (buckets - 1)) * inverse


def binomial_chance_rise(n: int, share: float, rate: float) -> float:
    """How far chance alone raises an observed share above ``share`` in ``rate`` of n draws."""
    if n <= 0:
        return float("inf")
    from scipy.stats import binom

    return float(binom.ppf(1.0 - rate, n, share)) / n - share


def pool_bins(
    reference: Numbers,
    current: Numbers,
    *,
    n_reference: int,
    n_current: int,
    min_expected: float,
) -> tuple[list[float], list[float]]:
    """Adjacent bins pooled until each expects ``min_expected`` rows of the smaller sample.

    The usual remedy for sparse cells in a chi-square test of homogeneity: a
    tail bin filled 0.2 % expects 0.04 of 20 rows, and one row landing there
    would read as a large shift. Expected counts come from both samples
    together, so a region only the current sample fills still gets its own
    bin. A remainder too small for a bin of its own joins the last bin.
    """
    smaller, total = min(n_reference, n_current), n_reference + n_current
    ref_pooled: list[float] = []
    cur_pooled: list[float] = []
    ref_acc = cur_acc = 0.0
    for r, c in zip(reference, current, strict=True):
        ref_acc, cur_acc = ref_acc + float(r), cur_acc + float(c)
        combined = (n_reference * ref_acc + n_current * cur_acc) / total if total else 0.0
        if combined * smaller >= min_expected:
            ref_pooled.append(ref_acc)
            cur_pooled.append(cur_acc)
            ref_acc = cur_acc = 0.0
    if not ref_pooled:
        return [ref_acc], [cur_acc]
    ref_pooled[-1] += ref_acc
    cur_pooled[-1] += cur_acc
    return ref_pooled, cur_pooled


def aligned_shares(
    reference: Mapping[str, float], current: Mapping[str, float], *, other: bool = False
) -> tuple[list[float], list[float]]:
    """Two share vectors over the union of keys (reference order first).

    With ``other``, a last bucket holds each side's remaining mass (shares
    that do not sum to one, as with top-term lists).
    """
    keys = list(reference) + [k for k in current if k not in reference]
    ref = [float(reference.get(k, 0.0)) for k in keys]
    cur = [float(current.get(k, 0.0)) for k in keys]
    if other:
        ref.append(max(0.0, 1.0 - sum(ref)))
        cur.append(max(0.0, 1.0 - sum(cur)))
    return ref, cur


def psi(reference: Numbers, current: Numbers) -> float:
    """Population stability index of ``current`` shares against ``reference`` shares."""
    ref = np.maximum(np.asarray(reference, dtype=float), EPSILON)
    cur = np.maximum(np.asarray(current, dtype=float), EPSILON)
    ref, cur = ref / ref.sum(), cur / cur.sum()
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def shares(counts: Numbers) -> list[float]:
    total = float(sum(counts))
    return [c / total if total else 0.0 for c in counts]


def cdf(x: np.ndarray, quantiles: Numbers, probs: Numbers, *, left: bool = False) -> np.ndarray:
    """Piecewise-linear CDF from a quantile grid; ``left`` gives the left limit F(x-)."""
    q = np.asarray(quantiles, dtype=float)
    p = np.asarray(probs, dtype=float)
    x = np.asarray(x, dtype=float)
    if left:
        k = np.searchsorted(q, x, side="left")  # first q >= x
        lo = np.clip(k - 1, 0, len(q) - 1)
        hi = np.clip(k, 0, len(q) - 1)
    else:
        k = np.searchsorted(q, x, side="right") - 1  # last q <= x
        lo = np.clip(k, 0, len(q) - 1)
        hi = np.clip(k + 1, 0, len(q) - 1)
    span = q[hi] - q[lo]
    frac = np.where(span > 0, (x - q[lo]) / np.where(span > 0, span, 1.0), 0.0 if left else 1.0)
    value = p[lo] + (p[hi] - p[lo]) * np.clip(frac, 0.0, 1.0)
    below = x <= q[0] if left else x < q[0]
    above = x > q[-1] if left else x >= q[-1]
    return np.where(below, 0.0, np.where(above, 1.0, value))


def ks_from_quantiles(
    reference: Numbers,
    current: Numbers,
    probs: Numbers,
    current_probs: Numbers | None = None,
) -> float:
    """Kolmogorov-Smirnov statistic between two distributions given as quantile grids.

    ``current_probs`` defaults to ``probs`` (both grids at the same probabilities).
    """
    if not len(reference) or not len(current):
        return float("nan")
    cur_probs = probs if current_probs is None else current_probs
    ref = np.asarray(reference, dtype=float)
    cur = _snap(np.asarray(current, dtype=float), ref)
    knots = np.union1d(ref, cur)
    gaps = []
    for left in (False, True):
        f_ref = cdf(knots, ref, probs, left=left)
        f_cur = cdf(knots, cur, cur_probs, left=left)
        gaps.append(np.abs(f_ref - f_cur).max())
    return float(max(gaps))


def _snap(values: np.ndarray, onto: np.ndarray, rel: float = SNAP_TOLERANCE) -> np.ndarray:
    """Values within ``rel`` (relative) of a value of ``onto`` become that value.

    A baseline file stores quantiles to 6 significant digits; without this,
    an atom (many texts with the same value) stored rounded would sit beside
    the same atom measured exactly, and KS would report the atom's whole mass.
    """
    if not values.size or not onto.size:
        return values
    order = np.sort(onto)
    idx = (
        np.clip(np.searchsorted(order, values), 1, len(order) - 1)
        if len(order) > 1
        else np.zeros(len(values), dtype=int)
    )
    candidates = np.stack([order[idx - 1], order[idx]]) if len(order) > 1 else order[idx][None, :]
    nearest = candidates[np.abs(candidates - values).argmin(axis=0), np.arange(len(values))]
    close = np.abs(nearest - values) <= rel * np.abs(nearest) + 1e-12
    return np.where(close, nearest, values)


def ks_p_value(d: float, n: int, m: int) -> float:
    """Asymptotic two-sample KS p-value for statistic ``d`` and sample sizes n, m."""
    if not n or not m or math.isnan(d):
        return float("nan")
    from scipy.special import kolmogorov

    return float(kolmogorov(d * math.sqrt(n * m / (n + m))))


def ks_critical_distance(n: int, m: int, alpha: float) -> float:
    """The two-sample KS distance chance alone passes in ``alpha`` of samples of sizes n, m."""
    if not n or not m:
        return float("inf")
    from scipy.special import kolmogi

    return float(kolmogi(alpha)) * math.sqrt((n + m) / (n * m))


def cochran_holds(expected: Numbers) -> bool:
    """Whether expected counts are large enough for the chi-square approximation.

    Cochran's rule: no expected count under 1, and at most
    :data:`COCHRAN_SMALL_SHARE` of them under 5. Fewer than two cells make
    a trivial test (p = 1) that needs no approximation.
    """
    exp = np.asarray(expected, dtype=float)
    if exp.size < 2:
        return True
    return bool(exp.min() >= 1 and (exp < 5).mean() <= COCHRAN_SMALL_SHARE)


def expected_counts_goodness_of_fit(observed: Numbers, expected_shares: Numbers) -> np.ndarray:
    """The counts :func:`chi_square_goodness_of_fit` expects (categories with a share)."""
    obs = np.asarray(observed, dtype=float)
    exp = np.asarray(expected_shares, dtype=float)
    keep = exp > 0
    if keep.sum() < 2 or obs[keep].sum() == 0:
        return np.zeros(0)
    return np.asarray(exp[keep] / exp[keep].sum() * obs[keep].sum(), dtype=float)


def expected_counts_two_sample(counts_a: Numbers, counts_b: Numbers) -> np.ndarray:
    """The cell counts :func:`chi_square_two_sample` expects, flattened."""
    table = np.vstack([np.asarray(counts_a, dtype=float), np.asarray(counts_b, dtype=float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return np.zeros(0)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    return np.asarray(expected.ravel(), dtype=float)


def wasserstein_from_quantiles(reference: Numbers, current: Numbers, probs: Numbers) -> float:
    """Earth mover's distance: the integral of |Q_ref(p) - Q_cur(p)| over p."""
    diff = np.abs(np.asarray(reference, dtype=float) - np.asarray(current, dtype=float))
    widths = np.diff(np.asarray(probs, dtype=float))
    return float(np.sum((diff[1:] + diff[:-1]) / 2 * widths))


def chi_square_goodness_of_fit(observed: Numbers, expected_shares: Numbers) -> tuple[float, float]:
    """Chi-square statistic and p-value of observed counts against expected shares."""
    obs = np.asarray(observed, dtype=float)
    exp = np.asarray(expected_shares, dtype=float)
    keep = exp > 0
    obs, exp = obs[keep], exp[keep] / exp[keep].sum() * obs[keep].sum()
    if obs.size < 2 or obs.sum() == 0:
        return 0.0, 1.0
    from scipy.stats import chi2

    stat = float(np.sum((obs - exp) ** 2 / exp))
    return stat, float(chi2.sf(stat, obs.size - 1))


def chi_square_two_sample(counts_a: Numbers, counts_b: Numbers) -> tuple[float, float]:
    """Chi-square test of homogeneity between two count vectors over the same categories."""
    table = np.vstack([np.asarray(counts_a, dtype=float), np.asarray(counts_b, dtype=float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0
    from scipy.stats import chi2

    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    stat = float(np.sum((table - expected) ** 2 / expected))
    return stat, float(chi2.sf(stat, table.shape[1] - 1))


def shares_from_quantiles(quantiles: Numbers, probs: Numbers, edges: Numbers) -> list[float]:
    """Histogram shares on ``edges`` (last bin open) estimated from a quantile grid."""
    below = cdf(np.asarray(edges[1:], dtype=float), quantiles, probs, left=True)
    cumulative = np.concatenate([[0.0], below, [1.0]])
    return [float(s) for s in np.diff(cumulative).clip(0.0, 1.0)]
