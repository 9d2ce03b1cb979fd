"""Where a raw CSV or JSONL file goes wrong: the line, the delimiter, the non-text value.

Called by :mod:`textops.store.raw` to turn a parser's complaint (or a silent
coercion) into a :class:`DataError` that names the file, the line and the fix.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from textops.errors import DataError

#: delimiters other than the comma that a CSV file is recognised by
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
#: offending lines quoted in a refusal
_SHOWN_LINES = 3


def other_delimiter(text: str) -> str | None:
    """The delimiter a CSV file's header uses when it is not the comma (None: comma or unknown)."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in OTHER_DELIMITERS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > header.count(",") else None


def delimiter_error(path: str, text: str) -> DataError | None:
    """The refusal of a CSV file delimited by something other than commas, if it is one."""
    sep = other_delimiter(text)
    if sep is None:
        return None
    header = text.split("\n", 1)[0].strip()[:80]
    return DataError(
        f"file '{path}' is {OTHER_DELIMITERS[sep]}-delimited (header {header!r}); textops reads "
        "comma-separated CSV",
        hint=f"re-save '{path}' with commas as the delimiter (e.g. pandas: "
        f"pd.read_csv(f, sep={sep!r}).to_csv(f, index=False))",
    )


def locate_csv_problem(text: str) -> str | None:
    """The first bad line by the standard parser (only on the error path)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        for row in reader:
            if row and len(row) != len(header):
                return f"line {reader.line_num} has {len(row)} fields, the header has {len(header)}"
    except csv.Error as exc:
        return f"line {reader.line_num}: {exc}"
    return None


def check_jsonl(path: str, text: str, *, text_field: str) -> None:
    """Refuse a JSONL file with a line that is not a JSON object, or a non-string text field.

    Polars would stop at the first broken line without its number, and would
    silently turn a JSON object in the text field into its JSON text.
    """
    not_text: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = _parse_line(path, number, line)
        value = row.get(text_field)
        if value is not None and not isinstance(value, str):
            not_text.append((number, _kind(value)))
    if not_text:
        shown = ", ".join(f"line {n} ({kind})" for n, kind in not_text[:_SHOWN_LINES])
        more = f" and {len(not_text) - _SHOWN_LINES} more" if len(not_text) > _SHOWN_LINES else ""
        raise DataError(
            f"file '{path}': the text field '{text_field}' is not a string in "
            f"{len(not_text)} row(s): {shown}{more}",
            hint="write each document as a JSON string, or point data.text_column at the "
            "field that holds the text",
        )


def _parse_line(path: str, number: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"file '{path}' is not valid JSONL: line {number}, column {exc.colno}: {exc.msg}",
            hint=f"fix line {number} of '{path}' (one JSON object per line) or remove the file",
        ) from None
    if not isinstance(row, dict):
        raise DataError(
            f"file '{path}' is not valid JSONL: line {number} is a JSON {_kind(row)}, "
            "not an object",
            hint=f"write line {number} of '{path}' as one JSON object, e.g. "
            '{"text": "...", "label": "..."}',
        )
    return row


def _kind(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
             float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
