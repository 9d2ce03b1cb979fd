"""The promotion gate's rule, without side effects: which version should be champion, and why.

A registered version is plain data here (:class:`ModelVersionInfo`, read from
the tags :class:`~textops.tracking.registry.ModelRegistry` writes). :func:`decide`
promotes a candidate only if its metric is strictly better than the champion's
on the same test rows, rows neither of them trained on. When the champion was
measured on a different test set (a new dataset version), the recorded figures
are not comparable: with a ``reevaluate`` callable the champion is scored again
on the candidate's test set and the gate compares those; without one the
candidate is not promoted, and the reason says so. :class:`Fairness` counts
the candidate's test rows that the champion trained on, and the gate refuses
to compare when there are any: a model scored on rows it saw would win
unfairly. Its ``hold`` reason (the drift policy) keeps the champion whatever
the figures say. The :class:`GateDecision` carries the figures the gate used
(as version tags, ``textops.gate.*``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textops.errors import TrackingError

METRIC_TAG = "textops.metric."
TEST_SET_TAG = "textops.test_set"
DATASET_TAG = "textops.dataset_version"
GATE_TAG = "textops.gate"


@dataclass(frozen=True)
class ModelVersionInfo:
    """One registered version, as plain data."""

    name: str
    version: int
    source: str
    run_id: str | None
    status: str
    aliases: tuple[str, ...]
    tags: dict[str, str]
    created_ms: int

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"

    @property
    def metrics(self) -> dict[str, float]:
        out = {}
        for key, value in self.tags.items():
            if key.startswith(METRIC_TAG):
                try:
                    out[key.removeprefix(METRIC_TAG)] = float(value)
                except ValueError:
                    continue
        return out

    @property
    def test_set(self) -> str | None:
        return self.tags.get(TEST_SET_TAG)

    @property
    def dataset_version(self) -> str | None:
        return self.tags.get(DATASET_TAG)


@dataclass(frozen=True)
class GateDecision:
    """Whether the candidate became champion, and the figures behind it."""

    promoted: bool
    reason: str
    metric: str
    candidate_version: int
    candidate_value: float
    champion_version: int | None = None
    champion_value: float | None = None
    reevaluated: bool = False
    #: rows the figures were measured on, and how many of them the champion trained on
    test_rows: int | None = None
    overlap_with_champion_train: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def tags(self) -> dict[str, str]:
        """The figures behind the decision, as version tags."""
        figures = {
            "metric": self.metric, "candidate_value": self.candidate_value,
            "champion_version": self.champion_version, "champion_value": self.champion_value,
            "champion_reevaluated": self.reevaluated, "test_rows": self.test_rows,
            "overlap_with_champion_train": self.overlap_with_champion_train,
        }
        return {f"{GATE_TAG}.{k}": str(v) for k, v in figures.items() if v is not None}


@dataclass(frozen=True)
class Fairness:
    """What keeps a comparison fair: the candidate's test rows and the drift policy's hold."""

    test_rows: int
    #: how many of the candidate's test rows the given champion trained on; None: unknown
    overlap: Callable[[ModelVersionInfo], int | None]
    #: a reason to keep the champion whatever the figures (e.g. drift under on_drift: block)
    hold: str | None = None


def decide(
    candidate: ModelVersionInfo,
    champion: ModelVersionInfo | None,
    *,
    metric: str,
    reevaluate: Callable[[ModelVersionInfo], float] | None = None,
    fairness: Fairness | None = None,
) -> GateDecision:
    """The gate's rule, without side effects (see the module docstring)."""
    value = _recorded_value(candidate, metric)
    decision = partial(
        GateDecision, metric=metric, candidate_version=candidate.version, candidate_value=value,
        test_rows=fairness.test_rows if fairness is not None else None,
    )
    is_current = champion is not None and champion.version == candidate.version
    if fairness is not None and fairness.hold and not is_current:
        return decision(promoted=False, reason=f"held back: {fairness.hold}",
                        champion_version=champion.version if champion else None)
    if champion is None:
        return decision(promoted=True, reason="no champion yet")
    if is_current:
        return decision(promoted=True, reason="already the champion",
                        champion_version=champion.version, champion_value=value)
    return _compare(candidate, champion, decision, reevaluate=reevaluate, fairness=fairness)


def _compare(
    candidate: ModelVersionInfo, champion: ModelVersionInfo,
    decision: partial[GateDecision], *, reevaluate: Callable[[ModelVersionInfo], float] | None,
    fairness: Fairness | None,
) -> GateDecision:
    """Score the champion on the candidate's rows, if that is fair, and compare."""
    metric, value = str(decision.keywords["metric"]), float(decision.keywords["candidate_value"])
    overlap = fairness.overlap(champion) if fairness is not None else None
    unfair = _unfair_reason(
        champion, overlap, rows=decision.keywords["test_rows"], checked=fairness is not None
    )
    if unfair:
        return decision(promoted=False, reason=unfair, champion_version=champion.version,
                        overlap_with_champion_train=overlap)
    compared = _champion_value(candidate, champion, metric=metric, reevaluate=reevaluate)
    if compared is None:
        return decision(promoted=False, reason=_not_comparable_reason(candidate, champion),
                        champion_version=champion.version,
                        champion_value=champion.metrics.get(metric))
    champion_value, reevaluated = compared
    return decision(
        promoted=value > champion_value,
        reason=_comparison_reason(metric, value, champion, champion_value,
                                  reevaluated=reevaluated),
        champion_version=champion.version, champion_value=champion_value,
        reevaluated=reevaluated, overlap_with_champion_train=overlap,
    )


def _unfair_reason(
    champion: ModelVersionInfo, overlap: int | None, *, rows: int | None, checked: bool
) -> str | None:
    """Why the champion cannot be scored fairly on the candidate's test rows, if it cannot."""
    if checked and overlap is None:
        return (
            f"not compared: the rows champion v{champion.version} trained on are unknown "
            f"(its dataset {champion.tags.get('dataset', '?')} is not in this store)"
        )
    if overlap:
        return (
            f"not compared: {overlap} of the candidate's {rows} test rows were in champion "
            f"v{champion.version}'s training set, so the champion would be scored on rows it saw"
        )
    return None


def _recorded_value(candidate: ModelVersionInfo, metric: str) -> float:
    """The candidate's recorded ``metric``; a :class:`TrackingError` if it has none."""
    if metric not in candidate.metrics:
        raise TrackingError(
            f"version {candidate.version} of '{candidate.name}' has no recorded '{metric}'; "
            f"it has {sorted(candidate.metrics)}.",
            hint="register the model with that metric, or gate on one it has",
        )
    return candidate.metrics[metric]


def _champion_value(
    candidate: ModelVersionInfo,
    champion: ModelVersionInfo,
    *,
    metric: str,
    reevaluate: Callable[[ModelVersionInfo], float] | None,
) -> tuple[float, bool] | None:
    """The champion's figure comparable with the candidate's, and whether it was re-evaluated.

    The recorded one when both were measured on the same test set, else the
    champion scored again by ``reevaluate``; None when neither is possible.
    """
    same_test_set = champion.test_set is not None and champion.test_set == candidate.test_set
    if same_test_set and metric in champion.metrics:
        return champion.metrics[metric], False
    if reevaluate is not None:
        return float(reevaluate(champion)), True
    return None


def _not_comparable_reason(candidate: ModelVersionInfo, champion: ModelVersionInfo) -> str:
    return (
        f"not comparable: champion v{champion.version} was measured on test set "
        f"{_short(champion.test_set)}, the candidate on {_short(candidate.test_set)}; "
        "pass reevaluate= to score the champion on the candidate's test set"
    )


def _comparison_reason(
    metric: str,
    value: float,
    champion: ModelVersionInfo,
    champion_value: float,
    *,
    reevaluated: bool,
) -> str:
    verb = "beats" if value > champion_value else "does not beat"
    how = " (champion re-evaluated on the candidate's test set)" if reevaluated else ""
    return f"{metric} {value:.6g} {verb} champion v{champion.version}'s {champion_value:.6g}{how}"


def _short(fingerprint: str | None) -> str:
    return "unknown" if fingerprint is None else fingerprint[:12]
