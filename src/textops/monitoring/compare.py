"""Logged traffic against the training data of the model that scored it: the monitor's verdict.

The traffic of a window becomes a :class:`~textops.quality.profile.DatasetProfile`
(its predicted labels as the class column), compared with the profile of the
dataset version's training set by validate's own drift tests and thresholds
(:func:`textops.quality.drift.compare_profile`, the thresholds of the baseline's
``checks:``): predicted class shares against the training class shares, every
text statistic (lengths, character shares, sentiment, language confidence), the
vocabulary and the out-of-vocabulary rate. Two tests are the monitor's own:

* ``english_share.share``: the English share of the rows long enough to judge,
  failing under the baseline's ``language.min_share`` (validate's hard limit) and
  warning halfway from it to the training share; insufficient while chance
  alone would cross the floor in 1 of 1,000 samples of that size.
* ``confidence.ks``: the two-sample KS distance of the predicted labels'
  confidences from the same model version's traffic of the window before, with
  the KS rules and thresholds of the statistics; not run without such traffic.

The verdict is the worst status (ok < insufficient < warn < fail), and
``insufficient`` whatever the tests say while the window holds fewer than
``min_rows`` texts: too little traffic is never reported as ok.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from textops.quality.baseline import (
    CHECK_TESTS,
    DEFAULT_BASELINE_TERMS,
    DEFAULT_MIN_ENGLISH_SHARE,
    DEFAULT_THRESHOLDS,
    Direction,
    Thresholds,
)
from textops.quality.drift import STATUSES, CheckResult, compare_profile, status_for, worst_status
from textops.quality.drift_tests import FALSE_FAIL_RATE, KS_SIGNIFICANCE, reference_from_profile
from textops.quality.profile import DEFAULT_MIN_WORDS, DEFAULT_TOP_TERMS, DatasetProfile

if TYPE_CHECKING:
    import polars as pl

    from textops.monitoring.reading import TrafficWindow

#: The monitor's own tests, and whether a higher or lower value is worse.
MONITOR_TESTS: dict[str, dict[str, Direction]] = {
    "english_share": {"share": "below"},
    "confidence": {"ks": "above"},
}
#: validate's checks that compare one dataset with another (the rest judge a version alone).
_COMPARED = [c for c in CHECK_TESTS if c not in ("duplicates", "train_test_overlap")]
TRAFFIC = "traffic"


@dataclass(frozen=True)
class Settings:
    """What the verdict is judged by: validate's thresholds and the monitor's minimum."""

    checks: Mapping[str, Mapping[str, Thresholds]]
    min_words: int = DEFAULT_MIN_WORDS
    min_english_share: float | None = None  # None: 0.95, or 2 points under the training share
    min_rows: int = 100
    top_terms: int = DEFAULT_BASELINE_TERMS


def default_checks() -> dict[str, dict[str, Thresholds]]:
    """validate's default thresholds, for a store without a baseline file."""
    return {
        check: {test: Thresholds(warn=DEFAULT_THRESHOLDS[test][0], fail=DEFAULT_THRESHOLDS[test][1])
                for test in tests}
        for check, tests in CHECK_TESTS.items() if check in _COMPARED
    }


@dataclass(frozen=True)
class Judgement:
    """The verdict on one window of traffic, its tests and why."""

    status: str
    rows: int
    results: list[CheckResult]
    traffic: DatasetProfile | None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def worst_checks(self, *, limit: int = 5) -> list[str]:
        return worst_checks(self.results, limit=limit)


def training_profile(stats: pl.DataFrame, *, min_words: int = DEFAULT_MIN_WORDS) -> DatasetProfile:
    """The profile of a training set from its per-document statistics (``compute_doc_stats``)."""
    from textops.quality.profile import profile_from_stats

    return profile_from_stats("train", stats, min_words=min_words)


def traffic_profile(window: TrafficWindow, *, min_words: int = DEFAULT_MIN_WORDS) -> DatasetProfile:
    """The window's rows as a dataset profile: predicted labels as classes, logged statistics."""
    import polars as pl

    from textops.monitoring.traffic import RENAMED
    from textops.quality.profile import profile_from_stats
    from textops.text.stats import NUMERIC_STATISTICS

    rows = window.rows
    logged = {RENAMED.get(s, s): s for s in NUMERIC_STATISTICS if RENAMED.get(s, s) in rows.columns}
    frame = rows.select(
        pl.col("label"), pl.lit(False).alias("is_null_text"),
        pl.col("is_empty").alias("is_empty_text"), pl.col("text_hash"), pl.col("language"),
        *[pl.col(column).alias(statistic) for column, statistic in logged.items()],
    )
    profile = profile_from_stats(TRAFFIC, frame, min_words=min_words)
    return _with_terms(profile, window.terms)


def _with_terms(profile: DatasetProfile, terms: pl.DataFrame | None) -> DatasetProfile:
    """The profile's term tables from the log's term counts (unchanged without any)."""
    import polars as pl

    from textops.text.terms import top_terms

    if terms is None or terms.is_empty():
        return profile
    named = (terms.filter(pl.col("term").is_not_null()).group_by("term")
             .agg(pl.col("documents").sum().alias("count")))
    return replace(
        profile, n_terms=int(terms["documents"].sum()), vocabulary_size=named.height,
        top_terms=dict(top_terms(named, top=DEFAULT_TOP_TERMS)),
    )


def judge(
    window: TrafficWindow,
    reference: DatasetProfile,
    *,
    settings: Settings,
    earlier_confidences: np.ndarray | None = None,
) -> Judgement:
    """Every drift test of the window against the training profile, and the verdict."""
    rows = window.rows.height
    if not rows:
        return Judgement("insufficient", 0, [], None, ["no traffic logged in the window"])
    traffic = traffic_profile(window, min_words=settings.min_words)
    results = compare_profile(
        traffic, reference_from_profile(reference, top_terms=settings.top_terms),
        settings.checks, dataset=TRAFFIC,
    )
    results.append(english_check(traffic, reference, min_share=settings.min_english_share))
    notes = [] if traffic.n_terms else ["no term counts logged (the log had no vocabulary): "
                                        "vocabulary and oov_rate not tested"]
    confidences = window.rows["confidence"].drop_nulls().to_numpy()
    limits = settings.checks.get("confidence", {}).get("ks") or _ks_defaults()
    if earlier_confidences is not None and earlier_confidences.size:
        results.append(confidence_check(confidences, earlier_confidences, limits))
    else:
        notes.append("confidence not tested: no traffic of this model version in the window before")
    status = worst_status(results)
    if rows < settings.min_rows:
        status = "insufficient"
        notes.insert(0, f"{rows} texts logged, fewer than the {settings.min_rows} "
                        "(monitoring.min_rows) a verdict needs")
    return Judgement(status, rows, results, traffic, notes)


def _ks_defaults() -> Thresholds:
    warn, fail = DEFAULT_THRESHOLDS["ks"]
    return Thresholds(warn=warn, fail=fail)


def english_check(
    traffic: DatasetProfile, reference: DatasetProfile, *, min_share: float | None
) -> CheckResult:
    """The English share of the judged rows against validate's floor (see the module docstring)."""
    from textops.quality.distances import binomial_chance_rise

    ref_share = reference.english_share if reference.english_share is not None else 1.0
    floor = min_share if min_share is not None else max(
        0.0, min(DEFAULT_MIN_ENGLISH_SHARE, math.floor((ref_share - 0.02) * 100) / 100))
    limits = Thresholds(warn=max(floor, (floor + ref_share) / 2), fail=floor)
    share, judged = traffic.english_share, traffic.n_language_judged
    detail = (f"{traffic.n_english} of {judged} texts with {traffic.min_words}+ words are English "
              f"(training: {ref_share:.1%}; floor {floor:.0%})")
    chance = binomial_chance_rise(judged, 1.0 - ref_share, FALSE_FAIL_RATE)
    if share is None or (1.0 - ref_share) + chance > 1.0 - floor:
        status = "insufficient"
        detail = (f"too few rows to judge: chance alone takes {judged} texts under the floor "
                  f"in more than 1 of {1 / FALSE_FAIL_RATE:,.0f} samples; {detail}")
    else:
        status = status_for(share, limits, "below")
    value = float("nan") if share is None else share
    return CheckResult(TRAFFIC, "english_share", "share", value, status, limits.warn,
                       limits.fail, detail, "train")


def confidence_check(
    current: np.ndarray, earlier: np.ndarray, limits: Thresholds
) -> CheckResult:
    """KS distance of the confidences from the earlier window's, by the statistics' KS rules."""
    from scipy.stats import ks_2samp

    from textops.quality.distances import ks_critical_distance

    test = ks_2samp(current, earlier)
    d, p = float(test.statistic), float(test.pvalue)
    detail = (f"KS D={d:.3f} (p={p:.2g}, n={current.size} vs {earlier.size}); median "
              f"{np.median(current):.3f} vs {np.median(earlier):.3f}")
    if ks_critical_distance(current.size, earlier.size, FALSE_FAIL_RATE) > limits.fail:
        status, detail = "insufficient", f"too few rows to judge; {detail}"
    elif p >= KS_SIGNIFICANCE:
        status, detail = "ok", f"{detail}; not significant at {KS_SIGNIFICANCE:.0%}, so ok"
    else:
        status = status_for(d, limits, "above")
    return CheckResult(TRAFFIC, "confidence", "ks", d, status, limits.warn, limits.fail,
                       detail, "earlier traffic")


def worst_checks(results: Sequence[CheckResult], *, limit: int = 5) -> list[str]:
    """Failing, then warning tests, the furthest past their fail threshold first."""
    flagged = [r for r in results if r.status in ("warn", "fail")]
    flagged.sort(key=lambda r: (-STATUSES.index(r.status), -_past_threshold(r)))
    return [_describe(r) for r in flagged[:limit]]


def _direction(result: CheckResult) -> Direction:
    return {**CHECK_TESTS, **MONITOR_TESTS}[result.check][result.test]


def _past_threshold(result: CheckResult) -> float:
    if _direction(result) == "below":
        return result.threshold_fail / max(result.value, 1e-300)
    return result.value / result.threshold_fail if result.threshold_fail > 0 else result.value


def _describe(result: CheckResult) -> str:
    names = {"chi_square": "p", "ks": "D", "psi": "PSI", "js_distance": "JS"}
    name = names.get(result.test)
    digits = 2 if result.test == "chi_square" else 3
    value = f"{name}={result.value:.{digits}g}" if name else f"{result.value:.1%}"
    return f"{result.check}.{result.test} {value} vs {result.reference}"
