"""Small labelled corpora of topic words in shared noise, for the network's tests."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

TOPIC_WORDS = {
    "sport": "goal match team player score coach league win ball season",
    "tech": "computer software chip code data network server cloud python model",
    "food": "recipe cook bake flavour dinner sauce garlic oven fresh taste",
    "travel": "flight hotel beach passport train museum island tour map luggage",
}
FEW_COMMON_WORDS = "the a and of to in is it that this with for on very really"
COMMON_WORDS = FEW_COMMON_WORDS + " new good time"


def topic_corpus(
    topics: Mapping[str, str],
    *,
    common: str = COMMON_WORDS,
    n_per_class: int,
    seed: int,
    own: float,
    cross: float = 0.0,
    length: tuple[int, int] = (6, 16),
) -> tuple[list[str], list[str]]:
    """``n_per_class`` texts per topic, each word drawn on its own, seeded.

    A word is one of the text's topic words with probability ``own``, a word of
    a random topic with probability ``cross``, else a common word; a text has
    ``length[0]`` to ``length[1] - 1`` words.
    """
    rng = np.random.default_rng(seed)
    pools = {label: words.split() for label, words in topics.items()}
    names = list(pools)
    shared = common.split()
    texts, labels = [], []
    for label in names:
        for _ in range(n_per_class):
            words = []
            for _ in range(int(rng.integers(*length))):
                draw = rng.random()
                if draw < own:
                    pool = pools[label]
                elif draw < own + cross:
                    pool = pools[names[int(rng.integers(len(names)))]]
                else:
                    pool = shared
                words.append(str(rng.choice(pool)))
            texts.append(" ".join(words))
            labels.append(label)
    return texts, labels
