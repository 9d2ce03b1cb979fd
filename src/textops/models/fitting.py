"""One candidate of the sweep: fit it, score it, save it, under bounds; never raise for it.

:func:`fit_candidate` fits one candidate on the shared features and returns a
plain result dict (metrics, timings, warnings, the pickled pipeline) or, when
the candidate fails, the same dict with its ``error``. :func:`fit_forest_shard`
fits a share of a forest's trees for :func:`textops.models.sweep.run_sweep` to
join. Each fit runs under the memory and thread bounds of
:mod:`textops.models.bounds`, so an oversized allocation fails that candidate
alone, with a message that says so. These functions run on workers: they take
and return plain data, and log nothing.
"""

from __future__ import annotations

import os
import pickle
import socket
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from textops.models.bounds import memory_bound, thread_limit
from textops.models.candidates import CandidateSpec, build_estimator, forest_shards
from textops.models.features import Features

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "blank_result",
    "fit_candidate",
    "fit_forest_shard",
    "format_bytes",
]

DEFAULT_MEMORY_LIMIT = 4 * 2**30
_MAX_WARNINGS = 20


def fit_candidate(
    candidate: CandidateSpec | Mapping[str, Any],
    features: Features,
    *,
    seed: int = 0,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    save_skops: bool = True,
    n_threads: int | None = 1,
    fitted_model: Any = None,
    fit_seconds: float | None = None,
) -> dict[str, Any]:
    """Fit one candidate on ``features`` and score it on the test set.

    ``fitted_model`` (with ``fit_seconds``) skips the fit: a forest whose
    shards were fitted apart (:func:`fit_forest_shard`) is only scored and saved.

    ``n_threads`` caps the BLAS and OpenMP threads of the fit (``None``: the
    libraries' defaults). One thread per candidate is the default: the
    executor is what runs candidates in parallel, more threads per candidate
    only oversubscribe the cores, and a BLAS reduction split over another
    number of threads rounds differently, so results would depend on where a
    candidate ran.

    Returns a plain dict (its keys: :func:`blank_result`); a candidate that
    fails (bad parameters for this data, a crash, too much memory) has
    ``status="failed"`` and ``error`` says why.
    """
    spec = CandidateSpec.model_validate(candidate)
    result = blank_result(spec, seed=seed, memory_limit=memory_limit)
    result["n_threads"] = n_threads
    with _guarded(spec.name, result, memory_limit=memory_limit, n_threads=n_threads):
        _fit_and_score(
            spec,
            features,
            result,
            seed=seed,
            save_skops=save_skops,
            fitted_model=fitted_model,
            fit_seconds=fit_seconds,
        )
    if result["status"] == "failed":
        result["pipeline_pickle"] = result["pipeline_skops"] = None
    return result


def fit_forest_shard(
    candidate: CandidateSpec | Mapping[str, Any],
    features: Features,
    *,
    shard: int,
    n_shards: int,
    seed: int = 0,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    n_threads: int | None = 1,
) -> dict[str, Any]:
    """Fit the trees of one shard of a forest candidate.

    See :func:`~textops.models.candidates.forest_shards` for why the shards
    of a forest are its own trees.

    Returns ``name``, ``shard``, ``status``, ``error``, ``model`` (the fitted
    shard), ``fit_seconds``, ``warnings``, ``memory_bound``, ``worker`` and
    times; :func:`run_sweep` joins the shards and scores the whole forest with
    :func:`fit_candidate`. Fails like a candidate: alone, with its reason.
    """
    spec = CandidateSpec.model_validate(candidate)
    record: dict[str, Any] = {
        "name": spec.name,
        "shard": shard,
        "status": "failed",
        "error": None,
        "model": None,
        "fit_seconds": None,
        "warnings": [],
        "memory_bound": False,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "started_at": time.time(),
        "finished_at": None,
    }
    with _guarded(spec.name, record, memory_limit=memory_limit, n_threads=n_threads):
        shards = forest_shards(build_estimator(spec, seed=seed), n_shards)
        if shards is None:
            raise ValueError(f"{spec.describe()} cannot be split into {n_shards} shards")
        start = time.perf_counter()
        record["model"] = shards[shard].fit(features.X_train, features.y_train)
        record["fit_seconds"] = time.perf_counter() - start
    return record


@contextmanager
def _guarded(
    name: str, record: dict[str, Any], *, memory_limit: int | None, n_threads: int | None
) -> Iterator[None]:
    """Run the block bounded and on ``n_threads``; record its end instead of raising.

    Sets ``record["status"]`` to "ok", or keeps "failed" with ``error``
    saying why; ``warnings`` gets what the block warned, ``finished_at`` the time.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with memory_bound(memory_limit) as is_bounded, thread_limit(n_threads):
                record["memory_bound"] = is_bounded
                yield
            record["status"] = "ok"
        except MemoryError as exc:
            reason = str(exc) or "MemoryError"
            record["error"] = (
                f"candidate {name!r} needed more memory than its limit of "
                f"{format_bytes(memory_limit)}: {reason}"
                if record["memory_bound"]
                else f"candidate {name!r} ran out of memory: {reason}"
            )
        except Exception as exc:  # noqa: BLE001 - a candidate fails alone, with its reason
            record["error"] = f"candidate {name!r} failed: {type(exc).__name__}: {exc}"
        finally:
            record["warnings"] = _warning_texts(caught)
            record["finished_at"] = time.time()


def _fit_and_score(
    spec: CandidateSpec,
    features: Features,
    result: dict[str, Any],
    *,
    seed: int,
    save_skops: bool,
    fitted_model: Any,
    fit_seconds: float | None,
) -> None:
    from sklearn.pipeline import Pipeline

    from textops.models.metrics import classification_metrics, confusion

    if fitted_model is not None:
        model = fitted_model
        result["params"] = _plain_params(model)
        result["fit_seconds"] = fit_seconds
    else:
        model = build_estimator(spec, seed=seed)
        result["params"] = _plain_params(model)
        start = time.perf_counter()
        model.fit(features.X_train, features.y_train)
        result["fit_seconds"] = time.perf_counter() - start

    start = time.perf_counter()
    predicted = model.predict(features.X_test)
    result["predict_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    scores = _scores(model, features.X_test, features.labels)
    result["score_seconds"] = time.perf_counter() - start

    labels = list(features.labels)
    result["metrics"] = classification_metrics(
        features.y_test, predicted, labels=labels, scores=scores
    )
    result["confusion"] = confusion(features.y_test, predicted, labels=labels)

    pipeline = Pipeline([("tfidf", features.vectorizer), ("model", model)])
    result["pipeline_pickle"] = pickle.dumps(pipeline, protocol=pickle.HIGHEST_PROTOCOL)
    if save_skops:
        try:
            import skops.io as sio

            result["pipeline_skops"] = sio.dumps(pipeline)
            result["skops_untrusted_types"] = sio.get_untrusted_types(data=result["pipeline_skops"])
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - skops is a bonus copy; pickle remains
            result["skops_error"] = f"{type(exc).__name__}: {exc}"


def _scores(model: Any, X: Any, labels: Sequence[Any]) -> np.ndarray | None:  # noqa: N803
    """Decision values or probabilities, one column per label in ``labels`` order."""
    import numpy as np

    if hasattr(model, "decision_function"):
        raw = np.asarray(model.decision_function(X), dtype=float)
    elif hasattr(model, "predict_proba"):
        raw = np.asarray(model.predict_proba(X), dtype=float)
    else:
        return None
    classes = list(model.classes_)
    if raw.ndim == 1:  # binary decision function: the score of classes[1]
        raw = np.column_stack([-raw, raw])
    if classes == list(labels):
        return raw
    # a label the model never saw in training scores below everything it did see
    floor = float(np.min(raw)) - 1.0 if raw.size else 0.0
    scores = np.full((raw.shape[0], len(labels)), floor)
    position = {label: i for i, label in enumerate(labels)}
    for column, label in enumerate(classes):
        scores[:, position[label]] = raw[:, column]
    return scores


def blank_result(spec: CandidateSpec, *, seed: int, memory_limit: int | None) -> dict[str, Any]:
    """The result dict of a candidate that has not run yet (``status="failed"``). Keys:

    ``name``, ``status`` ("ok"/"failed"), ``error`` (str or None),
    ``estimator`` (class path or "A -> B" for a pipeline), ``spec`` (the
    candidate as configured), ``params`` (every resolved parameter, JSON
    values), ``seed``, ``metrics`` (:func:`~textops.models.metrics.classification_metrics`,
    with ``roc_auc`` where the model gives scores), ``confusion``
    (:func:`~textops.models.metrics.confusion`), ``fit_seconds``,
    ``predict_seconds``, ``score_seconds``, ``pipeline_pickle`` (bytes of the
    fitted ``Pipeline([("tfidf", vectoriser), ("model", model)])``),
    ``pipeline_skops`` (bytes from ``skops.io.dumps`` or None),
    ``skops_untrusted_types`` (what ``skops.io.loads(..., trusted=...)``
    needs), ``skops_error``, ``warnings`` (what the fit warned, as text),
    ``memory_limit`` and ``memory_bound`` (whether it was enforced),
    ``worker`` ("host:pid"), ``started_at``/``finished_at`` (epoch seconds).
    """
    return {
        "name": spec.name,
        "status": "failed",
        "error": None,
        "estimator": spec.describe(),
        "spec": spec.model_dump(mode="json"),
        "params": {},
        "seed": seed,
        "metrics": {},
        "confusion": None,
        "fit_seconds": None,
        "predict_seconds": None,
        "score_seconds": None,
        "pipeline_pickle": None,
        "pipeline_skops": None,
        "skops_untrusted_types": [],
        "skops_error": None,
        "warnings": [],
        "memory_limit": None if memory_limit is None else int(memory_limit),
        "memory_bound": False,
        "n_threads": None,
        "shards": 1,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "started_at": time.time(),
        "finished_at": None,
    }


def _plain_params(estimator: Any) -> dict[str, Any]:
    """Every resolved parameter as a JSON value; nested estimators by their own params."""
    out: dict[str, Any] = {}
    for key, value in sorted(estimator.get_params(deep=True).items()):
        if key == "steps" or hasattr(value, "get_params"):
            continue
        if hasattr(value, "item") and callable(value.item):  # numpy scalars
            value = value.item()
        if not isinstance(value, str | int | float | bool | type(None)):
            value = repr(value)
        out[key] = value
    return out


def _warning_texts(caught: list[warnings.WarningMessage]) -> list[str]:
    texts = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    if len(texts) > _MAX_WARNINGS:
        texts = [*texts[:_MAX_WARNINGS], f"... and {len(texts) - _MAX_WARNINGS} more"]
    return texts


def format_bytes(value: int | None) -> str:
    if value is None:
        return "none"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} TiB"  # unreachable
