from __future__ import annotations

from typing import Any

import pytest

from support.pipeline_steps import SourceParams
from textops.config.loader import validate_config
from textops.errors import ConfigError
from textops.pipeline.graph import build_graph, describe


def config(steps: list[dict[str, Any]]) -> Any:
    return validate_config({"steps": steps})


def src(name: str) -> dict[str, Any]:
    return {"name": name, "uses": "support.pipeline_steps:source", "params": {"counter": "/tmp"}}


def dbl(name: str, ref: str) -> dict[str, Any]:
    return {"name": name, "uses": "support.pipeline_steps:double", "inputs": {"x": ref},
            "params": {"counter": "/tmp"}}


def test_order_follows_the_wiring_not_the_listing() -> None:
    graph = build_graph(config([dbl("c", "b.value"), dbl("b", "a.value"), src("a")]))
    assert [n.name for n in graph.nodes] == ["a", "b", "c"]
    assert graph.downstream_of("b") == ["b", "c"]
    assert graph.upstream_of("c") == ["a", "b"]


def test_cycle_is_refused() -> None:
    with pytest.raises(ConfigError, match="cycle: .*b -> .*"):
        build_graph(config([dbl("a", "b.value"), dbl("b", "a.value")]))


def test_unknown_output_is_named() -> None:
    with pytest.raises(ConfigError, match="refers to 'a.nope', but 'a' has the outputs value"):
        build_graph(config([src("a"), dbl("b", "a.nope")]))


def test_missing_required_input() -> None:
    step = dbl("b", "a.value")
    step["inputs"] = {}
    with pytest.raises(ConfigError, match="needs the inputs x"):
        build_graph(config([src("a"), step]))


def test_unknown_step_kind() -> None:
    with pytest.raises(ConfigError, match="'nope' is not a known step kind"):
        build_graph(config([{"name": "a", "uses": "nope"}]))


def test_bad_params_name_the_step() -> None:
    step = src("a")
    step["params"]["colour"] = "red"
    with pytest.raises(
        ConfigError, match=r"steps\.a\.params\.colour: unknown key 'colour'"
    ) as info:
        build_graph(config([step]))
    assert info.value.hint


def test_a_misspelt_nested_step_parameter_gets_a_suggestion() -> None:
    from textops.config.loader import validate_config

    raw = {"steps": [{"name": "tune", "uses": "tune", "params": {"tuning": {"n_trails": 3}}}]}
    with pytest.raises(
        ConfigError, match=r"steps\.tune\.params\.tuning\.n_trails.*did you mean 'n_trials'"
    ):
        build_graph(validate_config(raw))


def test_describe_is_inert_data() -> None:
    rows = describe(build_graph(config([src("a"), dbl("b", "a.value")])))
    assert rows[1]["after"] == "a" and rows[1]["inputs"] == "x=a.value"


def test_environment_missing_from_the_files_is_a_config_error() -> None:
    raw = {
        "environments": {"files": {"data": "environments/data.yml"}},
        "steps": [
            {
                "name": "s",
                "uses": "support.pipeline_steps:source",
                "params": {"counter": "/tmp"},
                "environment": "data",
            },
            {"name": "sweep", "uses": "sweep", "inputs": {"cleaned": "s.value"}},
        ],
    }
    with pytest.raises(ConfigError, match="needs environment 'sklearn'"):
        build_graph(validate_config(raw))


def test_an_input_wired_to_an_output_of_another_type_is_refused() -> None:
    raw = {
        "environments": {"mode": "off"},
        "steps": [
            {"name": "t", "uses": "support.pipeline_steps:text", "params": {"counter": "/tmp"}},
            {
                "name": "d",
                "uses": "support.pipeline_steps:double",
                "inputs": {"x": "t.value"},
                "params": {"counter": "/tmp"},
            },
        ],
    }
    with pytest.raises(ConfigError, match=r"input 'x' takes a Number, but 't.value' is a Text"):
        build_graph(validate_config(raw))


def test_step_inputs_and_outputs_are_read_from_the_function() -> None:
    from textops.pipeline.registry import resolve
    from textops.records import CleanedData, ModelRef, TunedConfig, ValidationReport

    train = resolve("train")
    assert dict(train.inputs) == {"cleaned": CleanedData, "best": TunedConfig,
                                  "contender": ModelRef, "validation": ValidationReport}
    assert train.required_inputs == ("cleaned",)
    assert train.optional_inputs == {"best", "contender", "validation"}


def test_a_step_function_without_typed_inputs_is_refused_when_declared() -> None:
    from textops.steps.base import step

    def untyped(ctx, params: SourceParams, *, x):  # type: ignore[no-untyped-def]
        return {}

    with pytest.raises(TypeError, match="input 'x' must be typed with a Record"):
        step("untyped", outputs={})(untyped)


def test_a_misspelt_step_name_gets_a_suggestion() -> None:
    graph = build_graph(config([src("source"), dbl("double", "source.value")]))
    assert graph.node("double").name == "double"
    with pytest.raises(
        ConfigError, match=r"no step 'sorce' in the pipeline \(did you mean 'source'\?\)"
    ) as info:
        graph.node("sorce")
    assert info.value.hint == "steps are: source, double"
    with pytest.raises(ConfigError) as info:
        graph.node("zzz")
    assert info.value.message == "there is no step 'zzz' in the pipeline"


def test_a_gate_metric_typo_fails_when_the_graph_is_built_naming_the_valid_ones() -> None:
    from textops.config.loader import load_config

    config = load_config(None, overrides=["steps.train.params.gate_metric=f1-macro"])
    with pytest.raises(ConfigError, match=r"steps\.train\.params\.gate_metric.*'f1_macro'"):
        build_graph(config)


def test_a_compute_section_without_the_default_target_is_named_not_a_key_error() -> None:
    definition = validate_config({"compute": {"cluster": {"kind": "dask"}}, "steps": [src("a")]})
    with pytest.raises(ConfigError, match=r"step 'a' .* names no compute target .*'local'.* "
                                          r"defines cluster") as info:
        build_graph(definition)
    assert "steps.a.compute" in str(info.value.hint)


def test_a_step_falls_back_to_local_when_its_kinds_target_is_not_defined() -> None:
    definition = validate_config({"compute": {"local": {"kind": "local"}}, "steps": [src("a")]})
    assert build_graph(definition).nodes[0].compute == "local"
