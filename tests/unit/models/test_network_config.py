"""The network's settings: one owner for the tokenizer's defaults, and no torch to read them."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from textops.models.network_config import NetworkConfig
from textops.models.tokenizer import Tokenizer

TOKENIZER_FIELDS = ("ngram", "buckets", "min_count", "max_vocab", "max_words", "binary",
                    "sublinear_tf")


@pytest.mark.parametrize("name", TOKENIZER_FIELDS)
def test_the_config_and_the_tokenizer_have_the_same_default(name: str) -> None:
    tokenizer_default = inspect.signature(Tokenizer).parameters[name].default
    assert NetworkConfig.model_fields[name].default == tokenizer_default


def test_a_default_config_builds_a_default_tokenizer() -> None:
    assert NetworkConfig().tokenizer().get_params() == Tokenizer().get_params()
    settings = NetworkConfig(ngram=3, min_count=2, sublinear_tf=False).tokenizer().get_params()
    assert (settings["ngram"], settings["min_count"], settings["sublinear_tf"]) == (3, 2, False)


def test_every_tokenizer_setting_but_lowercase_is_a_config_field() -> None:
    settings = set(inspect.signature(Tokenizer).parameters) - {"lowercase"}
    assert settings == set(TOKENIZER_FIELDS) <= set(NetworkConfig.model_fields)


@pytest.mark.parametrize("module", ["textops.models.network_config", "textops.models.training"])
def test_reading_the_config_imports_no_torch(module: str) -> None:
    code = (
        f"import sys; from {module} import NetworkConfig; NetworkConfig(epochs=2).tokenizer(); "
        "print(sorted(m for m in ('torch', 'sklearn', 'mlflow') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_old_import_path_is_the_same_class() -> None:
    from textops.models import training

    assert training.NetworkConfig is NetworkConfig


def test_a_bad_device_is_refused_with_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match=r"'auto', 'cpu', 'cuda' or 'cuda:N'. Got 'gpu'"):
        NetworkConfig(device="gpu")
    assert NetworkConfig(device="cuda:1").device == "cuda:1"


@pytest.mark.parametrize("bad", [0, -1.5, float("nan")])
def test_max_model_mb_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match=r"max_model_mb must be a number of megabytes > 0"):
        NetworkConfig(max_model_mb=bad)


def test_model_bytes_count_every_members_table_and_layers() -> None:
    n_ids, n_classes = 1000, 4
    fasttext = NetworkConfig(architecture="fasttext", pooling="tfidf", members=3)
    # the head folded into the table, the squared idf weights, the bias: float32, per member
    assert fasttext.model_bytes(n_ids, n_classes) == 4 * 3 * (1000 * 4 + 1000 + 4)
    assert fasttext.model_bytes(n_ids, n_classes, members=1) * 3 == (
        fasttext.model_bytes(n_ids, n_classes)
    )
    mlp = NetworkConfig(
        architecture="mlp", pooling="mean", embedding_dim=16, hidden_size=8, hidden_layers=2
    )
    dense = 16 + (16 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 4
    assert mlp.model_bytes(n_ids, n_classes) == 4 * (1000 * 16 + dense)


def test_a_model_over_its_bound_is_refused_with_the_size_and_the_setting() -> None:
    from textops.models.network_config import ModelSizeError, check_model_size

    config = NetworkConfig(architecture="mlp", embedding_dim=128, max_model_mb=150)
    n_ids = 262_144 + 10_000
    assert check_model_size(config, n_ids, 4) == config.model_bytes(n_ids, 4)  # 140 MB: fits
    with pytest.raises(ModelSizeError, match=r"would take 421.\d MB \(3 member\(s\) x 272,144 "
                       r"ids x 128 wide, float32\), more than max_model_mb = 150") as caught:
        check_model_size(config, n_ids, 4, members=3)
    assert caught.value.limit_bytes == 150 * 10**6
    assert caught.value.size_bytes == config.model_bytes(n_ids, 4, members=3)
    assert "max_model_mb" in str(caught.value.hint)
