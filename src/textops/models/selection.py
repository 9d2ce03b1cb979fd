"""Choosing the sweep's model for production by cross-validation on the training set.

The sweep ranks candidates on a subset, so its pick is unstable, and its
cleaning is fixed in advance. :func:`cross_validate` re-judges the sweep's
best few candidates on the full training set, under each cleaning choice
(the cleaned text and the raw text), with stratified folds: every fold fits
its own TF-IDF on its own training rows, and nothing of the test set is seen.
Rows that repeat a text stay in one fold: a duplicate on both sides of a fold
would reward the models that memorise rather than generalise.
The fits fan out through the executor as the sweep's do.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textops.errors import ModelError
from textops.models.candidates import CandidateSpec
from textops.models.features import TfidfSettings, build_features
from textops.models.fitting import fit_candidate

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

    from textops.compute.base import Executor


@dataclass(frozen=True)
class Contender:
    """One candidate under one cleaning choice, and its score on each fold."""

    candidate: str
    cleaning: str
    fold_scores: tuple[float, ...]
    errors: tuple[str, ...] = ()

    @property
    def mean(self) -> float:
        return statistics.fmean(self.fold_scores) if self.fold_scores else float("-inf")


@dataclass(frozen=True)
class Choice:
    """One way of turning the training rows into features: the texts and the TF-IDF settings."""

    texts: Sequence[str]
    tfidf: TfidfSettings


@dataclass(frozen=True)
class FitOptions:
    """How each fold's fit runs: the sweep's seed and bounds, and the metric judged on."""

    metric: str
    seed: int = 0
    memory_limit: int | None = None
    n_threads: int | None = 1


def fold_count(labels: Sequence[Any], wanted: int) -> int:
    """``wanted`` folds, fewer when the smallest class has fewer rows; 0 when below 2."""
    from collections import Counter

    smallest = min(Counter(labels).values()) if labels else 0
    return min(wanted, smallest) if smallest >= 2 else 0


def cross_validate(
    choices: Mapping[str, Choice],
    labels: Sequence[Any],
    candidates: Sequence[CandidateSpec],
    executor: Executor,
    *,
    folds: int,
    options: FitOptions,
) -> list[Contender]:
    """Each candidate under each cleaning choice (its texts and TF-IDF settings).

    Best first, by the mean of ``options.metric`` over the folds.
    """
    import numpy as np

    n_folds = fold_count(list(labels), folds)
    if n_folds == 0:
        raise ModelError(
            "cross-validation needs at least 2 training rows in every class",
            hint="add rows to the small classes, or drop the refit step",
        )
    y = np.asarray(labels)
    splits = fold_splits(y, n_folds, seed=options.seed,
                         groups=duplicate_groups([c.texts for c in choices.values()]))
    pending: list[tuple[str, str, Future[dict[str, Any]]]] = []
    for cleaning, choice in choices.items():
        x = np.asarray(choice.texts, dtype=object)
        for train_rows, valid_rows in splits:
            try:
                features = build_features(x[train_rows], y[train_rows], x[valid_rows],
                                          y[valid_rows], settings=choice.tfidf)
            except ModelError as exc:  # this choice leaves nothing to fit on: it loses
                pending += [(spec.name, cleaning, _failed(exc)) for spec in candidates]
                continue
            shared = executor.scatter(features)
            pending += [(spec.name, cleaning, _submit(executor, spec, shared, options))
                        for spec in candidates]
    return _collect(pending, metric=options.metric)


def _failed(exc: ModelError) -> Future[dict[str, Any]]:
    from concurrent.futures import Future

    future: Future[dict[str, Any]] = Future()
    future.set_result({"status": "failed", "error": exc.message})
    return future


def duplicate_groups(texts: Sequence[Sequence[str]]) -> np.ndarray | None:
    """A group id per row, shared by the rows whose texts are equal under every choice
    (``texts`` holds one sequence per cleaning choice, row for row); None when every row
    is its own group. Rows that only a choice's cleaning makes equal stay apart: a
    cleaning that reduces every text to one word must not make one group of them all."""
    import numpy as np

    ids: dict[tuple[str, ...], int] = {}
    groups = [ids.setdefault(row, len(ids)) for row in zip(*texts, strict=True)]
    return None if len(ids) == len(groups) else np.asarray(groups)


def fold_splits(
    y: np.ndarray, n_folds: int, *, seed: int, groups: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds (train rows, validation rows); with ``groups``, each group in one fold.

    Without duplicates the folds are plain ``StratifiedKFold``'s; with them,
    ``StratifiedGroupKFold``'s, whose class shares are as even as the groups allow.
    """
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if groups is None:
        folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return list(folds.split(np.zeros(len(y)), y))
    distinct = len(np.unique(groups))
    if distinct < n_folds:
        raise ModelError(
            f"cross-validation needs {n_folds} distinct texts at least; the training set has "
            f"{distinct} once duplicates are put together",
            hint="add distinct rows, or lower the refit step's folds",
        )
    grouped = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(grouped.split(np.zeros(len(y)), y, groups))


def _submit(
    executor: Executor, spec: CandidateSpec, shared: Any, options: FitOptions
) -> Future[dict[str, Any]]:
    return executor.submit(
        fit_candidate, spec, shared, seed=options.seed, memory_limit=options.memory_limit,
        save_skops=False, n_threads=options.n_threads,
    )


def _collect(
    pending: Sequence[tuple[str, str, Future[dict[str, Any]]]], *, metric: str
) -> list[Contender]:
    scores: dict[tuple[str, str], list[float]] = {}
    errors: dict[tuple[str, str], list[str]] = {}
    for name, cleaning, future in pending:
        result = future.result()
        key = (name, cleaning)
        if result["status"] == "ok":
            scores.setdefault(key, []).append(float(result["metrics"][metric]))
        else:
            errors.setdefault(key, []).append(str(result.get("error")))
    keys = dict.fromkeys(key[:2] for key in pending)
    contenders = [
        Contender(name, cleaning, tuple(scores.get((name, cleaning), ())),
                  tuple(errors.get((name, cleaning), ())))
        for name, cleaning in keys
    ]
    return sorted(contenders, key=lambda c: (not c.errors, c.mean), reverse=True)


@dataclass(frozen=True)
class Verdict:
    """The contender chosen, and why, in words for the run's records."""

    winner: Contender
    reason: str


def choose(contest: Sequence[Contender], *, prefer: tuple[str, str] | None = None) -> Verdict:
    """The best contender, unless it does not clearly beat the preferred one.

    ``contest`` comes best first from :func:`cross_validate`. The preferred
    contender (a candidate under a cleaning: by default the plain TF-IDF +
    LinearSVC on the raw text, what a user would write first) is kept unless
    the best beats it by more than one standard error of their paired fold
    differences: with three folds, a lead smaller than that is the folds'
    noise, and choosing on noise is how a pipeline ends up below its reference.
    """
    best = contest[0]
    kept = next((c for c in contest if (c.candidate, c.cleaning) == prefer and c.fold_scores
                 and len(c.fold_scores) == len(best.fold_scores)), None)
    if kept is None or kept is best:
        return Verdict(best, "the best mean over the folds")
    lead = [a - b for a, b in zip(best.fold_scores, kept.fold_scores, strict=True)]
    mean = statistics.fmean(lead)
    error = statistics.stdev(lead) / len(lead) ** 0.5 if len(lead) > 1 else 0.0
    if mean > error:
        return Verdict(best, f"beats {kept.candidate} ({kept.cleaning}) by {mean:.4f}, "
                             f"more than one standard error ({error:.4f}) of the folds")
    return Verdict(kept, f"{best.candidate} ({best.cleaning}) leads it by only {mean:.4f}, "
                         f"within one standard error ({error:.4f}) of the folds")
