from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from textops.config.loader import config_hash, load_config, validate_config
from textops.config.schema import PipelineConfig
from textops.config.template import TEMPLATE
from textops.errors import ConfigError


def test_default_applies_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.data.text_column == "text"
    assert config.store.url == str(tmp_path / ".textops")
    assert [s.name for s in config.steps][0] == "ingest"


def test_relative_paths_are_taken_from_the_file(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    file = tmp_path / "proj" / "textops.yaml"
    file.write_text("data:\n  source: drops\nstore:\n  url: s3://bucket/store\n")
    config = load_config(file)
    assert config.data.source == str(tmp_path / "proj" / "drops")
    assert config.store.url == "s3://bucket/store"


def test_unknown_key_names_its_path_and_suggests(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("data:\n  text_colum: body\n")
    with pytest.raises(
        ConfigError,
        match=r"textops.yaml: data\.text_colum: unknown key 'text_colum' "
        r"\(did you mean 'text_column'\?\)\n  fix: rename it to 'text_column'$",
    ):
        load_config(file)


def test_unknown_key_inside_a_compute_target(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("compute:\n  cluster:\n    kind: dask\n    workers: 3\n")
    with pytest.raises(ConfigError, match=r"compute\.cluster\.workers: unknown key.*n_workers"):
        load_config(file)


def test_wrong_type_names_the_key_and_value(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("data:\n  split:\n    test_fraction: 1.5\n")
    with pytest.raises(ConfigError, match=r"data\.split\.test_fraction: .*less than 1, got 1\.5"):
        load_config(file)


def test_invalid_yaml_gives_the_line(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("data:\n  source: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(file)


def test_overrides_set_nested_keys_and_steps_by_name(tmp_path: Path) -> None:
    config = load_config(
        None,
        overrides=["data.split.seed=7", "tracking.enabled=false", "steps.ingest.compute=cluster"],
        base_dir=tmp_path,
    )
    assert config.data.split.seed == 7
    assert config.tracking.enabled is False
    assert config.step("ingest").compute == "cluster"


def test_bad_override_form() -> None:
    with pytest.raises(ConfigError, match="not of the form key=value"):
        load_config(None, overrides=["data.split.seed"])


def test_override_of_an_unknown_key_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"data\.colour: unknown key 'colour'; valid keys"):
        load_config(None, overrides=["data.colour=red"])


def test_step_refers_to_unknown_compute_target() -> None:
    raw = {"steps": [{"name": "ingest", "uses": "ingest", "compute": "tpu"}]}
    with pytest.raises(ConfigError, match="compute 'tpu' is not defined"):
        validate_config(raw)


def test_duplicate_step_names_are_refused() -> None:
    raw = {"steps": [{"name": "a", "uses": "ingest"}, {"name": "a", "uses": "ingest"}]}
    with pytest.raises(ConfigError, match="'a' is used twice"):
        validate_config(raw)


def test_template_matches_the_built_in_default(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text(TEMPLATE)
    assert yaml.safe_load(TEMPLATE)  # parses
    from_template = load_config(file)
    default = load_config(None, base_dir=tmp_path)
    assert config_hash(from_template) == config_hash(default)


def test_override_of_one_compute_target_keeps_the_others(tmp_path: Path) -> None:
    config = load_config(None, overrides=["compute.cluster.n_workers=1"], base_dir=tmp_path)
    default = load_config(None, base_dir=tmp_path)
    assert set(config.compute) == {"local", "cluster", "gpu"}
    assert config.compute["cluster"].n_workers == 1
    assert config.compute["cluster"].memory_limit == default.compute["cluster"].memory_limit
    assert config.compute["gpu"] == default.compute["gpu"]


def test_override_of_one_environment_file_keeps_the_others(tmp_path: Path) -> None:
    overrides = ["environments.files.data=envs/mine.yml"]
    config = load_config(None, overrides=overrides, base_dir=tmp_path)
    assert config.environments.files["data"] == str(tmp_path / "envs" / "mine.yml")
    assert set(config.environments.files) == {"data", "sklearn", "torch"}
    assert config.environments.mode == "current"


def test_override_adds_a_target_to_a_file_that_lists_some(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("compute:\n  local: {kind: local}\n")
    config = load_config(file, overrides=["compute.gpu.device=cuda", "compute.local.n_workers=3"])
    assert set(config.compute) == {"local", "gpu"}  # the file's mapping is what it says
    assert config.compute["gpu"].device == "cuda" and config.compute["gpu"].kind == "local"
    assert config.compute["local"].n_workers == 3


def test_override_of_a_step_keeps_its_inputs(tmp_path: Path) -> None:
    config = load_config(None, overrides=["steps.train.params.members=3"], base_dir=tmp_path)
    assert config.step("train").params == {"members": 3}
    assert config.step("train").inputs == {
        "cleaned": "clean.cleaned", "best": "tune.best", "contender": "refit.model",
        "validation": "validate.report",
    }


def test_override_of_an_unknown_step_suggests_one() -> None:
    with pytest.raises(ConfigError, match=r"no item 'trian' in that list \(did you mean 'train'"):
        load_config(None, overrides=["steps.trian.compute=cluster"])


def test_hash_does_not_depend_on_the_checkout_folder(tmp_path: Path) -> None:
    project = tmp_path / "a" / "project"
    project.mkdir(parents=True)
    (project / "textops.yaml").write_text(
        "data:\n  source: drops\nstore:\n  url: .store\n"
        "environments:\n  files: {data: envs/data.yml}\n"
    )
    checkout = tmp_path / "b" / "deeper" / "checkout"
    shutil.copytree(project, checkout)
    first, second = load_config(project / "textops.yaml"), load_config(checkout / "textops.yaml")
    assert first.data.source != second.data.source
    assert config_hash(first) == config_hash(second)
    changed = load_config(checkout / "textops.yaml", overrides=["data.source=other"])
    assert config_hash(changed) != config_hash(first)


def test_hash_keeps_remote_and_outside_locations(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("data:\n  source: /srv/drops\nstore:\n  url: s3://bucket/store\n")
    config = load_config(file)
    other = load_config(file, overrides=["data.source=/srv/other"])
    assert config.data.source == "/srv/drops" and config.store.url == "s3://bucket/store"
    assert config_hash(config) != config_hash(other)


def test_step_by_name_and_a_missing_step_suggests(tmp_path: Path) -> None:
    config = load_config(None, base_dir=tmp_path)
    assert config.step("tune").uses == "tune"
    with pytest.raises(ConfigError, match=r"no step 'tuen' \(did you mean 'tune'\?\)") as info:
        config.step("tuen")
    assert info.value.hint is not None and "ingest, profile, validate" in info.value.hint


def test_the_loader_imports_no_step_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from textops.config.loader import load_config; load_config(None); "
        "bad = sorted(m for m in sys.modules if m.startswith('textops.') and "
        "m.split('.')[1] not in ('config', 'errors')); print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


#: shaped like the built-in kinds' defaults, which the caller (textops.api) passes
PARAM_DEFAULTS: dict[str, dict[str, Any]] = {
    "tune": {
        "space": {"dropout": {"type": "float", "low": 0.0, "high": 0.3}},
        "tuning": {"n_trials": 20},
    },
    "train": {"members": 1},
}


def test_override_inside_step_params_starts_from_the_kinds_defaults(tmp_path: Path) -> None:
    overrides = ["steps.tune.params.space.dropout.high=0.5"]
    config = load_config(
        None, overrides=overrides, base_dir=tmp_path, param_defaults=PARAM_DEFAULTS
    )
    assert config.step("tune").params == {
        "space": {"dropout": {"type": "float", "low": 0.0, "high": 0.5}},
        "tuning": {"n_trials": 20},
    }
    assert PARAM_DEFAULTS["tune"]["space"]["dropout"]["high"] == 0.3  # left as it was
    # without param_defaults, as before: only the key set
    plain = load_config(None, overrides=overrides, base_dir=tmp_path)
    assert plain.step("tune").params == {"space": {"dropout": {"high": 0.5}}}


def test_step_params_defaults_follow_the_kind_not_the_name(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text(
        "steps:\n"
        "  - {name: train, uses: mypkg.steps:fit}\n"
        "  - {name: search, uses: tune, params: {tuning: {n_trials: 5}}}\n"
    )
    overrides = ["steps.train.params.epochs=3", "steps.search.params.space.dropout.low=0.1"]
    config = load_config(file, overrides=overrides, param_defaults=PARAM_DEFAULTS)
    assert config.step("train").params == {"epochs": 3}
    assert config.step("train").inputs == {}
    assert config.step("search").params == {
        "tuning": {"n_trials": 5},  # the file's mapping is what it says
        "space": {"dropout": {"type": "float", "low": 0.1, "high": 0.3}},
    }


def test_override_changes_one_use_of_a_yaml_alias(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text(
        "compute:\n  a: &t {kind: dask, n_workers: 2}\n  b: *t\n"
        "steps:\n  - {name: ingest, uses: ingest, compute: a}\n"
    )
    config = load_config(file, overrides=["compute.a.n_workers=5"])
    assert config.compute["a"].n_workers == 5
    assert config.compute["b"].n_workers == 2
    assert config.compute["b"].kind == "dask"


def test_a_recursive_yaml_alias_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("project: &p [*p]\n")
    with pytest.raises(ConfigError, match="alias refers to a mapping or list that contains it"):
        load_config(file)


def test_hash_of_a_path_outside_the_folder_does_not_depend_on_the_checkout(tmp_path: Path) -> None:
    text = "data:\n  source: ../landing\nstore:\n  url: ../store\n"
    first, second = tmp_path / "a" / "project", tmp_path / "b" / "deeper" / "project"
    for folder in (first, second):
        folder.mkdir(parents=True)
        (folder / "textops.yaml").write_text(text)
    one, two = load_config(first / "textops.yaml"), load_config(second / "textops.yaml")
    assert one.data.source == str(tmp_path / "a" / "landing")
    assert two.data.source == str(tmp_path / "b" / "deeper" / "landing")
    assert config_hash(one) == config_hash(two)


def test_hash_of_a_config_changed_after_loading_follows_the_change(tmp_path: Path) -> None:
    config = load_config(None, base_dir=tmp_path)
    before = config_hash(config)
    config.data.split.seed = 7
    assert config_hash(config) != before
    assert config_hash(validate_config({})) == config_hash(PipelineConfig())


def test_set_inside_an_optional_section_left_null_starts_an_empty_one() -> None:
    from textops.config.loader import load_config

    defaults = {"train": {"network": None, "members": 3}}
    config = load_config(
        None, overrides=["steps.train.params.network.epochs=1"], param_defaults=defaults
    )
    assert config.step("train").params["network"] == {"epochs": 1}
    assert config.step("train").params["members"] == 3
