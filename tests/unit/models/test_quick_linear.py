"""The linear model's quick path: the vectoriser's rows and the classifier's probabilities,
bit for bit, for every vectoriser setting it takes; None for those it does not."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from support.corpora import TOPIC_WORDS, topic_corpus
from textops.models.linear_export import OnnxLinearClassifier, export_linear
from textops.models.quick_linear import QuickLinearClassifier, quick_linear

VECTORISERS = [
    {"sublinear_tf": True},
    {},
    {"ngram_range": (1, 2), "stop_words": "english"},
    {"norm": "l1"},
    {"norm": None, "binary": True},
    {"analyzer": "char_wb", "ngram_range": (2, 4)},
]


def fitted(train: list[str], labels: list[str], **params: Any) -> OnnxLinearClassifier:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("tfidf", TfidfVectorizer(**params)),
                         ("model", LogisticRegression(max_iter=300))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        pipeline.fit(train, labels)
    export = export_linear(pipeline, train)
    return OnnxLinearClassifier(export.model, export.featurizer, export.labels, threads=1)


def assert_same(classifier: OnnxLinearClassifier, texts: list[str]) -> None:
    quick = quick_linear(classifier)
    assert isinstance(quick, QuickLinearClassifier)
    matrix = classifier.featurizer.transform(texts)
    indptr, indices, data = quick.rows(texts)
    np.testing.assert_array_equal(indptr, matrix.indptr)
    np.testing.assert_array_equal(indices, matrix.indices)
    np.testing.assert_array_equal(data, matrix.data)  # exact: no tolerance
    for size in (1, 3, 64, 300):
        for start in range(0, min(len(texts), 400), 131):
            batch = texts[start:start + size]
            np.testing.assert_array_equal(quick.predict_proba(batch),
                                          classifier.predict_proba(batch))


def topic_texts(seed: int) -> tuple[list[str], list[str]]:
    topics = dict(list(TOPIC_WORDS.items())[:3])
    return topic_corpus(topics, n_per_class=40, seed=seed, own=0.4, cross=0.2)


@pytest.mark.parametrize("params", VECTORISERS, ids=str)
def test_rows_and_probabilities_equal_the_classifier(params: dict[str, Any]) -> None:
    train, labels = topic_texts(0)
    test, _ = topic_texts(1)
    assert_same(fitted(train, labels, **params), [*test, "", "zzz unknown words only"])


def test_float32_vectorisers_keep_scikit_learn() -> None:
    train, labels = topic_texts(0)
    classifier = fitted(train, labels, dtype=np.float32)
    assert quick_linear(classifier) is None


@pytest.mark.slow
@pytest.mark.parametrize("params", VECTORISERS[:3], ids=str)
def test_real_corpus_rows_and_probabilities_equal_the_classifier(
    shared_datasets: Path, params: dict[str, Any]
) -> None:
    path = shared_datasets / "20newsgroups" / "20newsgroups_bydate.parquet"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    frame = pl.read_parquet(path)
    train = frame.filter(pl.col("split") == "train").head(1500)
    test = frame.filter(pl.col("split") == "test")["text"].head(600).to_list()
    classifier = fitted(train["text"].to_list(), train["label"].to_list(), **params)
    assert_same(classifier, test)
