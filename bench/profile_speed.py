"""Benchmark: text profiling and validation speed, against Evidently's text descriptors.

Profiles a text corpus (20 Newsgroups by default, all 18,846 posts) and
prints, as medians over ``--repeat`` runs, the throughput (docs/s, MB/s) of
the whole per-document profile and of each statistic, then the whole
validation of a version's four datasets (per-document stats once, profiles,
hard checks, drift) against the 15 s goal.

In the same run, when an interpreter with Evidently is available
(``--evidently-python``, ``$TEXTOPS_EVIDENTLY_PYTHON`` or
``bench/.envs/evidently/bin/python``), the same texts go through Evidently's
offline text descriptors in a subprocess, timed there, and the ratio is
printed. Evidently 0.7 needs ``pandas<3``, hence its own virtual environment::

    python3 -m venv bench/.envs/evidently
    bench/.envs/evidently/bin/pip install evidently 'pandas<3'

Its Sentiment descriptor reads NLTK's VADER lexicon, normally downloaded;
offline, this script builds that resource from the lexicon file shipped in
the vaderSentiment wheel (the same lexicon) in a temporary NLTK data folder.
OOVWordsPercentage needs NLTK corpora that cannot be installed offline and
is left out.

Run: ``.venv/bin/python bench/profile_speed.py [--repeat 3] [--data PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "20newsgroups" / "20newsgroups_bydate.parquet"
DEFAULT_EVIDENTLY = ROOT / "bench" / ".envs" / "evidently" / "bin" / "python"

EVIDENTLY_SCRIPT = r"""
import json, sys, time
import pandas as pd
texts_path, repeat = sys.argv[1], int(sys.argv[2])
from evidently import Dataset, DataDefinition
from evidently.descriptors import (
    NonLetterCharacterPercentage, SentenceCount, Sentiment, TextLength, WordCount,
)
frame = pd.read_parquet(texts_path)
descriptors = {
    "TextLength": TextLength, "WordCount": WordCount, "SentenceCount": SentenceCount,
    "NonLetterCharacterPercentage": NonLetterCharacterPercentage, "Sentiment": Sentiment,
}

def run(kinds):
    wall, cpu = time.perf_counter(), time.process_time()
    Dataset.from_pandas(
        frame, data_definition=DataDefinition(text_columns=["text"]),
        descriptors=[descriptors[k]("text") for k in kinds],
    ).as_dataframe()
    return time.perf_counter() - wall, time.process_time() - cpu

run(["TextLength"])  # warm-up: imports, NLTK lexicon
result = {"all": [run(list(descriptors)) for _ in range(repeat)]}
for kind in descriptors:  # one run each: the breakdown, not the headline
    result[kind] = [run([kind])]
print(json.dumps(result))
"""


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``fn`` over ``repeat`` runs, and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def line(name: str, seconds: float, docs: int, megabytes: float, cpu: float | None = None) -> str:
    rate = f"{docs / seconds:12,.0f} docs/s {megabytes / seconds:9.2f} MB/s"
    used = f" (CPU {cpu:7.3f} s)" if cpu is not None else ""
    return f"  {name:<40} {seconds:8.3f} s{used} {rate}"


def load(path: Path) -> pl.DataFrame:
    if not path.is_file():
        sys.exit(
            f"error: corpus not found: {path}\n"
            "  fix: pass --data PATH (a Parquet file with 'text', 'label')"
        )
    frame = pl.read_parquet(path)
    return frame.with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))


def bench_statistics(frame: pl.DataFrame, repeat: int) -> dict[str, float]:
    from textops.text import chars, language, sentiment, stats, terms

    texts = frame["text"]
    docs, mb = frame.height, texts.str.len_bytes().sum() / 1e6
    text = pl.col("text")
    sample = texts.sample(min(300, docs), seed=0)
    language.detect_languages(sample)  # load both models once
    sentiment.sentiment_scores(sample)
    terms.stop_words()
    cases: dict[str, Callable[[], Any]] = {
        "char_count": lambda: frame.select(text.str.len_chars()),
        "character classes (5 shares)": lambda: chars.char_counts(texts),
        "words + stop-word rate + terms": lambda: frame.select(
            terms.words_expr(text).alias("w")
        ).select(stats.word_stats_exprs(pl.col("w"))),
        "sentiment (vectorised VADER)": lambda: sentiment.sentiment_scores(texts),
        "language (fastText + py3langid)": lambda: language.detect_languages(texts),
        "per-document stats, no language": lambda: stats.compute_doc_stats(
            frame, with_language=False
        ),
        "per-document stats (all)": lambda: stats.compute_doc_stats(frame),
    }
    print(f"\nPer statistic, {docs:,} documents, {mb:.1f} MB (wall, CPU: median of {repeat}):")
    medians = {}
    for name, fn in cases.items():
        medians[name], medians[f"{name} cpu"], result = timed(fn, repeat)
        print(line(name, medians[name], docs, mb, medians[f"{name} cpu"]))
    from textops.quality.profile import profile_from_stats

    wall, cpu, _ = timed(lambda: profile_from_stats("all", result), repeat)
    print(line("profile from stats", wall, docs, mb, cpu))
    ref_n = min(500, docs)
    ref_texts = texts.sample(ref_n, seed=1)
    ref_s, ref_cpu, _ = timed(lambda: sentiment.reference_sentiment_scores(ref_texts), 1)
    ref_mb = ref_texts.str.len_bytes().sum() / 1e6
    print(line(f"sentiment, reference ({ref_n} docs)", ref_s, ref_n, ref_mb, ref_cpu))
    medians["reference sentiment docs/s"] = ref_n / ref_s
    return medians


def bench_validation(frame: pl.DataFrame, repeat: int) -> float:
    from textops.quality.baseline import parse_baseline, render_baseline_yaml
    from textops.quality.checks import run_hard_checks
    from textops.quality.drift import run_drift
    from textops.quality.profile import profile_parts
    from textops.text.stats import doc_stats_for_parts

    if "split" in frame.columns:
        train = frame.filter(pl.col("split") == "train").drop("split")
        test = frame.filter(pl.col("split") == "test").drop("split")
    else:
        shuffled = frame.sample(fraction=1.0, seed=0, shuffle=True)
        cut = int(shuffled.height * 0.7)
        train, test = shuffled.head(cut), shuffled.tail(shuffled.height - cut)
    parts = {
        "train": train,
        "test": test,
        "train_subset": train.sample(min(2000, train.height), seed=0),
        "test_subset": test.sample(min(1000, test.height), seed=0),
    }
    baseline = parse_baseline(render_baseline_yaml(profile_parts({"train": train})["train"]))

    def validate() -> tuple[int, int]:
        stats = doc_stats_for_parts(parts)
        profiles = profile_parts(parts, stats=stats)
        findings = run_hard_checks(parts, baseline, stats=stats)
        results = run_drift(profiles, baseline, stats=stats)
        return len(findings), len(results)

    seconds, cpu, (n_findings, n_results) = timed(validate, repeat)
    rows = sum(p.height for p in parts.values())
    verdict = "meets" if seconds < 15 else "MISSES"
    print(
        f"\nWhole validation of 4 datasets ({rows:,} rows: stats, profiles, hard checks, drift): "
        f"{seconds:.2f} s (CPU {cpu:.2f} s) median of {repeat} ({verdict} the 15 s goal); "
        f"{n_findings} hard-check findings, {n_results} drift results"
    )
    return seconds


def evidently_python(cli: str | None) -> Path | None:
    candidate = cli or os.environ.get("TEXTOPS_EVIDENTLY_PYTHON") or str(DEFAULT_EVIDENTLY)
    path = Path(candidate)
    return path if path.is_file() else None


def _nltk_vader_data(folder: Path) -> None:
    """NLTK's ``sentiment/vader_lexicon.zip``, built from vaderSentiment's lexicon file."""
    import vaderSentiment

    lexicon = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    target = folder / "sentiment"
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target / "vader_lexicon.zip", "w") as archive:
        archive.write(lexicon, "vader_lexicon/vader_lexicon.txt")


def bench_evidently(frame: pl.DataFrame, python: Path, repeat: int) -> dict[str, float] | None:
    with tempfile.TemporaryDirectory() as tmp:
        texts_path = Path(tmp) / "texts.parquet"
        frame.select("text").write_parquet(texts_path)
        _nltk_vader_data(Path(tmp) / "nltk_data")
        env = {**os.environ, "NLTK_DATA": str(Path(tmp) / "nltk_data")}
        done = subprocess.run(
            [str(python), "-c", EVIDENTLY_SCRIPT, str(texts_path), str(repeat)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        print(f"\nEvidently run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        return None
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    medians = {name: statistics.median(w for w, _ in runs) for name, runs in timings.items()}
    medians |= {
        f"{name} cpu": statistics.median(c for _, c in runs) for name, runs in timings.items()
    }
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--evidently-python", default=None)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-validation", action="store_true")
    args = parser.parse_args(argv)

    frame = load(args.data)
    docs, mb = frame.height, frame["text"].str.len_bytes().sum() / 1e6
    print(f"corpus: {args.data} ({docs:,} documents, {mb:.1f} MB); {os.cpu_count()} CPUs")
    ours = bench_statistics(frame, args.repeat)
    if not args.skip_validation:
        bench_validation(frame, args.repeat)
    if args.skip_evidently:
        return 0
    python = evidently_python(args.evidently_python)
    if python is None:
        print("\nEvidently: no interpreter found (see --evidently-python); comparison skipped")
        return 0
    theirs = bench_evidently(frame, python, args.repeat)
    if theirs is None:
        return 1
    print(f"\nEvidently text descriptors ({python}); all: median of {args.repeat}, each: one run:")
    for name, seconds in theirs.items():
        if not name.endswith(" cpu"):
            print(line(f"evidently {name}", seconds, docs, mb, theirs[f"{name} cpu"]))
    print("\nThroughput ratio, textops / Evidently (5 descriptors), wall and CPU:")
    for label, key in [
        ("all 10 statistics + terms + language", "per-document stats (all)"),
        ("same, without language (Evidently has none)", "per-document stats, no language"),
    ]:
        print(
            f"  {label:<45} {theirs['all'] / ours[key]:5.1f}x wall, "
            f"{theirs['all cpu'] / ours[key + ' cpu']:5.1f}x CPU"
        )
    key = "sentiment (vectorised VADER)"
    print(
        f"  {'sentiment alone':<45} {theirs['Sentiment'] / ours[key]:5.1f}x wall, "
        f"{theirs['Sentiment cpu'] / ours[key + ' cpu']:5.1f}x CPU"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
