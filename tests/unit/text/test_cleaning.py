"""The text cleaner: what it removes, what it accepts, and the estimator contract."""

from __future__ import annotations

import pickle
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import polars as pl
import pytest
from pydantic import ValidationError

import textops.text.cleaning as cleaning
from textops.text.cleaning import CleaningSettings, TextCleaner

SAMPLE = [
    "Hello World, this is a TEST of 42 things!",
    "",
    "The and of",  # only stop words
    "Don't   e-mail\n\n me at bob@example.com: see https://x.org/a?b=1 ©2024 😀 naïve café",
]


def clean(texts, **params):
    return TextCleaner(**params).fit().transform(texts).tolist()


def test_default_cleaning_lowercases_and_strips_punctuation_numbers_specials_stop_words():
    assert clean(SAMPLE) == [
        "hello world test things",
        "",
        "",
        "dont e mail bob example com https x org b naïve café",
    ]


def test_output_is_an_object_array_of_str_with_the_input_length():
    out = TextCleaner().fit().transform(SAMPLE)
    assert isinstance(out, np.ndarray)
    assert out.shape == (len(SAMPLE),)
    assert all(isinstance(text, str) for text in out)


@pytest.mark.parametrize(
    "container",
    [
        list,
        tuple,
        lambda xs: np.array(xs, dtype=object),
        np.array,  # fixed-width unicode
        pd.Series,
        lambda xs: pd.Series(xs, dtype="string"),
        lambda xs: pd.Series(xs, index=range(10, 10 + len(xs))),
        pl.Series,
        lambda xs: pl.Series(xs).cast(pl.Categorical),
        lambda xs: np.array(xs, dtype=object).reshape(-1, 1),
        iter,
    ],
)
def test_every_supported_container_gives_the_same_result(container):
    assert clean(container(SAMPLE)) == clean(SAMPLE)


def test_urls_and_emails_are_stripped_only_when_asked():
    text = ["write to bob@example.com or see https://www.example.org/page?id=3 and www.x.com"]
    assert clean(text, stop_words=None) == [
        "write to bob example com or see https www example org page id and www x com"
    ]
    stripped = clean(text, stop_words=None, strip_urls=True, strip_emails=True)
    assert stripped == ["write to or see and"]


def test_each_removal_can_be_switched_off():
    text = ["Café NO. 5, 10% off £3 🙂 The end"]
    assert clean(text, lowercase=False, stop_words=None) == ["Café NO off The end"]
    assert clean(text, remove_numbers=False, stop_words=None) == ["café no 5 10 off 3 the end"]
    assert clean(text, remove_punctuation=False, stop_words=None) == ["café no. , % off the end"]
    assert clean(text, remove_special=False, stop_words=None) == ["café no off £ 🙂 the end"]
    assert clean(text) == ["café end"]


def test_whitespace_is_kept_when_folding_is_off():
    assert clean(["a\n\nb, c"], stop_words=None, fold_whitespace=False) == ["a\n\nb  c"]


def test_stop_words_are_whole_words_and_case_insensitive():
    assert clean(["The theory of THE others"], lowercase=False) == ["theory"]
    assert clean(["there is a thereof"]) == ["thereof"]


def test_extra_stop_words_are_cleaned_like_the_text():
    assert clean(["Don't stop the Music"], extra_stop_words=["DON'T", "music"]) == ["stop"]
    assert clean(["keep the words"], stop_words=None, extra_stop_words=["words"]) == ["keep the"]


def test_texts_that_clean_to_nothing_stay_as_empty_strings():
    out = clean(["", "   ", "!!! 123 ???", "the of and"])
    assert out == ["", "", "", ""]


def test_fitted_stop_words_are_exposed():
    cleaner = TextCleaner(extra_stop_words=["Foo"]).fit()
    assert {"the", "foo"} <= cleaner.stop_words_
    assert TextCleaner(stop_words=None).fit().stop_words_ == frozenset()


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ("just one text", "got a single string; wrap it in a list"),
        (["a", None, "b", None], r"2 missing text\(s\) \(rows \[1, 3\]\)"),
        (pd.Series(["a", None]), r"1 missing text\(s\) \(rows \[1\]\)"),
        ([1, 2], "expects str values, got int"),
        (pd.Series(["a", 1]), "expects str values: 'int' object is not an instance of 'str'"),
        (pl.Series([1, 2]), "expects str values, got a column of Int64"),
        (np.array([["a", "b"]]), r"1-D sequence of str, got shape \(1, 2\)"),
        (pd.DataFrame({"text": ["a"]}), "pass one column"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(texts, message):
    with pytest.raises(ValueError, match=message):
        TextCleaner().fit().transform(texts)


def test_transform_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="Call 'fit'"):
        TextCleaner().transform(["a"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"stop_words": "french"}, "'stop_words' parameter of TextCleaner must be 'english'"),
        ({"extra_stop_words": "word"}, "must be a list of single words"),
        ({"extra_stop_words": ["two words"]}, "must be a list of single words"),
        ({"lowercase": "yes"}, "'lowercase' parameter of TextCleaner must be an instance of"),
    ],
)
def test_bad_parameters_are_refused_at_fit(params, message):
    with pytest.raises(ValueError, match=message):
        TextCleaner(**params).fit()


def test_estimator_contract_params_clone_pickle():
    from sklearn.base import clone
    from sklearn.utils.validation import check_is_fitted

    cleaner = TextCleaner(strip_urls=True, extra_stop_words=("foo",))
    assert cleaner.get_params()["strip_urls"] is True
    assert cleaner.set_params(lowercase=False) is cleaner
    assert cleaner.lowercase is False
    with pytest.raises(ValueError, match="Invalid parameter 'colour'"):
        cleaner.set_params(colour="red")
    twin = clone(cleaner)
    assert twin.get_params() == cleaner.get_params()
    assert repr(twin) == "TextCleaner(lowercase=False, strip_urls=True, extra_stop_words=('foo',))"
    cleaner.fit()
    check_is_fitted(cleaner)
    restored = pickle.loads(pickle.dumps(cleaner))
    assert restored.transform(SAMPLE).tolist() == cleaner.transform(SAMPLE).tolist()


def test_works_as_the_first_step_of_a_scikit_learn_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline

    texts = ["Good movie!!", "GREAT film 10/10", "bad movie...", "terrible, awful film"] * 3
    labels = ["pos", "pos", "neg", "neg"] * 3
    pipeline = make_pipeline(TextCleaner(), TfidfVectorizer(), MultinomialNB()).fit(texts, labels)
    assert pipeline.predict(["a GREAT movie", "an awful one"]).tolist() == ["pos", "neg"]


def test_large_batches_are_cleaned_in_parallel_slices_with_the_same_result(monkeypatch):
    texts = [f"Text number {i}: The QUICK brown fox, jumping! {i * 7}" for i in range(3000)]
    single = clean(texts)
    monkeypatch.setattr(cleaning, "_PARALLEL_MIN_CHARS", 0)
    assert clean(texts) == single


def test_a_batch_of_one_is_fast():
    cleaner = TextCleaner().fit()
    cleaner.transform(["warm up"])
    timings = []
    for _ in range(30):
        start = time.perf_counter()
        cleaner.transform(["Is this fast enough for a scoring request? It must be!"])
        timings.append(time.perf_counter() - start)
    assert float(np.median(timings)) < 0.02  # ~0.4 ms measured; generous for a busy machine


def test_settings_refuse_unknown_keys_and_build_a_fitted_cleaner():
    with pytest.raises(ValidationError, match="extra_forbidden|Extra inputs"):
        CleaningSettings(lower_case=True)
    with pytest.raises(ValidationError, match="one word"):
        CleaningSettings(extra_stop_words=["two words"])
    settings = CleaningSettings(strip_urls=True, extra_stop_words=["foo"])
    cleaner = settings.build()
    assert cleaner.get_params() == {**settings.model_dump(), "extra_stop_words": ("foo",)}
    assert cleaner.transform(["Foo at http://a.b"]).tolist() == [""]


def test_importing_the_module_does_not_import_scikit_learn_or_polars():
    code = (
        "import sys, textops.text.cleaning; "
        "print([m for m in ('sklearn', 'polars', 'numpy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_settings_and_the_cleaner_have_one_list_of_parameters() -> None:
    from textops.text.cleaning import CleaningSettings, TextCleaner

    assert list(CleaningSettings.model_fields) == TextCleaner._get_param_names()
    assert CleaningSettings().model_dump() == {
        name: (tuple(v) if isinstance(v, list | tuple) else v)
        for name, v in TextCleaner().get_params().items()
    }
