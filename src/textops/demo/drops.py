"""Generate the demo drops: seeded, realistic customer messages in five classes.

* drop 1 (CSV) is clean;
* drop 2 (Parquet) shifts the class balance and the sentiment (angrier customers);
* drop 3 (JSONL) carries rows validation must refuse: null and empty texts,
  non-English messages and a label outside the class set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from textops.demo import phrases

DEMO_CLASSES = tuple(phrases.TOPICS)

_BALANCED = {c: 1 / len(DEMO_CLASSES) for c in DEMO_CLASSES}
_SHIFTED = {"billing": 0.12, "delivery": 0.42, "technical": 0.2, "account": 0.08, "product": 0.18}
_MOODS = ("positive", "neutral", "negative")


def generate_messages(
    n: int, *, seed: int, shares: dict[str, float], moods: tuple[float, float, float]
) -> tuple[list[str], list[str]]:
    """``n`` messages and their labels; ``moods`` are the positive/neutral/negative shares."""
    rng = np.random.default_rng(seed)
    classes = list(shares)
    labels = rng.choice(classes, size=n, p=np.array([shares[c] for c in classes]))
    mood_draws = rng.choice(_MOODS, size=n, p=np.array(moods))
    texts = [
        _message(rng, str(label), str(mood)) for label, mood in zip(labels, mood_draws, strict=True)
    ]
    return texts, [str(label) for label in labels]


def _message(rng: np.random.Generator, label: str, mood: str) -> str:
    # 12 % of messages borrow their main sentence from another class: tickets overlap
    topic = label if rng.random() > 0.12 else DEMO_CLASSES[int(rng.integers(len(DEMO_CLASSES)))]
    sentences = [_pick(rng, phrases.TOPICS[topic])]
    if rng.random() < 0.5:
        sentences.insert(0, _pick(rng, phrases.SHARED))
    if rng.random() < 0.35:
        sentences.append(_pick(rng, phrases.TOPICS[label]))
    opener = _pick(rng, phrases.OPENERS[mood])
    closer = _pick(rng, phrases.CLOSERS[mood])
    sentences = list(dict.fromkeys(sentences))  # no sentence twice in one message
    body = ". ".join(s[0].upper() + s[1:] for s in sentences) + "."
    if opener.endswith(","):
        body = body[0].lower() + body[1:] if not body.startswith("I ") else body
    signature = ""
    if rng.random() < 0.7:
        name = phrases.NAMES[int(rng.integers(len(phrases.NAMES)))]
        signature = f"{name} {chr(65 + int(rng.integers(26)))}."
    return " ".join(part for part in (opener, body, closer, signature) if part)


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    template = options[int(rng.integers(len(options)))]
    return template.format(
        product=phrases.PRODUCTS[int(rng.integers(len(phrases.PRODUCTS)))],
        amount=int(rng.integers(15, 400)),
        when=phrases.WHEN[int(rng.integers(len(phrases.WHEN)))],
        order=f"#{int(rng.integers(100000, 999999))}",
        days=int(rng.integers(3, 30)),
        hours=int(rng.integers(2, 12)),
        code=f"E{int(rng.integers(100, 999))}",
        tries=int(rng.integers(2, 6)),
    )


def drop_frames(rows: int = 3000, seed: int = 7) -> dict[str, Any]:
    """The three drops as pandas frames with ``text`` and ``label``."""
    import pandas as pd

    texts, labels = generate_messages(rows, seed=seed, shares=_BALANCED, moods=(0.35, 0.4, 0.25))
    drop1 = pd.DataFrame({"text": texts, "label": labels})
    texts, labels = generate_messages(rows, seed=seed + 1, shares=_SHIFTED, moods=(0.1, 0.3, 0.6))
    drop2 = pd.DataFrame({"text": texts, "label": labels})
    texts, labels = generate_messages(
        rows, seed=seed + 2, shares=_BALANCED, moods=(0.35, 0.4, 0.25)
    )
    drop3 = pd.DataFrame({"text": texts, "label": labels}).astype(object)
    rng = np.random.default_rng(seed + 3)
    picks = rng.permutation(rows)
    shares = {
        "null_text": 0.01,
        "empty_text": 0.007,
        "foreign": 0.2,
        "unknown_label": 0.01,
        "null_label": 0.004,
    }
    bad = {kind: max(2, round(rows * share)) for kind, share in shares.items()}
    start = 0
    for kind, count in bad.items():
        rows_hit = picks[start : start + count]
        start += count
        if kind == "null_text":
            drop3.loc[rows_hit, "text"] = None
        elif kind == "empty_text":
            drop3.loc[rows_hit, "text"] = rng.choice(["", "   "], size=count)
        elif kind == "foreign":
            drop3.loc[rows_hit, "text"] = rng.choice(phrases.FOREIGN, size=count)
        elif kind == "unknown_label":
            drop3.loc[rows_hit, "label"] = "refund_request"
        else:
            drop3.loc[rows_hit, "label"] = None
    return {"drop1": drop1, "drop2": drop2, "drop3": drop3}


def write_demo(
    landing: str | Path = "landing",
    later: str | Path = "demo-drops",
    *,
    rows: int = 3000,
    seed: int = 7,
) -> dict[str, Path]:
    """Write drop 1 into ``landing`` and drops 2 and 3 into ``later``; returns the paths."""
    landing, later = Path(landing), Path(later)
    landing.mkdir(parents=True, exist_ok=True)
    later.mkdir(parents=True, exist_ok=True)
    frames = drop_frames(rows, seed)
    paths = {
        "drop1": landing / "drop1.csv",
        "drop2": later / "drop2.parquet",
        "drop3": later / "drop3.jsonl",
    }
    frames["drop1"].to_csv(paths["drop1"], index=False)
    frames["drop2"].to_parquet(paths["drop2"], index=False)
    frames["drop3"].to_json(paths["drop3"], orient="records", lines=True, force_ascii=False)
    return paths
