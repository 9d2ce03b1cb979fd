"""One line per refusal: the key's dotted path, what is wrong with the value, and a fix."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from textops.config.errors import config_error, definition_error
from textops.config.schema import PipelineConfig
from textops.errors import ConfigError, did_you_mean


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FloatRange(_Strict):
    type: Literal["float"] = "float"
    low: float
    high: float


class Choice(_Strict):
    type: Literal["categorical"] = "categorical"
    choices: list[str]


Dimension = Annotated[FloatRange | Choice, Field(discriminator="type")]


class Tuning(_Strict):
    n_trials: int = Field(default=100, ge=1)
    resources: dict[str, float] = Field(default_factory=dict)


class Params(_Strict):
    """Shaped like the tune step's parameters."""

    tuning: Tuning = Tuning()
    space: dict[str, Dimension] = Field(default_factory=dict)
    dropout: Dimension | None = None
    layers: list[Tuning] = Field(default_factory=list)


def _error(model: type[BaseModel], data: dict[str, Any], where: str = "") -> ConfigError:
    with pytest.raises(PydanticValidationError) as info:
        model.model_validate(data)
    return config_error(info.value, model=model, where=where)


def _params_error(data: dict[str, Any]) -> str:
    return str(_error(Params, data, "steps.tune.params"))


def test_typo_at_depth_one() -> None:
    error = _error(PipelineConfig, {"trackin": {}})
    assert error.message == "trackin: unknown key 'trackin' (did you mean 'tracking'?)"
    assert error.hint == "rename it to 'tracking'"
    assert str(error) == error.message + "\n  fix: rename it to 'tracking'"


def test_typo_at_depth_two_and_three() -> None:
    assert str(_error(PipelineConfig, {"tracking": {"urii": "x"}})).startswith(
        "tracking.urii: unknown key 'urii' (did you mean 'uri'?)\n  fix: rename it to 'uri'"
    )
    message = str(_error(PipelineConfig, {"compute": {"cluster": {"n_worker": 3}}}))
    assert message.startswith(
        "compute.cluster.n_worker: unknown key 'n_worker' (did you mean 'n_workers'?)"
    )


def test_typo_in_step_params_names_the_step() -> None:
    message = _params_error({"tuning": {"n_trails": 5}})
    assert message == (
        "steps.tune.params.tuning.n_trails: unknown key 'n_trails' (did you mean 'n_trials'?)"
        "\n  fix: rename it to 'n_trials'"
    )


def test_typo_inside_a_union_member_leaves_the_tag_out_of_the_path() -> None:
    message = _params_error({"space": {"lr": {"type": "float", "low": 0, "high": 1, "hihg": 2}}})
    assert message.startswith(
        "steps.tune.params.space.lr.hihg: unknown key 'hihg' (did you mean 'high'?)"
    )
    optional = _params_error({"dropout": {"type": "categorical", "choice": ["a"]}})
    assert "dropout.choice: unknown key 'choice' (did you mean 'choices'?)" in optional


def test_typo_in_a_list_item() -> None:
    message = _params_error({"layers": [{}, {"n_trail": 1}]})
    assert message.startswith("steps.tune.params.layers[1].n_trail: unknown key 'n_trail'")


def test_nothing_close_lists_the_valid_keys() -> None:
    error = _error(PipelineConfig, {"data": {"colour": "red"}})
    assert error.message.startswith("data.colour: unknown key 'colour'; valid keys here: format, ")
    assert error.hint == "remove 'colour' or use a valid key"


def test_wrong_type_quotes_the_value_and_the_expected_type() -> None:
    error = _error(PipelineConfig, {"tracking": {"enabled": "maybe"}})
    assert error.message == (
        "tracking.enabled: Input should be a valid boolean, unable to interpret input, got 'maybe'"
    )
    assert error.hint == "set 'tracking.enabled' to a valid boolean"
    ranged = _params_error({"tuning": {"n_trials": 0}})
    assert "tuning.n_trials: Input should be greater than or equal to 1, got 0" in ranged
    fix = "fix: set 'steps.tune.params.tuning.n_trials' to a value greater than or equal to 1"
    assert fix in ranged
    mapping = _error(PipelineConfig, {"compute": 3})
    assert mapping.message == "compute: Input should be a mapping, got 3"
    assert mapping.hint == "set 'compute' to a mapping"


def test_literal_lists_the_choices() -> None:
    error = _error(PipelineConfig, {"data": {"format": "xls"}})
    assert error.message == (
        "data.format: Input should be 'auto', 'csv', 'parquet' or 'jsonl', got 'xls'"
    )
    assert error.hint == "use one of 'auto', 'csv', 'parquet' or 'jsonl'"


def test_bad_union_tag_says_which_types_are_valid() -> None:
    message = _params_error({"space": {"lr": {"type": "flot", "low": 0, "high": 1}}})
    assert message == (
        "steps.tune.params.space.lr: type 'flot' is not valid: "
        "expected one of 'float', 'categorical'"
        "\n  fix: set 'steps.tune.params.space.lr.type' to one of 'float', 'categorical'"
    )


def test_missing_union_tag_says_which_types_are_valid() -> None:
    message = _params_error({"dropout": {"low": 0, "high": 1}})
    assert "Unable to extract tag" not in message
    assert message.startswith(
        "steps.tune.params.dropout: the key 'type' is missing: "
        "it must be one of 'float', 'categorical'"
    )


def test_missing_key_and_several_problems_stay_on_one_line() -> None:
    error = _error(PipelineConfig, {"steps": [{"name": "a", "usse": "x"}], "data": {"format": 1}})
    assert "\n" not in error.message
    # the misspelt key comes first: it explains the missing one
    assert error.message.startswith("steps[0].usse: unknown key 'usse' (did you mean 'uses'?)")
    assert error.message.endswith("(and 2 more: data.format, steps[0].uses)")


def test_model_level_problem_names_the_key_suggests_and_says_the_fix() -> None:
    steps = [{"name": "a", "uses": "x", "compute": "clustr"}]
    error = _error(PipelineConfig, {"steps": steps})
    assert error.message == (
        "steps.a.compute: compute 'clustr' is not defined (did you mean 'cluster'?)"
    )
    assert error.hint == "use one of cluster, gpu, local (from 'compute'), or add 'clustr' there"
    steps = [{"name": "a", "uses": "x", "environment": "tourch"}]
    error = _error(PipelineConfig, {"steps": steps})
    assert error.message == (
        "steps.a.environment: environment 'tourch' is not defined (did you mean 'torch'?)"
    )
    assert error.hint is not None and "(from 'environments.files')" in error.hint
    twice = _error(PipelineConfig, {"steps": [{"name": "a", "uses": "x"}] * 2})
    assert twice.message == "steps[1]: the step name 'a' is used twice"
    assert twice.hint == "give each step its own name"


def test_model_level_problem_inside_step_params_is_prefixed() -> None:
    class Checked(_Strict):
        low: float = 0
        high: float = 1

        @model_validator(mode="after")
        def _ordered(self) -> Checked:
            if self.low > self.high:
                raise definition_error("low", "low is above high", fix="lower 'low'")
            return self

    error = _error(Checked, {"low": 2}, "steps.tune.params")
    assert str(error) == "steps.tune.params.low: low is above high\n  fix: lower 'low'"


def test_a_list_item_with_a_name_is_shown_by_it_as_set_takes_it() -> None:
    steps = [{"name": "ingest", "uses": "ingest"}, {"name": "tune", "uses": "tune", "data": "x"}]
    with pytest.raises(PydanticValidationError) as info:
        PipelineConfig.model_validate({"steps": steps})
    error = config_error(info.value, model=PipelineConfig, data={"steps": steps})
    assert error.message.startswith("steps.tune.data: Input should be ")
    assert error.hint is not None and error.hint.startswith("use one of 'raw'")
    # the same name twice, or no data to read names from: by index
    twice = [steps[1], steps[1]]
    with pytest.raises(PydanticValidationError) as info:
        PipelineConfig.model_validate({"steps": twice})
    error = config_error(info.value, model=PipelineConfig, data={"steps": twice})
    assert error.message.startswith("steps[0].data: ")
    assert config_error(info.value, model=PipelineConfig).message.startswith("steps[0].data: ")


def test_a_validators_message_is_not_followed_by_the_value_again() -> None:
    error = _error(PipelineConfig, {"steps": [{"name": "1x", "uses": "x"}]})
    assert error.message.startswith("steps[0].name: '1x' is not a valid step name")
    assert "got '1x'" not in error.message
    assert error.hint == "correct 'steps[0].name'"


def test_a_model_or_dict_where_a_scalar_stands_asks_for_a_mapping() -> None:
    error = _error(PipelineConfig, {"compute": {"cluster": 3}})
    assert error.message == "compute.cluster: Input should be a mapping, got 3"
    assert error.hint == "set 'compute.cluster' to a mapping"
    assert "ComputeTarget" not in str(_error(PipelineConfig, {"data": [1]}))


def test_did_you_mean_suggests_the_closest_name_or_nothing() -> None:
    assert did_you_mean("trian", ["ingest", "train", "tune"]) == " (did you mean 'train'?)"
    assert did_you_mean("zzz", ["ingest", "train"]) == ""
    assert did_you_mean("x", []) == ""


def test_source_prefixes_the_line() -> None:
    with pytest.raises(PydanticValidationError) as info:
        PipelineConfig.model_validate({"projec": "x"})
    error = config_error(info.value, model=PipelineConfig, source="textops.yaml")
    assert error.message.startswith("textops.yaml: projec: unknown key 'projec'")
