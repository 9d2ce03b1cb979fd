"""The typed records steps hand each other.

A step declares each of its outputs as one of these pydantic models; the graph
lint checks that a wired input's type is the one the consuming step declares,
and the runner validates every record at hand-off and when it reads one back
from the cache. A record is small JSON: data that does not fit (frames, model
files) stays in the store, and ``textops.store.catalog.Catalog`` turns a record
into the frames it refers to, so no step knows another step's file names.

This module imports nothing of textops: every layer may use it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    """Base of every hand-off: immutable, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetRef(Record):
    """An immutable dataset version in the store."""

    name: str
    version: str

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


class IngestSummary(Record):
    """What ingest found: whether the version is new, and its rows per part."""

    is_new: bool
    rows: dict[str, int]


class DocStats(Record):
    """Per-document statistics (length, language, sentiment...) of each part of a version."""

    dataset: DatasetRef
    location: str


class ValidationReport(Record):
    """The verdict of validation against the baseline; the report's files are at ``location``.

    ``status`` is "error" when hard checks refused the version, else the drift
    status (kept for older readers); ``drift_status`` is the worst drift test
    (ok < insufficient < warn < fail); ``on_drift`` is the validate step's
    policy for a drift ``fail``.
    """

    location: str
    status: str
    baseline_sha256: str
    drift_status: Literal["ok", "insufficient", "warn", "fail"] = "ok"
    on_drift: Literal["block", "warn", "ignore"] = "block"
    #: the worst failing, then warning, tests (at most 5), worst first, e.g.
    #: "train.class_balance.chi_square p=1.6e-21"
    worst_checks: list[str] = Field(default_factory=list)
    #: tests with too few rows to judge
    insufficient_checks: int = 0
    #: the worst status of the tests against the curated baseline alone (not the train/test
    #: skew checks within the version); None in reports written before it was recorded
    baseline_drift_status: Literal["ok", "insufficient", "warn", "fail"] | None = None
    #: the worst failing tests against the baseline (what holds promotion back)
    baseline_worst_checks: list[str] = Field(default_factory=list)

    @property
    def holds_promotion(self) -> bool:
        """Whether this version's model must not become champion.

        Under ``block``, when the data drifted from the curated baseline. A skew
        between this version's own train and test (e.g. duplicates across the
        split) is reported, but says nothing of a drift to hold back for.
        """
        status = self.baseline_drift_status or self.drift_status
        return self.on_drift == "block" and status == "fail"


class CleanedData(Record):
    """The four parts of a version after cleaning, with the settings that made them."""

    dataset: DatasetRef
    location: str
    settings: dict[str, Any]
    empty_after_cleaning: dict[str, int] = Field(default_factory=dict)


class Leaderboard(Record):
    """The sweep's ranking; the table itself is at ``location``."""

    location: str
    metric: str
    best: str | None
    best_value: float | None
    failed: list[str] = Field(default_factory=list)
    #: the candidates that fitted, best first, as the sweep declared them (for refitting)
    ranking: list[dict[str, Any]] = Field(default_factory=list)
    #: the TF-IDF settings every candidate fitted on
    tfidf: dict[str, Any] = Field(default_factory=dict)


class TunedConfig(Record):
    """The tuning study's best network configuration and how it was found."""

    config: dict[str, Any]
    params: dict[str, Any]
    value: float
    trial: int
    study: str
    trials: dict[str, int]
    #: how many documents every trial was judged on, and the validation share that made them
    validation_docs: int | None = None
    val_fraction: float | None = None
    #: the text the trials trained on: the clean step's ("cleaned") or the text as ingested
    text: Literal["cleaned", "raw"] = "cleaned"


class Registration(Record):
    """A registered model version and the gate's decision about it."""

    name: str
    version: int
    uri: str
    promoted: bool
    reason: str
    #: the figures the gate compared, on rows neither model trained on
    metric: str | None = None
    candidate_value: float | None = None
    champion_version: int | None = None
    champion_value: float | None = None
    test_rows: int | None = None
    overlap_with_champion_train: int | None = None


class ModelRef(Record):
    """A trained, exported and (when tracking is on) registered model."""

    location: str
    device: str
    metrics: dict[str, float]
    onnx_parity_max_abs_diff: float
    labels: list[str]
    registered: Registration | None = None
    #: network (the tuned network) or linear (the sweep's model refitted on full train)
    family: str = "network"
    #: what the model is, in a word (the network's architecture, the linear estimator)
    estimator: str | None = None
    #: the cleaning settings the model's input gets (None: the raw text)
    cleaning: dict[str, Any] | None = None
    #: how the model was chosen (for a refitted sweep model: the cross-validation)
    selection: dict[str, Any] = Field(default_factory=dict)
    #: its confusion matrix on the test part, ``{"labels": [...], "matrix": [[...]]}`` (rows true)
    confusion: dict[str, Any] | None = None


class GateOutcome(Record):
    """What the train step's gate saw and decided: every model of the run, registered or not."""

    models: list[ModelRef]
    #: the index in ``models`` of the one that went to the gate (the best on the test rows)
    chosen: int
    #: why promotion was held back whatever the figures (the drift policy), if it was
    held: str | None = None

    @property
    def champion(self) -> ModelRef | None:
        """The run's model that became champion, if one did."""
        chosen = self.models[self.chosen]
        return chosen if chosen.registered is not None and chosen.registered.promoted else None
