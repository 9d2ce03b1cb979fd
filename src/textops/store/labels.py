"""The label rules of ingest: what counts as no label, and labels that are one class spelt twice.

* A label that is null, NaN (a float column, or the text ``NaN``), ``None`` or
  ``null`` (any case) is no label: it is stored as null, so validation refuses
  the rows like any null label.
* Surrounding whitespace is stripped. Two labels that differ only by case or
  surrounding whitespace (``Billing``, ``BILLING``, ``billing ``) are refused
  with every variant named, unless ``data.label_normalise: lower``, which
  lower-cases every label so they become one class.

Pure functions over Polars frames; nothing here reads or writes a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textops.errors import DataError

if TYPE_CHECKING:
    import polars as pl

#: label texts that mean "no label" (compared lower-cased, after stripping)
NULL_MARKERS = ("nan", "none", "null")
#: variant groups quoted in a refusal
_SHOWN_GROUPS = 3


def null_markers_to_null(label: pl.Series) -> pl.Series:
    """``label`` as text with ``NaN``/``None``/``null`` (and float NaN) made null; not stripped."""
    import polars as pl

    if label.dtype.is_float():
        label = label.fill_nan(None)
    text = label.cast(pl.String)
    marker = text.str.strip_chars().str.to_lowercase().is_in(list(NULL_MARKERS))
    return pl.select(pl.when(marker.fill_null(False)).then(None).otherwise(text)).to_series()


def normalise_labels(frame: pl.DataFrame, *, mode: str = "off") -> pl.DataFrame:
    """``frame`` with its ``label`` stripped (and lower-cased under ``mode='lower'``).

    Under ``off``, labels that differ only by case or surrounding whitespace are a
    :class:`DataError` naming each variant, its row count and a row id.
    """
    import polars as pl

    stripped = pl.col("label").str.strip_chars()
    if mode == "lower":
        return frame.with_columns(stripped.str.to_lowercase().alias("label"))
    groups = (
        frame.filter(pl.col("label").is_not_null())
        .group_by("label", maintain_order=True)
        .agg(pl.len().alias("rows"), pl.col("id").first().alias("example"))
        .with_columns(stripped.str.to_lowercase().alias("key"))
        .filter(pl.col("key") != "")  # empty labels are validation's: empty_label
    )
    clashing = groups.filter(pl.col("label").n_unique().over("key") > 1)
    if clashing.height:
        raise _variants_error(clashing)
    return frame.with_columns(stripped.alias("label"))


def _variants_error(clashing: pl.DataFrame) -> DataError:
    keys = clashing.get_column("key").unique(maintain_order=True).to_list()
    described = []
    for key in keys[:_SHOWN_GROUPS]:
        rows = clashing.filter(clashing.get_column("key") == key).sort("rows", descending=True)
        variants = ", ".join(
            f"{label!r} ({n} row{'s' if n != 1 else ''}, e.g. {example})"
            for label, n, example in rows.select("label", "rows", "example").iter_rows()
        )
        described.append(variants)
    more = f" (and {len(keys) - _SHOWN_GROUPS} more classes)" if len(keys) > _SHOWN_GROUPS else ""
    return DataError(
        "labels differ only by case or surrounding whitespace: "
        + "; ".join(described) + more,
        hint="make each class one spelling in the raw data, or --set data.label_normalise=lower "
        "to lower-case every label",
    )
