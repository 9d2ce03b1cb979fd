"""Reading the request log back: the rows and term counts of one time window.

Files are named by the time they were written, which is after every row they
hold, so a window skips the files written before it starts without opening
them. A terms file counts only beside its requests file (the log writes that
one last: see :mod:`textops.monitoring.traffic`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from textops.errors import ConfigError
from textops.monitoring.traffic import REQUESTS, TERMS

if TYPE_CHECKING:
    import polars as pl

    from textops.store.store import Store

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w`` as a timedelta; :class:`ConfigError` otherwise."""
    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise ConfigError(
            f"'{text}' is not a duration; expected a positive number and a unit (s, m, h, d, w)",
            hint="e.g. --since 24h, --since 7d, --since 30m",
        )
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


@dataclass(frozen=True)
class TrafficWindow:
    """The logged texts of one window (``rows``) and their term counts (None: none logged)."""

    rows: pl.DataFrame
    terms: pl.DataFrame | None
    start: datetime | None
    end: datetime


def _written_at(name: str) -> datetime | None:
    try:
        return datetime.strptime(name.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _read(store: Store, folder: tuple[str, ...], names: list[str]) -> pl.DataFrame | None:
    import polars as pl

    frames = [pl.read_parquet(io.BytesIO(store.read_bytes(*folder, n))) for n in names]
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


def _filtered(
    frame: pl.DataFrame, *, model_name: str | None, model_version: int | None
) -> pl.DataFrame:
    import polars as pl

    if model_name is not None:
        frame = frame.filter(pl.col("model_name") == model_name)
    if model_version is not None:
        frame = frame.filter(pl.col("model_version") == model_version)
    return frame


def read_traffic(
    store: Store,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    model_name: str | None = None,
    model_version: int | None = None,
) -> TrafficWindow:
    """The texts logged in ``[start, end)`` (all of them when ``start`` is None), by one model."""
    import polars as pl

    end = end or datetime.now(UTC)
    names = [n for n in store.listdir(*REQUESTS) if n.endswith(".parquet")]
    if start is not None:
        names = [n for n in names if (_written_at(n) or start) >= start]
    rows = _read(store, REQUESTS, names)
    if rows is None:
        return TrafficWindow(_empty_rows(), None, start, end)
    window = pl.col("time") < end
    if start is not None:
        window &= pl.col("time") >= start
    rows = _filtered(rows.filter(window), model_name=model_name, model_version=model_version)
    with_terms = sorted(set(names) & set(store.listdir(*TERMS)))
    terms = _read(store, TERMS, with_terms)
    if terms is not None:
        terms = _filtered(terms, model_name=model_name, model_version=model_version)
        if start is not None:  # a flush straddling the start counts whole
            terms = terms.filter(pl.col("last_time") >= start)
        terms = terms.filter(pl.col("first_time") < end)
    return TrafficWindow(rows.sort("time"), terms, start, end)


def _empty_rows() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={
        "time": pl.Datetime("us", "UTC"), "model_name": pl.String, "model_version": pl.Int64,
        "label": pl.String, "confidence": pl.Float64,
    })
