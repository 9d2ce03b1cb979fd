"""A random or extra-trees forest split into smaller forests that fit apart, and joined back.

The sweep fits a big forest's shards as separate tasks (each within a worker's
memory) and joins them into the very forest a single fit would have given.
scikit-learn is imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["forest_shards", "join_forest_shards"]


def forest_shards(estimator: Any, n_shards: int) -> list[Any] | None:
    """Split an unfitted forest into ``n_shards`` smaller forests that fit apart.

    Tree ``i`` of a scikit-learn forest is seeded by the ``i``-th draw from
    ``RandomState(random_state)``, so a shard holding trees ``a..b`` starts
    from that state advanced by ``a`` draws (as the forest's own warm start
    does): fitted separately and joined by :func:`join_forest_shards`, the
    shards are the very trees of the whole forest, and it predicts the same
    to the last bit. ``None`` when ``estimator`` cannot be split so: not a
    plain random or extra-trees classifier, no integer ``random_state``,
    ``oob_score`` or ``warm_start`` on, or fewer trees than shards.
    """
    import numpy as np
    from sklearn.base import clone
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    if type(estimator) not in (RandomForestClassifier, ExtraTreesClassifier) or n_shards < 2:
        return None
    params = estimator.get_params(deep=False)
    seed, n_trees = params["random_state"], params["n_estimators"]
    is_seeded = isinstance(seed, int) and not isinstance(seed, bool)
    if not is_seeded or params["oob_score"] or params["warm_start"] or n_trees < n_shards:
        return None
    shards, start = [], 0
    for size in (len(part) for part in np.array_split(np.arange(n_trees), n_shards)):
        state = np.random.RandomState(seed)
        state.randint(np.iinfo(np.int32).max, size=start)  # the draws of trees 0..start-1
        shards.append(clone(estimator).set_params(n_estimators=size, random_state=state))
        start += size
    return shards


def join_forest_shards(estimator: Any, shards: Sequence[Any]) -> Any:
    """The fitted forest ``estimator`` made of the fitted ``shards`` of :func:`forest_shards`."""
    from sklearn.base import clone

    joined = clone(estimator)
    params = joined.get_params(deep=False)
    for name, value in vars(shards[0]).items():
        if name not in params:  # fitted state: classes_, n_features_in_, estimator_...
            setattr(joined, name, value)
    joined.estimators_ = [tree for shard in shards for tree in shard.estimators_]
    return joined
