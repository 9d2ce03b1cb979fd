"""The VADER valence rules, evaluated on arrays of lexicon hits (see :mod:`.sentiment`).

Each function mirrors one method of ``vaderSentiment.SentimentIntensityAnalyzer``
and applies it to every lexicon hit of every document at once, in the
reference's order of floating-point operations. Neighbouring words are read
by offset in the flat token table; a word outside its document reads as
:data:`NO_WORD`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

NO_WORD = -1


@dataclass(frozen=True)
class VaderResources:
    lexicon: dict[str, float]
    emojis: dict[str, str]
    boosters: dict[str, float]
    negations: list[str]
    special_cases: dict[str, float]
    c_incr: float
    n_scalar: float


@lru_cache(maxsize=1)
def vader_resources() -> VaderResources:
    from vaderSentiment import vaderSentiment as vs

    analyzer = vs.SentimentIntensityAnalyzer()
    return VaderResources(
        lexicon=analyzer.lexicon,
        emojis={k: v for k, v in analyzer.emojis.items() if len(k) == 1},
        boosters=dict(vs.BOOSTER_DICT),
        negations=list(vs.NEGATE),
        special_cases=dict(vs.SPECIAL_CASES),
        c_incr=vs.C_INCR,
        n_scalar=vs.N_SCALAR,
    )


@lru_cache(maxsize=1)
def word_ids() -> dict[str, int]:
    """Ids of every word a rule compares against (multi-word keys split)."""
    vader = vader_resources()
    words = {"no", "or", "nor", "kind", "of", "never", "so", "this", "without", "doubt"}
    words |= {"least", "at", "very", "but"}
    for key in [*vader.special_cases, *vader.boosters]:
        words.update(key.split(" "))
    return {word: i for i, word in enumerate(sorted(words))}


@lru_cache(maxsize=1)
def lookup_table() -> pl.DataFrame:
    """Per lower-cased word: lexicon valence, booster value, rule-word id."""
    vader = vader_resources()
    ids = word_ids()
    words = sorted(set(vader.lexicon) | {k for k in vader.boosters if " " not in k} | set(ids))
    return pl.DataFrame(
        {
            "low": words,
            "lex": [vader.lexicon.get(w) for w in words],
            "boost": [vader.boosters.get(w, 0.0) for w in words],
            "wid": [ids.get(w, NO_WORD) for w in words],
        },
        schema={"low": pl.String, "lex": pl.Float64, "boost": pl.Float64, "wid": pl.Int32},
    )


def is_upper(tokens: list[str] | pl.Series) -> np.ndarray:
    """Python's ``str.isupper`` for each token, as a column operation."""
    s = pl.Series(tokens, dtype=pl.String)
    flags = s.str.contains(r"\p{Uppercase}") & ~s.str.contains(r"[\p{Lowercase}\p{Lt}]")
    return flags.to_numpy().astype(bool)


@dataclass(frozen=True)
class Tokens:
    tok: pl.Series
    low: pl.Series
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    lex: np.ndarray
    in_lex: np.ndarray
    boost: np.ndarray
    wid: np.ndarray
    is_cap_diff: np.ndarray


@dataclass(frozen=True)
class _Neighbour:
    """The word a fixed offset away from each hit."""

    inside: np.ndarray  # it lies in the hit's document
    pos: np.ndarray  # its index in the token table (clipped to the table)
    wid: np.ndarray  # its rule-word id; NO_WORD outside the document


@dataclass(frozen=True)
class _HitContext:
    """Per lexicon hit: its rule-word id, the words around it, its document's caps contrast."""

    w: np.ndarray
    before: tuple[_Neighbour, _Neighbour, _Neighbour]  # 1, 2 and 3 words back
    after: tuple[_Neighbour, _Neighbour]  # 1 and 2 words on
    cap_diff: np.ndarray

    @property
    def p1(self) -> np.ndarray:
        return self.before[0].wid

    @property
    def p2(self) -> np.ndarray:
        return self.before[1].wid

    @property
    def p3(self) -> np.ndarray:
        return self.before[2].wid

    @property
    def n1(self) -> np.ndarray:
        return self.after[0].wid

    @property
    def n2(self) -> np.ndarray:
        return self.after[1].wid


def _hit_context(t: Tokens, hits: np.ndarray) -> _HitContext:
    """The words from three before to two after every hit, read by offset in the token table."""
    hit_doc = t.doc[hits]
    start, end = t.start[hit_doc], t.end[hit_doc]
    last = max(len(t.wid) - 1, 0)

    def at(offset: int) -> _Neighbour:
        pos = hits + offset
        inside = (pos >= start) & (pos < end)
        pos = np.clip(pos, 0, last)
        return _Neighbour(inside, pos, np.where(inside, t.wid[pos], NO_WORD))

    return _HitContext(
        w=t.wid[hits],
        before=(at(-1), at(-2), at(-3)),
        after=(at(1), at(2)),
        cap_diff=t.is_cap_diff[hit_doc],
    )


def hit_valences(t: Tokens, hits: np.ndarray) -> np.ndarray:
    """``SentimentIntensityAnalyzer.sentiment_valence`` for every lexicon hit at once."""
    near = _hit_context(t, hits)
    v = _own_valences(t, hits, near)
    for k in (1, 2, 3):
        v = _words_back(v, t, near, k=k)
    return _least_and_kind_of(v, t, near)


def _own_valences(t: Tokens, hits: np.ndarray, near: _HitContext) -> np.ndarray:
    """Each hit's lexicon valence after the "no" rules and its own ALL-CAPS emphasis."""
    ids = word_ids()
    vader = vader_resources()
    p1, p2, p3 = near.p1, near.p2, near.p3
    next_word = near.after[0]
    base = t.lex[hits]
    # "no" before another lexicon word negates it instead of scoring itself.
    no_before_word = (near.w == ids["no"]) & next_word.inside & t.in_lex[next_word.pos]
    v = np.where(no_before_word, 0.0, base)
    p1_or = (p1 == ids["or"]) | (p1 == ids["nor"])
    negated_by_no = (p1 == ids["no"]) | (p2 == ids["no"]) | ((p3 == ids["no"]) & p1_or)
    v = np.where(negated_by_no, base * vader.n_scalar, v)
    hit_is_upper = is_upper(t.tok.gather(hits))
    c_incr = vader.c_incr
    return np.where(hit_is_upper & near.cap_diff, np.where(v > 0, v + c_incr, v - c_incr), v)


_BOOSTER_DAMPING = {1: 1.0, 2: 0.95, 3: 0.9}


def _words_back(v: np.ndarray, t: Tokens, near: _HitContext, *, k: int) -> np.ndarray:
    """The booster, negation and (at ``k`` = 3) idiom rules for the word ``k`` places back."""
    c_incr = vader_resources().c_incr
    back = near.before[k - 1]
    gate = back.inside & ~t.in_lex[back.pos]
    boost = np.where(back.inside, t.boost[back.pos], 0.0)
    scalar = np.where(v < 0, boost * -1, boost)
    boosted = np.flatnonzero(gate & (boost != 0.0))
    cap_boost = np.zeros(len(v), dtype=bool)
    if boosted.size:
        cap_boost[boosted] = is_upper(t.tok.gather(back.pos[boosted])) & near.cap_diff[boosted]
    scalar = np.where(cap_boost, np.where(v > 0, scalar + c_incr, scalar - c_incr), scalar)
    if k > 1:
        scalar = np.where(scalar != 0, scalar * _BOOSTER_DAMPING[k], scalar)
    v = np.where(gate, v + scalar, v)
    v = _negation(v, near, gate, _negated(t.low, back.pos, gate), k=k)
    if k == 3:
        v = np.where(gate, _special_idioms(v, near), v)
    return v


def _least_and_kind_of(v: np.ndarray, t: Tokens, near: _HitContext) -> np.ndarray:
    """The "least" negation (not in "at least", "very least") and "kind of" scoring nothing."""
    ids = word_ids()
    least = (near.p1 == ids["least"]) & ~t.in_lex[near.before[0].pos]
    keeps = (near.p2 == ids["at"]) | (near.p2 == ids["very"])
    v = np.where(least & ~keeps, v * vader_resources().n_scalar, v)
    return np.where((near.w == ids["kind"]) & (near.n1 == ids["of"]), 0.0, v)


def _negated(low: pl.Series, pos: np.ndarray, gate: np.ndarray) -> np.ndarray:
    """Whether the word at each position is a negation (``vaderSentiment.negated``)."""
    flags = np.zeros(len(pos), dtype=bool)
    rows = np.flatnonzero(gate)
    if rows.size:
        words = low.gather(pos[rows])
        negation = words.is_in(vader_resources().negations) | words.str.contains(
            "n't", literal=True
        )
        flags[rows] = negation.to_numpy().astype(bool)
    return flags


def _negation(
    v: np.ndarray, near: _HitContext, gate: np.ndarray, negated: np.ndarray, *, k: int
) -> np.ndarray:
    """``SentimentIntensityAnalyzer._negation_check`` for the word ``k`` places back."""
    ids = word_ids()
    p1, p2, p3 = near.p1, near.p2, near.p3
    neg_scalar = vader_resources().n_scalar
    so_this = {
        1: (p1 == ids["so"]) | (p1 == ids["this"]),
        2: (p2 == ids["so"]) | (p2 == ids["this"]),
    }
    if k == 1:
        return np.where(gate & negated, v * neg_scalar, v)
    if k == 2:
        emphatic = (p2 == ids["never"]) & so_this[1]
        neutral = (p2 == ids["without"]) & (p1 == ids["doubt"])
    else:
        emphatic = ((p3 == ids["never"]) & so_this[2]) | so_this[1]
        neutral = (p3 == ids["without"]) & ((p2 == ids["doubt"]) | (p1 == ids["doubt"]))
    negate = gate & ~emphatic & ~neutral & negated
    return np.where(gate & emphatic, v * 1.25, np.where(negate, v * neg_scalar, v))


def _phrase_ids(phrase: str) -> tuple[int, ...]:
    ids = word_ids()
    return tuple(ids[w] for w in phrase.split(" "))


def _special_idioms(v: np.ndarray, near: _HitContext) -> np.ndarray:
    """``SentimentIntensityAnalyzer._special_idioms_check`` (multi-word keys only match)."""
    vader = vader_resources()
    w, p1, p2, p3, n1, n2 = near.w, near.p1, near.p2, near.p3, near.n1, near.n2
    cases = {_phrase_ids(k): value for k, value in vader.special_cases.items() if " " in k}

    def matches(seq: tuple[np.ndarray, ...], key: tuple[int, ...]) -> np.ndarray:
        hit = np.ones(len(v), dtype=bool)
        for column, wanted in zip(seq, key, strict=True):
            hit &= column == wanted
        return hit

    out = v.copy()
    done = np.zeros(len(v), dtype=bool)
    for seq in ((p1, w), (p2, p1, w), (p2, p1), (p3, p2, p1), (p3, p2)):
        for key, value in cases.items():
            if len(key) == len(seq):
                hit = matches(seq, key) & ~done
                out = np.where(hit, value, out)
                done |= hit
    for seq in ((w, n1), (w, n1, n2)):
        for key, value in cases.items():
            if len(key) == len(seq):
                out = np.where(matches(seq, key), value, out)
    boosters = {_phrase_ids(k): value for k, value in vader.boosters.items() if " " in k}
    for seq in ((p3, p2, p1), (p3, p2), (p2, p1)):
        for key, value in boosters.items():
            if len(key) == len(seq):
                out = np.where(matches(seq, key), out + value, out)
    return out


def sums_after_but(
    valence: np.ndarray,
    pos: np.ndarray,
    hit_doc: np.ndarray,
    first_but: np.ndarray,
    *,
    n_docs: int,
) -> np.ndarray:
    """Apply the "but" rule and add each document's valences left to right."""
    bi = first_but[hit_doc]
    scaled = np.where(bi < 0, valence, np.where(pos < bi, valence * 0.5, valence * 1.5))
    counts = np.bincount(hit_doc, minlength=n_docs)
    bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
    raw, ideal, positions = valence.tolist(), scaled.tolist(), pos.tolist()
    with_but = bi >= 0
    odd = set(
        _docs_where_but_rule_is_odd(
            valence[with_but], scaled[with_but], pos[with_but], hit_doc[with_but]
        ).tolist()
    )
    sums = np.zeros(n_docs)
    for d in np.flatnonzero(counts).tolist():
        a, b = bounds[d], bounds[d + 1]
        values = _but_rule(raw[a:b], positions[a:b], int(first_but[d])) if d in odd else ideal[a:b]
        sums[d] = sum(values)
    return sums


def _docs_where_but_rule_is_odd(
    valence: np.ndarray, scaled: np.ndarray, pos: np.ndarray, hit_doc: np.ndarray
) -> np.ndarray:
    """Documents where the reference's search by value hits an earlier, already scaled item.

    The arguments hold the hits of documents with a "but" only. Elsewhere the
    reference's result is the plain rule (before x0.5, after x1.5). The
    search at item k goes astray exactly when an earlier item j < k, once
    scaled, equals item k's value.
    """
    if not len(valence):
        return np.empty(0, dtype=np.int64)
    items = pl.DataFrame({"doc": hit_doc, "pos": pos, "raw": valence, "scaled": scaled})
    earlier = items.select(
        "doc", pl.col("pos").alias("earlier_pos"), pl.col("scaled").alias("value")
    )
    later = items.select("doc", "pos", pl.col("raw").alias("value"))
    clashes = later.join(earlier, on=["doc", "value"], how="inner").filter(
        pl.col("earlier_pos") < pl.col("pos")
    )
    return clashes["doc"].unique().to_numpy()


def _but_rule(values: list[float], positions: list[int], but: int) -> list[float]:
    """The reference's ``_but_check``, which edits the first item *equal* to each value."""
    current = list(values)
    for k in range(len(current)):
        value = current[k]
        si = current.index(value)
        if positions[si] < but:
            current[si] = value * 0.5
        elif positions[si] > but:
            current[si] = value * 1.5
    return current
