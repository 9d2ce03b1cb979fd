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

The gate (:meth:`ModelRegistry.promote_if_better`) applies the rule of
:mod:`textops.tracking.gate` (a candidate becomes champion only by strictly
beating it on the same test rows, rows neither of them trained on) and moves
the aliases: a candidate that is not promoted gets the alias ``challenger``.
The figures the gate used are tagged on the candidate (``textops.gate.*``).
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from textops.tracking.audit import (
    AuditEvent,
    gate_events,
    hand_promotion_events,
    next_sequence,
    read_history,
    registered_event,
    tag_key,
)
from textops.tracking.errors import mlflow_errors, translate
from textops.tracking.gate import (
    DATASET_TAG,
    GATE_TAG,
    METRIC_TAG,
    TEST_SET_TAG,
    Fairness,
    GateDecision,
    ModelVersionInfo,
    decide,
)

CHAMPION = "champion"
CHALLENGER = "challenger"
GATE_REASON_TAG = "textops.gate_reason"


def fingerprint_test_set(texts: Sequence[str], labels: Sequence[Any]) -> str:
    """A SHA-256 of the test texts and labels, in order (for ``test_set=``)."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(str(text).encode("utf-8") + b"\x1f" + str(label).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


class ModelRegistry:
    """Registry operations against one tracking server (``tracking_uri``)."""

    def __init__(self, tracking_uri: str, *, registry_uri: str | None = None) -> None:
        import logging

        from mlflow import MlflowClient

        logging.getLogger("mlflow").setLevel(logging.ERROR)  # the CLI reports what matters

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

    def by_alias(self, name: str, alias: str) -> ModelVersionInfo | None:
        """The version behind ``alias``, or ``None`` (the scoring service follows any alias)."""
        return self._by_alias(name, alias)

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
        events = hand_promotion_events(candidate, previous, reason=reason, metric=metric, user=user)
        return [self._append(name, event) for event in events]

    def _record_decision(self, name: str, decision: GateDecision) -> list[AuditEvent]:
        """Append the gate's decision, and the champion it replaced, to the history."""
        if not decision.promoted and decision.champion_version == decision.candidate_version:
            return []  # the champion itself, refused: no alias moved
        candidate = self.get(name, decision.candidate_version)
        replaced = decision.champion_version
        old = None
        if decision.promoted and replaced is not None and replaced != candidate.version:
            old = self.get(name, replaced)
        return [self._append(name, event) for event in gate_events(decision, candidate, old)]

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
        was measured on another test set (see :mod:`textops.tracking.gate`). ``fairness``
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


