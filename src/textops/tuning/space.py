"""The search space as data: which ``NetworkConfig`` fields the tuner varies, and how.

A space is a pydantic model, so it loads from YAML and is refused when a name
or a range is wrong::

    learning_rate: {type: float, low: 0.001, high: 0.1, log: true}
    architecture: {type: categorical, choices: [fasttext, mlp]}
    embedding_dim: {type: categorical, choices: [32, 64, 128]}
    hidden_size: null                 # not tuned: the base config's value
    extra:                            # any other NetworkConfig field
      min_count: {type: int, low: 1, high: 3}

``val_fraction`` is not a dimension: every trial is judged on the same share of
the tuning data (the study sets it, see ``TuningConfig.min_validation_docs``).

``hidden_size`` and ``hidden_layers`` only shape the MLP, so they are sampled
only in trials whose architecture is ``mlp`` (Optuna's define-by-run space).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from textops.models.network_config import NetworkConfig

MLP_ONLY = frozenset({"hidden_size", "hidden_layers"})
# trials judged on validation sets of different sizes cannot be compared
NOT_TUNABLE = frozenset({"val_fraction"})


class _Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FloatRange(_Dimension):
    type: Literal["float"] = "float"
    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _check(self) -> FloatRange:
        _check_range(self.low, self.high, self.log)
        return self


class IntRange(_Dimension):
    type: Literal["int"] = "int"
    low: int
    high: int
    step: int = Field(default=1, ge=1)
    log: bool = False

    @model_validator(mode="after")
    def _check(self) -> IntRange:
        _check_range(self.low, self.high, self.log)
        if self.log and self.step != 1:
            raise ValueError("an int range with log: true must have step 1")
        return self


class Choice(_Dimension):
    type: Literal["categorical"] = "categorical"
    choices: list[str | int | float | bool] = Field(min_length=1)


Dimension = Annotated[FloatRange | IntRange | Choice, Field(discriminator="type")]


def _check_range(low: float, high: float, log: bool) -> None:
    if not low <= high:
        raise ValueError(f"low must not exceed high. Got low={low}, high={high}.")
    if log and low <= 0:
        raise ValueError(f"a log range needs low > 0. Got low={low}.")


class SearchSpace(BaseModel):
    """Named dimensions over ``NetworkConfig``; ``None`` keeps the base config's value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    architecture: Dimension | None = Choice(choices=["fasttext", "mlp"])
    learning_rate: Dimension | None = FloatRange(low=5e-4, high=0.05, log=True)
    embedding_dim: Dimension | None = Choice(choices=[32, 64, 128])
    hidden_size: Dimension | None = Choice(choices=[64, 128, 256])
    dropout: Dimension | None = FloatRange(low=0.0, high=0.7)
    ngram: Dimension | None = IntRange(low=1, high=3)
    batch_size: Dimension | None = Choice(choices=[32, 64, 128, 256])
    epochs: Dimension | None = IntRange(low=3, high=12)
    weight_decay: Dimension | None = FloatRange(low=1e-7, high=1e-2, log=True)
    # not tuned by default: the base config's sublinear term frequency is the weighting of
    # the sweep's TF-IDF features, so the network starts from the linear models' input
    binary: Dimension | None = None
    pooling: Dimension | None = Choice(choices=["mean", "sqrt", "tfidf"])
    extra: dict[str, Dimension] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_names(self) -> SearchSpace:
        known = set(NetworkConfig.model_fields)
        clash = set(self.extra) & set(type(self).model_fields)
        if clash:
            raise ValueError(f"extra repeats named dimensions {sorted(clash)}; set them directly")
        fixed = sorted(set(self.extra) & NOT_TUNABLE)
        if fixed:
            raise ValueError(
                f"extra names {fixed}, which tuning does not vary: every trial is judged on "
                "the same validation share (set the base network's val_fraction, and "
                "tuning.min_validation_docs)"
            )
        unknown = sorted(set(self.extra) - known)
        if unknown:
            raise ValueError(
                f"extra names {unknown}, which are not NetworkConfig fields; "
                f"expected some of {sorted(known)}"
            )
        return self

    def dimensions(self) -> dict[str, FloatRange | IntRange | Choice]:
        """Every tuned dimension by NetworkConfig field name, architecture first."""
        named = {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name != "extra" and getattr(self, name) is not None
        }
        return {**named, **self.extra}


class _Trial(Protocol):
    def suggest_float(self, name: str, low: float, high: float, *, log: bool = ...) -> float: ...
    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = ..., log: bool = ...
    ) -> int: ...
    def suggest_categorical(self, name: str, choices: Any) -> Any: ...


def suggest(trial: _Trial, space: SearchSpace, base: NetworkConfig) -> dict[str, Any]:
    """Ask an Optuna trial for one point of ``space``; returns the sampled fields only."""
    params: dict[str, Any] = {}
    for name, dim in space.dimensions().items():
        architecture = params.get("architecture", base.architecture)
        if name in MLP_ONLY and architecture != "mlp":
            continue
        if isinstance(dim, FloatRange):
            params[name] = trial.suggest_float(name, dim.low, dim.high, log=dim.log)
        elif isinstance(dim, IntRange):
            params[name] = trial.suggest_int(name, dim.low, dim.high, step=dim.step, log=dim.log)
        else:
            params[name] = trial.suggest_categorical(name, list(dim.choices))
    return params


def apply_params(base: NetworkConfig, params: dict[str, Any]) -> NetworkConfig:
    """``base`` with the sampled fields replaced, validated again."""
    return NetworkConfig.model_validate({**base.model_dump(), **params})
