"""The MLflow Model Registry: versions, the ``champion`` alias and the promotion gate.

Every call goes through one ``MlflowClient`` built from an explicit tracking
URI: no global MLflow state. :meth:`ModelRegistry.register` records on each
version, as tags, what the gate needs later::

    textops.metric.<name>    the test metrics (floats as strings)
    textops.test_set         fingerprint of the test set they were measured on
    textops.dataset_version  the dataset version the model was trained on
    textops.gate             promoted | rejected, and textops.gate_reason (the latest)

Every registration and alias move is also appended to the registered model's
audit history (:mod:`textops.tracking.audit`), read back by
:meth:`ModelRegistry.history`: the gate tags above show the latest reason, the
history keeps every one.

The gate (:meth:`ModelRegistry.promote_if_better`) promotes a candidate only if
its metric is strictly better than the champion's on the same test rows, rows
neither of them trained on. When the champion was measured on a different test
set (a new dataset version), the recorded figures are not comparable: with a
``reevaluate`` callable the champion is scored again on the candidate's test
set and the gate compares those; without one the candidate is not promoted, and
the reason says so. With an ``overlap`` callable the gate first counts the
candidate's test rows that the champion trained on, and refuses to compare when
there are any: a model scored on rows it saw would win unfairly. A ``hold``
reason (the drift policy) keeps the champion whatever the figures say. A
candidate that is not promoted gets the alias ``challenger``. The figures the
gate used are tagged on the candidate (``textops.gate.*``).
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textops.errors import TrackingError
from textops.tracking.audit import (
    AuditEvent,
    EventKind,
    compared_figures,
    new_event,
    next_sequence,
    read_history,
    registered_event,
    tag_key,
)
from textops.tracking.errors import mlflow_errors, translate

CHAMPION = "champion"
CHALLENGER = "challenger"
METRIC_TAG = "textops.metric."
TEST_SET_TAG = "textops.test_set"
DATASET_TAG = "textops.dataset_version"
GATE_TAG = "textops.gate"
GATE_REASON_TAG = "textops.gate_reason"


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


def fingerprint_test_set(texts: Sequence[str], labels: Sequence[Any]) -> str:
    """A SHA-256 of the test texts and labels, in order (for ``test_set=``)."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(str(text).encode("utf-8") + b"\x1f" + str(label).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


class ModelRegistry:
    """Registry operations against one tracking server (``tracking_uri``)."""

    def __init__(self, tracking_uri: str, *, registry_uri: str | None = None) -> None:
        from mlflow import MlflowClient

        self.tracking_uri = tracking_uri
        self.registry_uri = registry_uri or tracking_uri
        with mlflow_errors("open the model registry", uri=tracking_uri):
            self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=self.registry_uri)

    def _mlflow(self, what: str) -> contextlib.AbstractContextManager[None]:
        """MLflow's failures inside the block become a TrackingError naming ``what``."""
        return mlflow_errors(what, uri=self.tracking_uri)

    # -- versions ---------------------------------------------------------------------
    def register(
        self,
        model_uri: str,
        name: str,
        *,
        metrics: Mapping[str, float],
        test_set: str,
        dataset_version: str | None = None,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
    ) -> ModelVersionInfo:
        """A new version of ``name`` from a logged model URI (``models:/<model_id>``)."""
        all_tags = {str(k): str(v) for k, v in (tags or {}).items()}
        all_tags.update({f"{METRIC_TAG}{k}": repr(float(v)) for k, v in metrics.items()})
        all_tags[TEST_SET_TAG] = test_set
        if dataset_version is not None:
            all_tags[DATASET_TAG] = dataset_version
        with self._mlflow(f"register '{model_uri}' as model '{name}'"):
            self._ensure_registered_model(name)
            source, model_id, run_id = self._resolve_source(model_uri)
            version = self.client.create_model_version(
                name=name,
                source=source,
                run_id=run_id,
                tags=all_tags,
                description=description,
                model_id=model_id,
            )
        info = self.get(name, int(version.version))
        self._append(name, registered_event(info))
        return info

    def _ensure_registered_model(self, name: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(name)
        except MlflowException:
            self.client.create_registered_model(name)

    def _resolve_source(self, model_uri: str) -> tuple[str, str | None, str | None]:
        """Source, logged model id and run of a model URI.

        A ``models:/<model_id>`` URI is replaced by the logged model's artifact
        location: the registry store would otherwise resolve it through MLflow's
        global tracking URI, not ours.
        """
        rest = model_uri.removeprefix("models:/")
        if rest == model_uri or "/" in rest or "@" in rest:
            return model_uri, None, None
        model = self.client.get_logged_model(rest)
        return str(model.artifact_location), model.model_id, model.source_run_id

    def get(self, name: str, version: int) -> ModelVersionInfo:
        with self._mlflow(f"read version {version} of model '{name}'"):
            return self._info(self.client.get_model_version(name, str(version)))

    def versions(self, name: str) -> list[ModelVersionInfo]:
        """Every version of ``name``, oldest first (empty if the model is not registered)."""
        quoted = name.replace("'", "\\'")
        with self._mlflow(f"list the versions of model '{name}'"):
            found = self.client.search_model_versions(f"name = '{quoted}'")
            return sorted((self._info(v) for v in found), key=lambda info: info.version)

    def _info(self, version: Any) -> ModelVersionInfo:
        return ModelVersionInfo(
            name=version.name,
            version=int(version.version),
            source=str(version.source),
            run_id=version.run_id or None,
            status=str(version.status),
            aliases=tuple(getattr(version, "aliases", None) or ()),
            tags=dict(version.tags or {}),
            created_ms=int(version.creation_timestamp or 0),
        )

    # -- aliases ----------------------------------------------------------------------
    def champion(self, name: str) -> ModelVersionInfo | None:
        """The version behind the ``champion`` alias, or ``None``."""
        return self._by_alias(name, CHAMPION)

    def challenger(self, name: str) -> ModelVersionInfo | None:
        return self._by_alias(name, CHALLENGER)

    def _by_alias(self, name: str, alias: str) -> ModelVersionInfo | None:
        from mlflow.exceptions import MlflowException

        what = f"read alias '{alias}' of '{name}'"
        try:
            return self._info(self.client.get_model_version_by_alias(name, alias))
        except MlflowException as exc:
            if exc.error_code in {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}:
                return None
            raise translate(exc, what, uri=self.tracking_uri) from exc
        except Exception as exc:  # noqa: BLE001 - requests, SQLAlchemy...: translated once
            raise translate(exc, what, uri=self.tracking_uri) from exc

    def set_champion(self, name: str, version: int, *, reason: str = "set by hand") -> None:
        """Point ``champion`` at ``version`` (and drop ``challenger`` if it pointed there).

        The alias move alone: :meth:`promote` (by hand) and :meth:`promote_if_better`
        (the gate) also append it to the history.
        """
        with self._mlflow(f"promote version {version} of '{name}'"):
            self.client.set_registered_model_alias(name, CHAMPION, str(version))
            self._tag(name, version, {GATE_TAG: "promoted", GATE_REASON_TAG: reason})
        current = self.challenger(name)
        if current is not None and current.version == version:
            with self._mlflow(f"drop the challenger alias of '{name}'"):
                self.client.delete_registered_model_alias(name, CHALLENGER)

    def mark_challenger(self, name: str, version: int, *, reason: str) -> None:
        """Point ``challenger`` at a version that did not beat the champion, with why.

        The alias move alone: :meth:`promote_if_better` appends it to the history.
        """
        with self._mlflow(f"mark version {version} of '{name}' as challenger"):
            self.client.set_registered_model_alias(name, CHALLENGER, str(version))
            self._tag(name, version, {GATE_TAG: "rejected", GATE_REASON_TAG: reason})

    def _tag(self, name: str, version: int, tags: Mapping[str, str]) -> None:
        for key, value in tags.items():
            self.client.set_model_version_tag(name, str(version), key, value[:5000])

    # -- the audit trail ----------------------------------------------------------------
    def history(self, name: str) -> list[AuditEvent]:
        """Every registration and alias move of ``name``, oldest first."""
        with self._mlflow(f"read the history of model '{name}'"):
            tags = self.client.get_registered_model(name).tags or {}
        return read_history(tags)

    def promote(
        self,
        name: str,
        version: int,
        *,
        reason: str,
        metric: str | None = None,
        user: str | None = None,
    ) -> list[AuditEvent]:
        """Make ``version`` champion by hand and append why (and who) to the history.

        With ``metric``, the events carry both versions' recorded values of it,
        so the history shows what a hand promotion overruled.
        """
        candidate = self.get(name, version)
        previous = self.champion(name)
        self.set_champion(name, version, reason=reason)
        figures = compared_figures(metric, candidate, previous)
        events = [new_event("promoted", version, by="hand", tags=candidate.tags,
                            reason=reason, user=user, **figures)]
        if previous is not None and previous.version != version:
            events.append(new_event("demoted", previous.version, by="hand", tags=previous.tags,
                                    reason=reason, user=user, **figures))
        return [self._append(name, event) for event in events]

    def _record_decision(self, name: str, decision: GateDecision) -> list[AuditEvent]:
        """Append the gate's decision, and the champion it replaced, to the history."""
        if not decision.promoted and decision.champion_version == decision.candidate_version:
            return []  # the champion itself, refused: no alias moved
        figures: dict[str, Any] = {
            "reason": decision.reason, "metric": decision.metric,
            "candidate_version": decision.candidate_version,
            "candidate": decision.candidate_value,
            "champion_version": decision.champion_version, "champion": decision.champion_value,
            "test_rows": decision.test_rows,
            "overlap_with_champion_train": decision.overlap_with_champion_train,
        }
        candidate = self.get(name, decision.candidate_version)
        kind: EventKind = "promoted" if decision.promoted else "challenger"
        events = [new_event(kind, candidate.version, by="gate", tags=candidate.tags, **figures)]
        replaced = decision.champion_version
        if decision.promoted and replaced is not None and replaced != candidate.version:
            old = self.get(name, replaced)
            events.append(new_event("demoted", replaced, by="gate", tags=old.tags, **figures))
        return [self._append(name, event) for event in events]

    def _append(self, name: str, event: AuditEvent) -> AuditEvent:
        """Add ``event`` as the next tag of the registered model (never rewriting one)."""
        with self._mlflow(f"append a '{event.event}' event to the history of '{name}'"):
            tags = self.client.get_registered_model(name).tags or {}
            key = tag_key(next_sequence(tags))
            self.client.set_registered_model_tag(name, key, event.to_json())
        return event

    def set_aside(
        self, name: str, version: int, *, reason: str, metric: str, rival_version: int,
        rival_value: float, test_rows: int | None = None,
    ) -> GateDecision:
        """Make ``version`` challenger: a sibling of the same run did better on the same rows."""
        candidate = self.get(name, version)
        decision = GateDecision(
            promoted=False, reason=reason, metric=metric, candidate_version=version,
            candidate_value=candidate.metrics.get(metric, float("nan")),
            champion_version=rival_version, champion_value=rival_value, test_rows=test_rows,
        )
        with self._mlflow(f"record the gate's figures on version {version} of '{name}'"):
            self._tag(name, version, decision.tags())
        self.mark_challenger(name, version, reason=reason)
        self._record_decision(name, decision)
        return decision

    # -- the gate ---------------------------------------------------------------------
    def promote_if_better(
        self,
        name: str,
        version: int,
        *,
        metric: str = "accuracy",
        reevaluate: Callable[[Any], float] | None = None,
        fairness: Fairness | None = None,
    ) -> GateDecision:
        """Make ``version`` champion only if it strictly beats the champion on ``metric``.

        ``reevaluate(pyfunc_model) -> float`` scores a loaded model on the
        candidate's test set; it is called for the champion only when the champion
        was measured on another test set (see the module docstring). ``fairness``
        counts the test rows the champion trained on and may hold promotion back.
        """
        candidate = self.get(name, version)
        champion = self.champion(name)
        decision = decide(
            candidate, champion, metric=metric, reevaluate=self._loader(reevaluate),
            fairness=fairness,
        )
        with self._mlflow(f"record the gate's figures on version {version} of '{name}'"):
            self._tag(name, version, decision.tags())
        if decision.promoted:
            self.set_champion(name, version, reason=decision.reason)
        elif champion is None or champion.version != version:
            self.mark_challenger(name, version, reason=decision.reason)
        self._record_decision(name, decision)
        return decision

    def _loader(
        self, reevaluate: Callable[[Any], float] | None
    ) -> Callable[[ModelVersionInfo], float] | None:
        if reevaluate is None:
            return None
        return lambda info: reevaluate(self.load_pyfunc(info.name, info.version))

    def load_pyfunc(self, name: str, version: int) -> Any:
        """Download a version and load it as an MLflow pyfunc model."""
        from mlflow.artifacts import download_artifacts

        with warnings.catch_warnings():
            # MLflow 3.17 warns about its own agent type hints while importing pyfunc
            warnings.filterwarnings("ignore", message=r".*Any type hint is inferred as AnyType")
            import mlflow.pyfunc

        with self._mlflow(f"load version {version} of '{name}'"):
            # the version's own artifact URI: a models:/ URI would be resolved through
            # MLflow's global registry URI, not this registry's
            source = self.client.get_model_version_download_uri(name, str(version))
            local = download_artifacts(artifact_uri=source, tracking_uri=self.tracking_uri)
            return mlflow.pyfunc.load_model(local)


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
