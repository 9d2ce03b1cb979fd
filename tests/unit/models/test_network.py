"""The tokenizer's id space and the torch network's two input forms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from textops.models.tokenizer import PAD_ID, Tokenizer

TEXTS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog",
    "",
    "Unseen WORDS only here",
]


def fitted(**params: object) -> Tokenizer:
    return Tokenizer(min_count=1, buckets=64, **params).fit(TEXTS)  # type: ignore[arg-type]


def test_vocabulary_is_ordered_by_frequency_and_respects_min_count() -> None:
    tokenizer = Tokenizer(min_count=2, buckets=64).fit(TEXTS)
    assert tokenizer.vocabulary_[0] == "the"  # four times
    assert set(tokenizer.vocabulary_) == {"the", "cat", "sat", "on", "dog", "a"}
    assert tokenizer.n_ids == 1 + 6 + 64


def test_ids_are_words_then_hashed_ngrams_in_their_own_ranges() -> None:
    tokenizer = fitted(ngram=3)
    encoded = tokenizer.encode(["the cat sat"])
    ids = encoded.ids
    words = ids[ids <= tokenizer.n_words]
    ngrams = ids[ids > tokenizer.n_words]
    assert [tokenizer.vocabulary_[i - 1] for i in words] == ["the", "cat", "sat"]
    assert len(ngrams) == 2 + 1  # two bigrams, one trigram
    assert ngrams.max() < tokenizer.n_ids
    assert PAD_ID not in ids


def test_unknown_words_drop_as_unigrams_but_shape_ngrams() -> None:
    tokenizer = fitted(ngram=2)
    ids = tokenizer.encode(["zebra cat"]).ids
    assert len(ids) == 2  # "cat" + the bigram "zebra cat"
    other = tokenizer.encode(["yak cat"]).ids
    assert ids[0] == other[0] and ids[1] != other[1]


def test_encoding_is_the_same_alone_or_in_a_batch_and_padded_matches_flat() -> None:
    tokenizer = fitted(ngram=2)
    batch = tokenizer.encode(TEXTS)
    for i, text in enumerate(TEXTS):
        alone = tokenizer.encode([text]).ids
        assert np.array_equal(batch.select(np.array([i])).ids, alone)
    padded = batch.padded()
    assert padded.shape == (len(TEXTS), batch.lengths.max())
    for i, length in enumerate(batch.lengths):
        start = batch.offsets[i]
        assert np.array_equal(padded[i, :length], batch.ids[start : start + length])
        assert (padded[i, length:] == PAD_ID).all()
    assert batch.lengths[3] == 0  # the empty text


def test_binary_keeps_each_id_once_per_document() -> None:
    counted = fitted(ngram=2, sublinear_tf=False)  # every occurrence its own id
    binary = fitted(ngram=2, binary=True)
    text = ["the cat the cat the cat"]
    assert len(counted.encode(text).ids) == 6 + 5
    assert sorted(binary.encode(text).ids) == sorted(set(counted.encode(text).ids))
    assert binary.encode(TEXTS).n_docs == len(TEXTS)


def test_sublinear_tf_keeps_each_id_once_weighted_one_plus_log_count() -> None:
    counted = fitted(ngram=2, sublinear_tf=False)  # every occurrence its own id
    sublinear = fitted(ngram=2, sublinear_tf=True)
    assert sublinear.weighted and not fitted(binary=True, sublinear_tf=True).weighted
    text = ["the cat the cat the dog"]
    raw = counted.encode(text).ids
    encoded = sublinear.encode(text)
    assert encoded.ids.tolist() == sorted(set(raw.tolist()))
    assert encoded.weights is not None and encoded.weights.dtype == np.float32
    counts = [int((raw == i).sum()) for i in encoded.ids]
    np.testing.assert_allclose(encoded.weights, 1.0 + np.log(counts), rtol=1e-6)
    # "the" three times, "cat" and "the cat" twice
    assert sorted(counts, reverse=True)[:2] == [3, 2]
    # selection, padding and the graph inputs carry the weights with their ids
    batch = sublinear.encode(TEXTS)
    picked = batch.select(np.array([2, 0]))
    assert picked.weights is not None
    np.testing.assert_array_equal(picked.weights, np.concatenate(
        [sublinear.encode([TEXTS[2]]).weights, sublinear.encode([TEXTS[0]]).weights]))
    inputs = sublinear.graph_inputs(TEXTS)
    assert set(inputs) == {"ids", "weights"} and inputs["weights"].shape == inputs["ids"].shape
    assert (inputs["weights"][inputs["ids"] == PAD_ID] == 0).all()
    assert (inputs["weights"][inputs["ids"] != PAD_ID] >= 1).all()
    assert set(counted.graph_inputs(TEXTS)) == {"ids"}


@pytest.mark.parametrize("params", [{"ngram": 2, "sublinear_tf": False}, {"ngram": 3}])
def test_fit_encode_is_fit_then_encode(params: dict[str, object]) -> None:
    once = Tokenizer(min_count=1, buckets=64, **params)  # type: ignore[arg-type]
    encoded = once.fit_encode(TEXTS)
    apart = fitted(**params)
    expected = apart.encode(TEXTS)
    assert once.vocabulary_ == apart.vocabulary_
    np.testing.assert_array_equal(encoded.ids, expected.ids)
    np.testing.assert_array_equal(encoded.offsets, expected.offsets)
    if expected.weights is None:
        assert encoded.weights is None
    else:
        np.testing.assert_array_equal(encoded.weights, expected.weights)


def test_max_words_truncates_documents() -> None:
    tokenizer = fitted(ngram=1, max_words=2)
    assert len(tokenizer.encode(["the cat sat on the mat"]).ids) == 2


def test_json_round_trip_reproduces_the_ids() -> None:
    tokenizer = fitted(ngram=2)
    clone = Tokenizer.from_dict(json.loads(json.dumps(tokenizer.to_dict())))
    assert np.array_equal(clone.encode(TEXTS).ids, tokenizer.encode(TEXTS).ids)
    assert clone.get_params() == tokenizer.get_params()


def test_bad_parameters_and_unfitted_use_are_refused() -> None:
    with pytest.raises(ValueError, match="'ngram' parameter of Tokenizer must be an int >= 1"):
        Tokenizer(ngram=0).fit(TEXTS)
    with pytest.raises(RuntimeError, match="not fitted"):
        Tokenizer().encode(["x"])
    with pytest.raises(ValueError, match="Unknown tokenizer format"):
        Tokenizer.from_dict({"format": "other"})


@pytest.mark.parametrize("sublinear_tf", [False, True])
@pytest.mark.parametrize(
    ("architecture", "pooling"),
    [("fasttext", "mean"), ("mlp", "mean"), ("fasttext", "sqrt"), ("fasttext", "tfidf"),
     ("mlp", "tfidf")],
)
def test_padded_flat_and_exported_forms_agree(
    architecture: str, pooling: str, sublinear_tf: bool
) -> None:
    import torch

    from textops.models.network import ProbabilityModel, TextClassifier, export_module

    tokenizer = fitted(ngram=2, sublinear_tf=sublinear_tf)
    torch.manual_seed(0)
    model = TextClassifier(
        tokenizer.n_ids, 3, architecture=architecture, embedding_dim=8, hidden_size=4,
        pooling=pooling,  # type: ignore[arg-type]
    ).eval()
    encoded = tokenizer.encode(TEXTS)
    if pooling == "tfidf":
        model.set_id_weights(torch.rand(tokenizer.n_ids) + 0.5)
    weights = None if encoded.weights is None else torch.from_numpy(encoded.weights)
    inputs = {k: torch.from_numpy(v) for k, v in encoded.graph_inputs().items()}
    with torch.no_grad():
        flat = model.forward_flat(
            torch.from_numpy(encoded.ids), torch.from_numpy(encoded.offsets), weights
        )
        padded = model(**inputs)
        lean = export_module(model)(**inputs)
        served = ProbabilityModel(model)(**inputs)
    assert padded.shape == (len(TEXTS), 3)
    torch.testing.assert_close(flat, padded, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(lean, served, atol=1e-6, rtol=1e-5)


def test_tfidf_pooling_embeds_the_l2_normalised_tfidf_vector() -> None:
    """With binary ids, the pooled vector is E.T @ (w / ||w||) for the document's weights."""
    import torch

    from textops.models.network import TextClassifier

    tokenizer = fitted(ngram=1, binary=True)
    torch.manual_seed(0)
    model = TextClassifier(tokenizer.n_ids, 2, embedding_dim=4, pooling="tfidf").eval()
    weights = torch.rand(tokenizer.n_ids) + 0.5
    model.set_id_weights(weights)
    ids = tokenizer.encode(["the cat sat on the mat"]).padded()
    vector = torch.zeros(tokenizer.n_ids)
    present = torch.from_numpy(ids[0][ids[0] != PAD_ID])
    vector[present] = weights[present]
    expected = model.embedding.weight.T @ (vector / vector.norm())
    with torch.no_grad():
        pooled = model.pool_padded(torch.from_numpy(ids))[0]
    torch.testing.assert_close(pooled, expected, atol=1e-6, rtol=1e-5)
    assert model.id_weights is not None and float(model.id_weights[PAD_ID]) == 0.0


def test_tfidf_pooling_with_sublinear_tf_embeds_scikit_learns_sublinear_tfidf_vector() -> None:
    """The pooled vector is E.T @ x for x = TfidfVectorizer(sublinear_tf=True)'s row."""
    import torch
    from sklearn.feature_extraction.text import TfidfVectorizer

    from textops.models.network import TextClassifier
    from textops.models.training import inverse_document_frequency

    tokenizer = fitted(ngram=1, sublinear_tf=True)
    torch.manual_seed(0)
    model = TextClassifier(tokenizer.n_ids, 2, embedding_dim=4, pooling="tfidf").eval()
    model.set_id_weights(
        torch.from_numpy(inverse_document_frequency(tokenizer.encode(TEXTS), tokenizer.n_ids))
    )
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", vocabulary=tokenizer.vocabulary_
    ).fit(TEXTS)
    text = ["the cat the cat the dog sat"]
    row = torch.from_numpy(vectorizer.transform(text).toarray()[0]).float()
    expected = model.embedding.weight[1:].T @ row  # vocabulary id i is column i - 1
    inputs = {k: torch.from_numpy(v) for k, v in tokenizer.graph_inputs(text).items()}
    with torch.no_grad():
        pooled = model.pool_padded(**inputs)[0]
    torch.testing.assert_close(pooled, expected, atol=1e-6, rtol=1e-5)


def test_id_weights_need_tfidf_pooling_and_the_right_length() -> None:
    import torch

    from textops.models.network import TextClassifier

    with pytest.raises(ValueError, match="need pooling='tfidf'"):
        TextClassifier(10, 2, pooling="mean").set_id_weights(torch.ones(10))
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        TextClassifier(10, 2, pooling="tfidf").set_id_weights(torch.ones(9))
    with pytest.raises(ValueError, match="'pooling' parameter"):
        TextClassifier(10, 2, pooling="max")  # type: ignore[arg-type]


def test_unknown_architecture_is_refused() -> None:
    from textops.models.network import TextClassifier

    with pytest.raises(ValueError, match="'architecture' parameter of TextClassifier"):
        TextClassifier(10, 2, architecture="cnn")  # type: ignore[arg-type]


def test_lazy_adam_updates_only_the_rows_a_batch_used() -> None:
    import torch

    from textops.models.network import LazyAdam

    table = torch.nn.EmbeddingBag(10, 4, mode="mean", sparse=True)
    before = table.weight.detach().clone()
    optimizer = LazyAdam(table.parameters(), lr=0.1)
    table(torch.tensor([2, 5]), torch.tensor([0])).sum().backward()
    optimizer.step()
    changed = (table.weight.detach() != before).any(dim=1)
    assert changed.nonzero().flatten().tolist() == [2, 5]
