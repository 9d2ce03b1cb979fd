"""Training the network: better than chance, seeded, early stopping, callbacks, errors."""

from __future__ import annotations

import numpy as np
import pytest

from support.corpora import TOPIC_WORDS, topic_corpus
from textops.errors import ModelError
from textops.models.training import EpochResult, NetworkConfig, fit_network, resolve_device

THREE_TOPICS = {label: TOPIC_WORDS[label] for label in ("sport", "tech", "food")}


def make_corpus(n_per_class: int = 40, seed: int = 0) -> tuple[list[str], list[str]]:
    """Topic words of the class, some of another class, mostly shared words."""
    return topic_corpus(THREE_TOPICS, n_per_class=n_per_class, seed=seed, own=0.3, cross=0.15)


SMALL = NetworkConfig(
    epochs=4, batch_size=16, buckets=256, min_count=1, embedding_dim=16, hidden_size=16,
    learning_rate=0.05, patience=0,
)


@pytest.mark.parametrize(
    ("architecture", "pooling"), [("fasttext", "mean"), ("mlp", "mean"), ("fasttext", "tfidf")]
)
def test_trains_better_than_chance(architecture: str, pooling: str) -> None:
    # the MLP's ReLU layers need more documents and steps than the linear fastText head
    # (40 a class: 0.48-0.77 over five seeds; 80 a class: 0.73-0.82)
    texts, labels = make_corpus(n_per_class=80 if architecture == "mlp" else 40, seed=1)
    epochs = 10 if architecture == "mlp" else SMALL.epochs
    config = SMALL.model_copy(
        update={"architecture": architecture, "epochs": epochs, "pooling": pooling}
    )
    network = fit_network(texts, labels, config)
    test_texts, test_labels = make_corpus(n_per_class=30, seed=2)
    metrics = network.evaluate(test_texts, test_labels)
    assert metrics["accuracy"] > 0.6  # chance is 1/3
    assert network.labels == ["food", "sport", "tech"]
    assert network.n_train + network.n_val == len(texts)
    assert network.predict(test_texts[:3]) == [
        network.labels[i] for i in network.predict_proba(test_texts[:3]).argmax(axis=1)
    ]
    # device "auto": the GPU where there is one (as on a GPU machine: found there, once)
    assert network.device == resolve_device("auto") and network.docs_per_second > 0


def test_idf_matches_scikit_learn_and_zeroes_ids_no_document_holds() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from textops.models.tokenizer import Tokenizer
    from textops.models.training import inverse_document_frequency

    texts = ["the cat sat", "the cat cat ran", "a dog ran", "the end"]
    tokenizer = Tokenizer(ngram=2, buckets=32, min_count=1).fit(texts)
    idf = inverse_document_frequency(tokenizer.encode(texts), tokenizer.n_ids)
    reference = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b").fit(texts)
    for word, position in reference.vocabulary_.items():
        word_id = tokenizer.encode([word]).ids[0]
        assert idf[word_id] == pytest.approx(reference.idf_[position], rel=1e-6)
    assert idf[0] == 0.0  # padding
    filled = np.unique(tokenizer.encode(texts).ids)
    assert (idf[np.setdiff1d(np.arange(tokenizer.n_ids), filled)] == 0.0).all()
    assert idf.dtype == np.float32 and idf.shape == (tokenizer.n_ids,)


def test_training_is_deterministic_for_a_seed() -> None:
    texts, labels = make_corpus()
    first = fit_network(texts, labels, SMALL).predict_proba(texts[:20])
    again = fit_network(texts, labels, SMALL).predict_proba(texts[:20])
    reseeded = SMALL.model_copy(update={"seed": 7})
    other = fit_network(texts, labels, reseeded).predict_proba(texts[:20])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_members_train_from_consecutive_seeds_and_average_their_probabilities() -> None:
    import dataclasses

    from textops.models.network import EnsembleClassifier

    texts, labels = make_corpus()
    seen: list[EpochResult] = []
    network = fit_network(
        texts, labels, SMALL.model_copy(update={"members": 3}), callback=seen.append
    )
    assert isinstance(network.model, EnsembleClassifier) and len(network.model.members) == 3
    assert len(network.member_histories) == 3 and network.history == network.member_histories[0]
    assert network.epochs_run == 3 * SMALL.epochs
    assert len(seen) == SMALL.epochs  # the callback follows the first member only
    probabilities = network.predict_proba(texts[:20])
    members = [
        dataclasses.replace(network, model=member).predict_proba(texts[:20])
        for member in network.model.members
    ]
    np.testing.assert_allclose(probabilities, np.mean(members, axis=0), atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    # the first member is the single network of the same seed
    single = fit_network(texts, labels, SMALL).predict_proba(texts[:20])
    np.testing.assert_array_equal(members[0], single)
    assert not np.array_equal(members[0], members[1])
    # each member is judged on the fold it held out: the out-of-fold mean
    kept = [
        max(history, key=lambda r: (r.val_accuracy, -r.val_loss)).val_accuracy
        for history in network.member_histories
    ]
    assert network.val_accuracy == pytest.approx(np.mean(kept))
    assert network.best_val_accuracy == network.val_accuracy


def test_members_hold_out_disjoint_stratified_folds_until_they_run_out() -> None:
    from textops.models.training import _validation_folds

    y = np.repeat(np.arange(3), [50, 30, 20])  # 100 rows, shares 0.5/0.3/0.2
    folds = _validation_folds(y, 0.1, 12, seed=0)
    assert len(folds) == 12
    for train_rows, val_rows in folds:
        assert len(val_rows) == 10 and len(train_rows) == 90
        assert not set(train_rows) & set(val_rows)
        np.testing.assert_allclose(np.bincount(y[val_rows], minlength=3), [5, 3, 2], atol=1)
    held_out = [set(v.tolist()) for _, v in folds]
    # ten folds of ten cover all 100 rows once; the 11th and 12th wrap round to the 1st and 2nd
    assert set().union(*held_out[:10]) == set(range(100))
    assert all(not a & b for i, a in enumerate(held_out[:10]) for b in held_out[i + 1 : 10])
    assert held_out[10] == held_out[0] and held_out[11] == held_out[1]
    # seeded: the same folds again, other ones for another seed
    again = _validation_folds(y, 0.1, 2, seed=0)
    assert all((a[1] == b[1]).all() for a, b in zip(again, folds, strict=False))
    assert not (_validation_folds(y, 0.1, 1, seed=1)[0][1] == folds[0][1]).all()


def test_callback_sees_every_epoch_and_can_stop_training() -> None:
    texts, labels = make_corpus()
    seen: list[EpochResult] = []
    fit_network(texts, labels, SMALL, callback=seen.append)
    assert [r.epoch for r in seen] == [1, 2, 3, 4]
    assert all(0.0 <= r.monitored("val_accuracy") <= 1.0 and r.train_loss > 0 for r in seen)
    assert seen[-1].learning_rate < seen[0].learning_rate  # linear decay

    class Stop(Exception):
        pass

    def stop_at_two(result: EpochResult) -> None:
        if result.epoch == 2:
            raise Stop

    with pytest.raises(Stop):
        fit_network(texts, labels, SMALL, callback=stop_at_two)


@pytest.mark.parametrize("monitor", ["val_accuracy", "val_loss"])
def test_early_stopping_keeps_the_best_epoch_of_the_monitored_figure(monitor: str) -> None:
    texts, labels = make_corpus()
    # a large constant learning rate: the network overfits within a few epochs
    config = SMALL.model_copy(
        update={
            "epochs": 12, "patience": 2, "learning_rate": 0.3, "schedule": "constant",
            "monitor": monitor,
        }
    )
    network = fit_network(texts, labels, config)
    assert network.stopped_early and len(network.history) < 12
    if monitor == "val_loss":
        best = min(network.history, key=lambda r: (r.val_loss, -r.val_accuracy))
    else:
        best = max(network.history, key=lambda r: (r.val_accuracy, -r.val_loss))
    assert network.best_epoch == best.epoch
    # it stopped after exactly `patience` epochs without a better monitored figure
    assert len(network.history) == best.epoch + 2
    assert network.best_val_accuracy == best.val_accuracy


def test_a_model_over_max_model_mb_fails_before_anything_trains() -> None:
    from textops.models.network_config import ModelSizeError

    texts, labels = make_corpus()
    seen: list[EpochResult] = []
    fits = fit_network(texts, labels, SMALL, callback=seen.append)  # a few kB
    size = SMALL.model_bytes(fits.tokenizer.n_ids, len(fits.labels))
    bounded = SMALL.model_copy(update={"max_model_mb": size * 2.5 / 10**6})
    seen.clear()
    assert fit_network(texts, labels, bounded, callback=seen.append).model is not None
    with pytest.raises(ModelSizeError, match=r"3 member\(s\) .* more than max_model_mb"):
        fit_network(texts, labels, bounded, callback=seen.append, bound_members=3)
    with pytest.raises(ModelSizeError, match="max_model_mb"):
        fit_network(texts, labels, bounded.model_copy(update={"members": 3}))
    assert len(seen) == SMALL.epochs  # the refused fits never trained an epoch


def test_validation_size_is_what_a_member_holds_out() -> None:
    from textops.models.training import validation_size

    assert [validation_size(n, 0.1) for n in (10, 80, 500)] == [1, 8, 50]
    assert validation_size(3, 0.01) == 1 and validation_size(3, 0.99) == 2
    texts, labels = make_corpus()
    network = fit_network(texts, labels, SMALL.model_copy(update={"val_fraction": 0.25}))
    assert network.n_val == validation_size(len(texts), 0.25) == 30


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(ModelError, match="at least 2 classes"):
        fit_network(["a b", "c d", "e f"], ["x", "x", "x"], SMALL)
    with pytest.raises(ModelError, match="3 texts but 2 labels"):
        fit_network(["a", "b", "c"], ["x", "y"], SMALL)


def test_config_refuses_unknown_keys_and_bad_devices() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="extra"):
        NetworkConfig(layers=3)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="device must be"):
        NetworkConfig(device="tpu")
    assert NetworkConfig(device="cuda:1").device == "cuda:1"


def test_asking_for_cuda_without_one_is_a_clear_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    texts, labels = make_corpus(n_per_class=5)
    with pytest.raises(ModelError, match="torch sees no CUDA device"):
        fit_network(texts, labels, SMALL.model_copy(update={"device": "cuda"}))


@pytest.mark.gpu
@pytest.mark.parametrize(
    ("architecture", "pooling"), [("fasttext", "mean"), ("mlp", "mean"), ("fasttext", "tfidf")]
)
def test_trains_on_cuda_with_mixed_precision(architecture: str, pooling: str) -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    texts, labels = make_corpus(seed=1)
    epochs = 10 if architecture == "mlp" else SMALL.epochs
    config = SMALL.model_copy(
        update={"device": "auto", "architecture": architecture, "pooling": pooling,
                "epochs": epochs}
    )
    network = fit_network(texts, labels, config)
    assert network.device == "cuda"
    # the returned model lives on the CPU, ready to export and score
    assert next(network.model.parameters()).device.type == "cpu"
    test_texts, test_labels = make_corpus(n_per_class=30, seed=2)
    assert network.evaluate(test_texts, test_labels)["accuracy"] > 0.6
