"""The drift tests themselves: each check's distances, and when a sample is too small to judge.

:func:`~textops.quality.drift.compare_profile` runs them, one check at a time,
against a :class:`Reference` (the baseline, or another profile); each test
hands its value, detail and sample-size verdict to a :class:`Recorder`, which
turns them into :class:`~textops.quality.drift.CheckResult` rows.

Too few rows to judge
---------------------
A test on too small a sample can say neither ok nor fail, so its status is
``insufficient`` (the value is still computed; the detail says why). The
rule is the same for every distance: a test judges only when chance alone,
two samples of one distribution, would reach its fail threshold in at most
:data:`FALSE_FAIL_RATE` of samples (1 in 1,000: a clean version runs about
a hundred tests, and should pass as a whole). Each test's own sampling
distribution gives its minimum:

* KS: the distance chance passes at that rate, ``kolmogi(rate) *
  sqrt(1/n + 1/m)``, must be under the fail threshold (default D = 0.2:
  about 95 rows when the other side is large).
* PSI and the Jensen-Shannon distances (class balance, vocabulary): these
  are, to first order, chi-square distances, so the chi-square quantile less
  the noise floor already subtracted must stay under the fail threshold
  (PSI over 20 bins at the default 0.25: about 100 rows). Before that, PSI
  pools adjacent histogram bins until each expects
  :data:`MIN_EXPECTED_BIN_ROWS` rows of the smaller side, as sparse cells are
  pooled for a chi-square test (expected counts from both sides together):
  one row in a tail bin filled 0.2 % would otherwise read as a large shift.
  Fewer than two pooled bins is insufficient, unless both sides fill the
  same single bin.
* chi-square (class balance): its p-value is its own chance rate, so only
  the approximation must hold, by Cochran's rule: no expected class count
  under 1, and at most 20 % of them under 5
  (:func:`~textops.quality.distances.cochran_holds`).
* ``vocabulary`` also needs one reference term expected
  :data:`MIN_EXPECTED_TERM_COUNT` times; ``oov_rate``: the rise chance alone
  gives (a binomial quantile over the term occurrences) must stay under the
  fail threshold.
* ``duplicates`` and ``train_test_overlap`` count events rather than
  estimate a distribution: they always judge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from textops.quality import distances as dist
from textops.quality.baseline import DEFAULT_BASELINE_TERMS, Baseline, Thresholds
from textops.quality.profile import (
    HISTOGRAM_EDGES,
    QUANTILE_PROBS,
    DatasetProfile,
    NumericSummary,
)

#: A reference term gets its own bucket in the vocabulary distance when it is
#: expected at least this many times in the smaller of the two datasets.
MIN_EXPECTED_TERM_COUNT = 5
#: The out-of-vocabulary rate counts reference terms seen this many times.
MIN_REFERENCE_TERM_COUNT = 20
#: A KS distance only warns or fails when its p-value is under this.
KS_SIGNIFICANCE = 0.05
#: PSI pools adjacent histogram bins until each expects this many rows.
MIN_EXPECTED_BIN_ROWS = 5
#: A test judges only when chance alone reaches its fail threshold at most
#: this often (else it is insufficient).
FALSE_FAIL_RATE = 0.001


class Recorder(Protocol):
    """Where a test leaves its result (:mod:`textops.quality.drift` collects them): ``limits``
    of an unconfigured test are None; ``too_few`` (why the sample cannot judge) makes a
    result insufficient."""

    def wants(self, check: str) -> bool: ...
    def limits(self, check: str, test: str) -> Thresholds | None: ...
    def add(
        self, check: str, test: str, value: float, detail: str, *,
        significant: bool = True, too_few: str | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class _StatRef:
    count: int
    std: float | None
    quantiles: list[float]
    edges: list[float]
    shares: list[float]


@dataclass(frozen=True)
class Reference:
    """The side a profile is compared with: the baseline, or another profile."""

    name: str
    class_shares: dict[str, float]
    class_counts: dict[str, int] | None
    quantile_probs: list[float]
    statistics: dict[str, _StatRef]
    term_shares: dict[str, float]
    oov_rate: float
    term_occurrences: int | None = None
    labelled_rows: int | None = None


def reference_from_baseline(baseline: Baseline) -> Reference:
    stats = {
        name: _StatRef(s.count, s.std, s.quantiles, s.histogram.edges, s.histogram.shares)
        for name, s in baseline.statistics.items()
    }
    return Reference(
        name="baseline",
        class_shares=dict(baseline.classes.expected_shares),
        class_counts=None,
        quantile_probs=list(baseline.quantile_probs),
        statistics=stats,
        term_shares=dict(baseline.vocabulary.top_terms),
        oov_rate=baseline.vocabulary.oov_rate,
        term_occurrences=baseline.vocabulary.occurrences,
        labelled_rows=baseline.source.rows,
    )


def reference_from_profile(
    profile: DatasetProfile, *, top_terms: int = DEFAULT_BASELINE_TERMS
) -> Reference:
    stats = {
        name: _StatRef(s.count, s.std, s.quantiles, HISTOGRAM_EDGES[name], dist.shares(s.histogram))
        for name, s in profile.statistics.items()
    }
    terms = dict(list(profile.term_shares().items())[:top_terms])
    return Reference(
        name=profile.name,
        class_shares=profile.class_shares,
        class_counts=dict(profile.class_counts),
        quantile_probs=list(QUANTILE_PROBS),
        statistics=stats,
        term_shares=terms,
        oov_rate=max(0.0, 1.0 - sum(terms.values())),
        term_occurrences=profile.n_terms,
        labelled_rows=sum(profile.class_counts.values()),
    )



def check_class_balance(out: Recorder, current: DatasetProfile, ref: Reference) -> None:
    """Chi-square p-value and Jensen-Shannon distance of the class shares."""
    if not out.wants("class_balance") or not current.class_counts:
        return
    keys = list(ref.class_shares) + [k for k in current.class_counts if k not in ref.class_shares]
    observed = [current.class_counts.get(k, 0) for k in keys]
    if ref.class_counts is not None:
        ref_counts = [ref.class_counts.get(k, 0) for k in keys]
        _, p = dist.chi_square_two_sample(ref_counts, observed)
        expected = dist.expected_counts_two_sample(ref_counts, observed)
        how = f"homogeneity with {ref.name}"
    else:
        ref_shares = [ref.class_shares.get(k, 0.0) for k in keys]
        _, p = dist.chi_square_goodness_of_fit(observed, ref_shares)
        expected = dist.expected_counts_goodness_of_fit(observed, ref_shares)
        how = "goodness of fit to the expected shares"
    too_few = _too_few_for_chi_square(expected, sum(observed))
    cur_shares = current.class_shares
    moved = sorted(keys, key=lambda k: -abs(cur_shares.get(k, 0.0) - ref.class_shares.get(k, 0.0)))[
        :3
    ]
    shifts = ", ".join(
        f"{k}: {ref.class_shares.get(k, 0.0):.1%} -> {cur_shares.get(k, 0.0):.1%}" for k in moved
    )
    out.add(
        "class_balance",
        "chi_square",
        p,
        f"p-value of chi-square {how}; largest moves {shifts}",
        too_few=too_few,
    )
    ref_vec, cur_vec = dist.aligned_shares(ref.class_shares, cur_shares)
    raw = dist.js_distance(ref_vec, cur_vec)
    buckets = sum(1 for a, b in zip(ref_vec, cur_vec, strict=True) if a or b)
    noise = dist.js_noise_floor(buckets, sum(observed), ref.labelled_rows)
    out.add(
        "class_balance",
        "js_distance",
        math.sqrt(max(0.0, raw * raw - noise)),
        f"largest moves {shifts}; distance {raw:.3f} less a sampling floor of "
        f"{math.sqrt(noise):.3f}",
        too_few=too_few
        or _js_too_few(
            out.limits("class_balance", "js_distance"), buckets, sum(observed), ref.labelled_rows
        ),
    )


def _too_few_for_chi_square(expected: np.ndarray, rows: int) -> str | None:
    """Why Cochran's rule does not hold for these expected counts, or None when it does."""
    if dist.cochran_holds(expected):
        return None
    smallest = f"{expected.min():.1f}" if expected.size else "none"
    return (
        f"{rows} labelled rows give expected class counts down to {smallest} (chi-square needs "
        f"every one at least 1 and {1 - dist.COCHRAN_SMALL_SHARE:.0%} of them at least 5)"
    )


def check_numeric(out: Recorder, name: str, current: DatasetProfile, ref: Reference) -> None:
    """KS distance and PSI of the numeric statistic ``name``."""
    summary, reference = current.statistics.get(name), ref.statistics.get(name)
    if (
        not out.wants(name)
        or summary is None
        or reference is None
        or not summary.count
        or not reference.count
    ):
        return
    _ks(out, name, summary, reference, probs=ref.quantile_probs)
    _psi(out, name, summary, reference)


def _js_too_few(
    limits: Thresholds | None,
    buckets: int,
    n_current: int,
    n_reference: int | None,
    *,
    unit: str = "rows",
) -> str | None:
    """Why a Jensen-Shannon distance over ``buckets`` cannot judge, or None when it can."""
    if limits is None:
        return None
    excess = dist.chance_excess(buckets, n_current, n_reference, FALSE_FAIL_RATE)
    chance = math.sqrt(excess / (8 * math.log(2)))
    if chance <= limits.fail:
        return None
    reached = f"a distance of {chance:.2f} over {buckets} buckets"
    return _by_chance(reached, limits.fail, n_current, n_reference, unit=unit)


def _by_chance(
    reached: str, fail: float, n_current: int, n_reference: int | None, *, unit: str = "rows"
) -> str:
    """Why a test cannot judge: chance alone reaches its fail threshold too often."""
    sizes = f"{n_current:,}" + ("" if n_reference is None else f" vs {n_reference:,}")
    return (
        f"with {sizes} {unit}, chance alone gives {reached} in 1 of {1 / FALSE_FAIL_RATE:,.0f} "
        f"samples, past the fail threshold {fail:g}"
    )


def _ks(
    out: Recorder, name: str, summary: NumericSummary, reference: _StatRef, *, probs: list[float]
) -> None:
    d = dist.ks_from_quantiles(reference.quantiles, summary.quantiles, probs, QUANTILE_PROBS)
    p = dist.ks_p_value(d, reference.count, summary.count)
    on_ref_grid = np.interp(probs, QUANTILE_PROBS, summary.quantiles)
    w = dist.wasserstein_from_quantiles(reference.quantiles, on_ref_grid, probs)
    w_std = w / reference.std if reference.std else float("nan")
    median_ref = float(np.interp(0.5, probs, reference.quantiles))
    median_cur = float(np.interp(0.5, QUANTILE_PROBS, summary.quantiles))
    significant = bool(p < KS_SIGNIFICANCE)
    note = "" if significant else f"; not significant at {KS_SIGNIFICANCE:.0%}, so ok"
    limits = out.limits(name, "ks")
    too_few = None
    if limits is not None:
        chance = dist.ks_critical_distance(summary.count, reference.count, FALSE_FAIL_RATE)
        if chance > limits.fail:
            too_few = _by_chance(f"KS D={chance:.2f}", limits.fail, summary.count, reference.count)
    out.add(
        name,
        "ks",
        d,
        f"KS D={d:.3f} (p={p:.2g}, n={summary.count} vs {reference.count}){note}; "
        f"Wasserstein/std={w_std:.3f}; median {median_cur:.4g} vs {median_ref:.4g}",
        significant=significant,
        too_few=too_few,
    )


def _psi(out: Recorder, name: str, summary: NumericSummary, reference: _StatRef) -> None:
    if list(reference.edges) == HISTOGRAM_EDGES[name]:
        cur_shares = dist.shares(summary.histogram)
    else:
        cur_shares = dist.shares_from_quantiles(summary.quantiles, QUANTILE_PROBS, reference.edges)
    rows = min(summary.count, reference.count)
    ref_pooled, cur_pooled = dist.pool_bins(
        reference.shares,
        cur_shares,
        n_reference=reference.count,
        n_current=summary.count,
        min_expected=MIN_EXPECTED_BIN_ROWS,
    )
    bins = len(ref_pooled)
    raw = dist.psi(ref_pooled, cur_pooled)
    noise = dist.psi_noise_floor(bins, summary.count, reference.count)
    limits = out.limits(name, "psi")
    filled = sum(1 for a, b in zip(reference.shares, cur_shares, strict=True) if a or b)
    too_few = None
    if bins < 2 and filled > 1:  # one filled bin on both sides is no shift, not too few rows
        too_few = f"{rows} rows fill fewer than 2 bins with {MIN_EXPECTED_BIN_ROWS} expected rows"
    elif limits is not None:
        chance = dist.chance_excess(bins, summary.count, reference.count, FALSE_FAIL_RATE)
        if chance > limits.fail:
            too_few = _by_chance(
                f"PSI {chance:.2f} over {bins} bins", limits.fail, summary.count, reference.count
            )
    out.add(
        name,
        "psi",
        max(0.0, raw - noise),
        f"PSI {raw:.3f} over {bins} bins (adjacent bins pooled to expect "
        f"{MIN_EXPECTED_BIN_ROWS} rows each) less a sampling floor of {noise:.3f}",
        too_few=too_few,
    )


def check_vocabulary(out: Recorder, current: DatasetProfile, ref: Reference) -> None:
    """Jensen-Shannon distance of the reference's top terms, and the OOV rate's rise."""
    if not current.n_terms or not ref.term_shares:
        return
    cur = {t: current.top_terms.get(t, 0) / current.n_terms for t in ref.term_shares}
    ref_n = ref.term_occurrences
    smaller = min(current.n_terms, ref_n or current.n_terms)
    kept = {t: s for t, s in ref.term_shares.items() if s * smaller >= MIN_EXPECTED_TERM_COUNT}
    ref_vec, cur_vec = dist.aligned_shares(kept, {t: cur[t] for t in kept}, other=True)
    raw = dist.js_distance(ref_vec, cur_vec)
    noise = dist.js_noise_floor(len(ref_vec), current.n_terms, ref_n)
    value = math.sqrt(max(0.0, raw * raw - noise))
    if kept:
        too_few = _js_too_few(
            out.limits("vocabulary", "js_distance"),
            len(ref_vec),
            current.n_terms,
            ref_n,
            unit="term occurrences",
        )
    else:
        too_few = (
            f"{smaller:,} term occurrences leave no reference term expected "
            f"{MIN_EXPECTED_TERM_COUNT} times"
        )
    out.add(
        "vocabulary",
        "js_distance",
        value,
        f"Jensen-Shannon distance {raw:.3f} over {len(kept)} top terms + all others, less the "
        f"{math.sqrt(noise):.3f} that sampling alone gives {current.n_terms:,} vs "
        f"{ref_n or 'unknown':,} term occurrences",
        too_few=too_few,
    )
    _oov_rate(out, current, ref, cur)


def _oov_rate(
    out: Recorder, current: DatasetProfile, ref: Reference, cur: Mapping[str, float]
) -> None:
    ref_n = ref.term_occurrences
    # Terms the reference saw often enough that their share is not inflated by
    # having been picked as frequent in the reference itself.
    vocabulary = {
        t: s
        for t, s in ref.term_shares.items()
        if not ref_n or s * ref_n >= MIN_REFERENCE_TERM_COUNT
    }
    ref_oov = max(0.0, 1.0 - sum(vocabulary.values()))
    oov = max(0.0, 1.0 - sum(cur[t] for t in vocabulary))
    limits = out.limits("oov_rate", "increase")
    chance = dist.binomial_chance_rise(current.n_terms, ref_oov, FALSE_FAIL_RATE)
    too_few = None
    if limits is not None and chance > limits.fail:
        too_few = _by_chance(
            f"a rise of {chance:.1%} from {ref_oov:.1%}",
            limits.fail,
            current.n_terms,
            None,
            unit="term occurrences",
        )
    out.add(
        "oov_rate",
        "increase",
        oov - ref_oov,
        f"{oov:.1%} of term occurrences outside the reference's {len(vocabulary)} most frequent "
        f"terms (reference: {ref_oov:.1%})",
        too_few=too_few,
    )


def train_test_overlap(train_stats: pl.DataFrame, test_stats: pl.DataFrame) -> tuple[int, int]:
    """(test rows whose exact text is also in train, test rows with a text)."""
    test = test_stats.filter(~pl.col("is_null_text"))
    train_hashes = train_stats.filter(~pl.col("is_null_text"))["text_hash"].unique()
    return int(test["text_hash"].is_in(train_hashes.implode()).sum()), test.height
