"""Read a raw drop (CSV, Parquet, JSONL; a folder or a file; local or fsspec URL).

Every problem is a :class:`DataError` naming the file, the column or the rows,
and the fix. Nothing here writes anything.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textops.errors import DataError
from textops.store.raw_formats import check_jsonl, delimiter_error, locate_csv_problem

if TYPE_CHECKING:
    import polars as pl

    from textops.config.schema import DataConfig

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True)
class RawFile:
    path: str  # relative to the source
    url: str
    format: str
    sha256: str
    size: int
    data: bytes

    def describe(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.format, "sha256": self.sha256, "bytes": self.size}


def list_source(
    source: str, fmt: str = "auto", *, recursive: bool = False
) -> tuple[Any, list[tuple[str, str, str]]]:
    """The filesystem and ``(relative path, url, format)`` of each data file, sorted.

    A folder's subfolders are read only when ``recursive`` (``data.recursive``).
    """
    from textops.store.store import url_to_fs

    try:
        fs, root = url_to_fs(source)
    except (ImportError, ValueError) as exc:
        raise DataError(f"data source '{source}' cannot be opened: {exc}") from exc
    if not fs.exists(root):
        raise DataError(
            f"data source '{source}' does not exist",
            hint="run 'textops demo' for demo data, or set data.source in textops.yaml",
        )
    if fs.isfile(root):
        paths = [root]
        base = posixpath.dirname(root)
    else:
        paths = sorted(fs.find(root, maxdepth=None if recursive else 1))
        base = root
    found = []
    for path in paths:
        relative = posixpath.relpath(path, base)
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        extension = posixpath.splitext(path)[1].lower()
        kind = FORMATS.get(extension)
        if kind is None or (fmt != "auto" and kind != fmt):
            continue
        found.append((relative, path, kind))
    if not found:
        wanted = "CSV, Parquet or JSONL" if fmt == "auto" else fmt
        raise DataError(
            f"data source '{source}' holds no {wanted} files",
            hint="drop .csv, .parquet or .jsonl files there ('textops demo' writes an example)",
        )
    return fs, found


def fingerprint_source(source: str, fmt: str = "auto", *, recursive: bool = False) -> str:
    """A hash of the source's file names and contents (the ingest step's cache input)."""
    fs, files = list_source(source, fmt, recursive=recursive)
    digest = hashlib.sha256()
    for relative, url, _ in files:
        digest.update(relative.encode() + b"\0")
        with fs.open(url, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def read_source(config: DataConfig) -> tuple[pl.DataFrame, list[RawFile]]:
    """All files of the source as one frame with ``id``, ``text``, ``label`` (+ ``split``)."""
    import polars as pl

    from textops.store.labels import normalise_labels

    fs, files = list_source(config.source, config.format, recursive=config.recursive)
    frames, raw_files = [], []
    for relative, url, kind in files:
        data = bytes(fs.cat_file(url))
        raw = RawFile(relative, url, kind, hashlib.sha256(data).hexdigest(), len(data), data)
        raw_files.append(raw)
        frames.append(_normalise(_parse(raw, text_field=config.text_column), raw, config))
    frame = pl.concat(frames, how="vertical")
    return normalise_labels(frame, mode=config.label_normalise), raw_files


def _parse(raw: RawFile, *, text_field: str) -> pl.DataFrame:
    import polars as pl

    if raw.size == 0 or not raw.data.strip():
        raise DataError(f"file '{raw.path}' is empty", hint="remove it or fill it with rows")
    if raw.format in ("csv", "jsonl"):
        try:
            text = raw.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.data[: exc.start].count(b"\n") + 1
            raise DataError(
                f"file '{raw.path}' is not UTF-8 text: byte 0x{raw.data[exc.start]:02x} "
                f"at offset {exc.start} (line {line})",
                hint=f"re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8 '{raw.path}'",
            ) from None
        if raw.format == "jsonl":
            check_jsonl(raw.path, text, text_field=text_field)
    try:
        if raw.format == "csv":
            frame = pl.read_csv(io.BytesIO(raw.data), infer_schema=False, raise_if_empty=True)
        elif raw.format == "jsonl":
            frame = pl.read_ndjson(io.BytesIO(raw.data), infer_schema_length=None)
        else:
            frame = pl.read_parquet(io.BytesIO(raw.data))
    except Exception as exc:  # noqa: BLE001 - Polars raises several types; translate once
        reason = str(exc).strip().splitlines()[0][:300]
        if raw.format == "csv":
            raise delimiter_error(raw.path, text) or _csv_error(raw.path, text, reason) from None
        raise DataError(
            f"file '{raw.path}' is not valid {raw.format.upper()}: {reason}",
            hint="fix the file (quoting, column count per row) or remove it from the source",
        ) from None
    if raw.format == "csv" and frame.width == 1 and (refusal := delimiter_error(raw.path, text)):
        raise refusal
    if frame.height == 0:
        raise DataError(f"file '{raw.path}' has a header but no rows", hint="remove it or add rows")
    return frame


def _csv_error(path: str, text: str, reason: str) -> DataError:
    return DataError(
        f"file '{path}' is not valid CSV: {locate_csv_problem(text) or reason}",
        hint="fix the file (quoting, column count per row) or remove it from the source",
    )


def _normalise(frame: pl.DataFrame, raw: RawFile, config: DataConfig) -> pl.DataFrame:
    import polars as pl

    wanted = {"text": config.text_column, "label": config.label_column}
    if config.id_column:
        wanted["id"] = config.id_column
    if config.split_column:
        wanted["split"] = config.split_column
    for role, column in wanted.items():
        if column not in frame.columns:
            raise DataError(
                f"file '{raw.path}' has no column '{column}' (the {role} column); "
                f"its columns are: {', '.join(frame.columns)}",
                hint=f"set data.{role}_column in textops.yaml (or --set data.{role}_column=NAME)",
            )
    text_dtype = frame.schema[config.text_column]
    if text_dtype not in (pl.String, pl.Null):
        raise DataError(
            f"column '{config.text_column}' of '{raw.path}' holds {text_dtype}, not text",
            hint="point data.text_column at the column that holds the documents",
        )
    label = _labels(frame, raw, config.label_column)
    columns = [
        pl.col(config.text_column).cast(pl.String).alias("text"),
        pl.lit(label).alias("label"),
    ]
    if config.id_column:
        columns.insert(0, pl.col(config.id_column).cast(pl.String).alias("id"))
    else:
        row_number = pl.int_range(1, pl.len() + 1).cast(pl.String)
        columns.insert(0, pl.concat_str([pl.lit(f"{raw.path}:"), row_number]).alias("id"))
    if config.split_column:
        columns.append(
            pl.col(config.split_column).cast(pl.String).str.to_lowercase().alias("split")
        )
    return frame.select(columns)


def _labels(frame: pl.DataFrame, raw: RawFile, column: str) -> pl.Series:
    """The label column as text, NaN/None/null made null; refused when no row has a label."""
    import polars as pl

    from textops.store.labels import null_markers_to_null

    dtype = frame.schema[column]
    if dtype.is_nested() or dtype == pl.Object:
        raise DataError(
            f"column '{column}' of '{raw.path}' holds {dtype}, not labels",
            hint="give each row one label (a string or a number), or point data.label_column "
            "at the labelled column",
        )
    label = null_markers_to_null(frame.get_column(column))
    if (label.str.strip_chars().fill_null("") == "").all():
        raise DataError(
            f"column '{column}' of '{raw.path}' is empty in all {frame.height} rows",
            hint="fill in the labels, or point data.label_column at the labelled column",
        )
    return label
