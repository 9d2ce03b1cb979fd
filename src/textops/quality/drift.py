"""Drift checks: how far each dataset part moved from the baseline, and train from test.

:func:`run_drift` compares every part's :class:`DatasetProfile` with the
baseline and, when a version has both, ``test`` with ``train`` (train/test
skew, ``reference="train"``). Each comparison gives one :class:`CheckResult`
per test with its value and a status (:data:`STATUSES`: ok, insufficient,
warn, fail) by the baseline's thresholds (see
:data:`textops.quality.baseline.CHECK_TESTS`):

* ``class_balance``: chi-square p-value (goodness of fit to the expected
  shares; homogeneity for train/test) and Jensen-Shannon distance.
* every numeric statistic: Kolmogorov-Smirnov D between quantile grids and
  PSI on the fixed histogram bins (Wasserstein distance / std in the detail).
* ``vocabulary``: Jensen-Shannon distance of the reference's top terms
  (+ one bucket for all other terms); ``oov_rate``: rise of the share of
  term occurrences outside the reference's frequent terms.
* ``duplicates``: the part's duplicate rate; ``train_test_overlap``: share of
  test rows whose exact text is in train (needs the per-document stats).

Small samples differ by chance, so the distances are reported net of the
value sampling alone would give (Jensen-Shannon and PSI: their first-order
expectation for two samples of one distribution, see
:func:`~textops.quality.distances.js_noise_floor`), and a KS distance only
warns or fails when it is also significant (p < 5 %). Two random halves of
a corpus of short texts read ok; the raw values are in each detail. A test
on too few rows to judge is ``insufficient``: the tests and the sample size
each needs are in :mod:`textops.quality.drift_tests`.

:func:`worst_status` ranks ok < insufficient < warn < fail, so insufficient
never outranks a real warning and never gates (see
:mod:`textops.steps.validate`'s ``on_drift``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from textops.quality.baseline import CHECK_TESTS, Baseline, Thresholds
from textops.quality.drift_tests import (
    Reference,
    check_class_balance,
    check_numeric,
    check_vocabulary,
    reference_from_baseline,
    reference_from_profile,
    train_test_overlap,
)
from textops.quality.profile import DatasetProfile

#: Drift statuses, least severe first.
STATUSES = ("ok", "insufficient", "warn", "fail")


@dataclass(frozen=True)
class CheckResult:
    """One test of one drift check on one dataset part."""

    dataset: str
    check: str
    test: str
    value: float
    status: str
    threshold_warn: float
    threshold_fail: float
    detail: str
    reference: str = "baseline"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def status_for(value: float, limits: Thresholds, direction: str) -> str:
    """ok, warn or fail for ``value``; NaN (nothing to compare) is ok."""
    if math.isnan(value):
        return "ok"
    if direction == "above":
        return "fail" if value >= limits.fail else "warn" if value >= limits.warn else "ok"
    return "fail" if value <= limits.fail else "warn" if value <= limits.warn else "ok"


class _Collector:
    def __init__(
        self, dataset: str, reference: str, checks: Mapping[str, Mapping[str, Thresholds]]
    ):
        self.dataset, self.reference, self.checks = dataset, reference, checks
        self.results: list[CheckResult] = []

    def wants(self, check: str) -> bool:
        return check in self.checks

    def limits(self, check: str, test: str) -> Thresholds | None:
        return self.checks.get(check, {}).get(test)

    def add(
        self,
        check: str,
        test: str,
        value: float,
        detail: str,
        *,
        significant: bool = True,
        too_few: str | None = None,
    ) -> None:
        """Record one test; ``too_few`` (why the sample cannot judge) makes it insufficient."""
        limits = self.limits(check, test)
        if limits is None:
            return
        if too_few is not None:
            status, detail = "insufficient", f"too few rows to judge: {too_few}; {detail}"
        elif significant:
            status = status_for(value, limits, CHECK_TESTS[check][test])
        else:
            status = "ok"
        self.results.append(
            CheckResult(
                self.dataset,
                check,
                test,
                float(value),
                status,
                limits.warn,
                limits.fail,
                detail,
                self.reference,
            )
        )


def compare_profile(
    current: DatasetProfile,
    reference: Reference,
    checks: Mapping[str, Mapping[str, Thresholds]],
    *,
    dataset: str | None = None,
) -> list[CheckResult]:
    """Every configured drift test of ``current`` against ``reference``."""
    out = _Collector(dataset or current.name, reference.name, checks)
    check_class_balance(out, current, reference)
    for name in current.statistics:
        check_numeric(out, name, current, reference)
    check_vocabulary(out, current, reference)
    return out.results


def run_drift(
    profiles: Mapping[str, DatasetProfile],
    baseline: Baseline,
    *,
    stats: Mapping[str, pl.DataFrame] | None = None,
) -> list[CheckResult]:
    """Drift of every part against the baseline, then test against train."""
    checks = baseline.checks
    ref = reference_from_baseline(baseline)
    results: list[CheckResult] = []
    for name, profile in profiles.items():
        results += compare_profile(profile, ref, checks, dataset=name)
        out = _Collector(name, "baseline", checks)
        out.add(
            "duplicates",
            "rate",
            profile.duplicate_rate,
            f"{profile.n_duplicates} of {profile.n_rows} rows repeat an earlier text "
            f"(baseline: {baseline.duplicates.rate:.2%})",
        )
        results += out.results
    if "train" in profiles and "test" in profiles:
        skew = reference_from_profile(
            profiles["train"], top_terms=len(baseline.vocabulary.top_terms) or 1000
        )
        results += compare_profile(profiles["test"], skew, checks, dataset="test")
        if stats is not None and "train" in stats and "test" in stats:
            shared, total = train_test_overlap(stats["train"], stats["test"])
            out = _Collector("test", "train", checks)
            out.add(
                "train_test_overlap",
                "rate",
                shared / total if total else 0.0,
                f"{shared} of {total} test texts also appear in train",
            )
            results += out.results
    return results


def worst_status(results: Sequence[CheckResult]) -> str:
    """The most severe status among ``results`` (ok when empty)."""
    return max((r.status for r in results), key=STATUSES.index, default="ok")


#: How :func:`worst_checks` names each test's value.
_VALUE_NAMES = {"chi_square": "p", "ks": "D", "psi": "PSI", "js_distance": "JS"}


def worst_checks(results: Sequence[CheckResult], *, limit: int = 5) -> list[str]:
    """The most severe failing, then warning, tests, worst first, one phrase each.

    Within a status, a test is worse the further it is past its fail
    threshold (a ratio, so p-values and distances compare): e.g.
    ``["train.class_balance.chi_square p=1.6e-21", "test.sentiment.ks D=0.266 vs train"]``.
    """
    flagged = [r for r in results if r.status in ("warn", "fail")]
    flagged.sort(key=lambda r: (-STATUSES.index(r.status), -_past_threshold(r)))
    return [_describe(r) for r in flagged[:limit]]


def _past_threshold(result: CheckResult) -> float:
    if CHECK_TESTS[result.check][result.test] == "below":
        return result.threshold_fail / max(result.value, 1e-300)
    return result.value / result.threshold_fail if result.threshold_fail > 0 else result.value


def _describe(result: CheckResult) -> str:
    name = _VALUE_NAMES.get(result.test)
    digits = 2 if result.test == "chi_square" else 3
    value = f"{name}={result.value:.{digits}g}" if name else f"{result.value:.1%}"
    against = "" if result.reference == "baseline" else f" vs {result.reference}"
    return f"{result.dataset}.{result.check}.{result.test} {value}{against}"


def drift_rows(results: Sequence[CheckResult], **context: Any) -> Any:
    """Tidy rows (a pandas DataFrame) of drift results; ``context`` adds constant columns.

    Typical context: ``version=``, ``baseline_hash=``, ``run_id=``, ``created=``.
    """
    import pandas as pd

    # ``check`` is an SQL keyword: the table calls it ``check_name``
    columns = [("check_name" if c == "check" else c) for c in CheckResult.__dataclass_fields__]
    frame = pd.DataFrame([r.to_dict() for r in results]).rename(columns={"check": "check_name"})
    frame = frame.reindex(columns=columns)
    for key, value in reversed(list(context.items())):
        frame.insert(0, key, value)
    return frame

