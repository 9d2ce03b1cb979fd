from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from textops.config.loader import config_hash, load_config, validate_config
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
    with pytest.raises(ConfigError, match=r"unknown key 'data.text_colum' \(did you mean 'text_column'\?\)"):
        load_config(file)


def test_unknown_key_inside_a_compute_target(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("compute:\n  cluster:\n    kind: dask\n    workers: 3\n")
    with pytest.raises(ConfigError, match=r"unknown key 'compute.cluster.workers'.*n_workers"):
        load_config(file)


def test_wrong_type_names_the_key_and_value(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("data:\n  split:\n    test_fraction: 1.5\n")
    with pytest.raises(ConfigError, match=r"'data.split.test_fraction'.*less than 1.*1.5"):
        load_config(file)


def test_invalid_yaml_gives_the_line(tmp_path: Path) -> None:
    file = tmp_path / "textops.yaml"
    file.write_text("data:\n  source: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(file)


def test_overrides_set_nested_keys_and_steps_by_name(tmp_path: Path) -> None:
    config = load_config(
        None, overrides=["data.split.seed=7", "tracking.enabled=false", "steps.ingest.compute=cluster"],
        base_dir=tmp_path,
    )
    assert config.data.split.seed == 7
    assert config.tracking.enabled is False
    assert config.step("ingest").compute == "cluster"


def test_bad_override_form() -> None:
    with pytest.raises(ConfigError, match="not of the form key=value"):
        load_config(None, overrides=["data.split.seed"])


def test_override_of_an_unknown_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown key 'data.colour'"):
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
