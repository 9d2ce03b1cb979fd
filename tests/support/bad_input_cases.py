"""The table of bad inputs: each case is what a hostile or careless user does, and what must follow.

A case names the project it starts from (``fresh``: the demo's first drop, a
definition of ingest, profile and validate, and no store; ``default``: the
same drop under the built-in definition of every step; ``stored``: ``fresh``
after a tracked run, so the store holds a dataset version, a baseline and
``mlflow.db``), what it
breaks there, the command, the exit code and a regular expression for the
one-line message. ``store`` says what the store may show afterwards:
``unchanged`` (byte for byte) or ``refusal`` (only the documented record of a
version that validation refused; the baseline untouched).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

Setup = Callable[[Path], None]

FRESH, DEFAULT, STORED = "fresh", "default", "stored"
#: the steps the table's projects run: enough to ingest, record and refuse
STEPS = ("ingest", "profile", "validate")


@dataclass(frozen=True)
class Case:
    id: str
    project: str
    setup: Setup
    args: tuple[str, ...]
    exit: int
    message: str
    store: str = "unchanged"
    slow: bool = False


# --------------------------------------------------------------------------- data file helpers


def drop(project: Path) -> pd.DataFrame:
    """The demo's first drop, to derive bad drops from."""
    return pd.read_csv(project / "landing" / "drop1.csv")


def replace_drop(project: Path, frame: pd.DataFrame, name: str) -> None:
    """The landing folder holds ``frame`` as ``name`` instead of the first drop."""
    (project / "landing" / "drop1.csv").unlink()
    write(project / "landing" / name, frame)


def add_file(project: Path, frame: pd.DataFrame, name: str) -> None:
    write(project / "landing" / name, frame)


def write(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, index=False)


def raw_file(name: str, content: bytes, *, keep: bool = False) -> Setup:
    def setup(project: Path) -> None:
        if not keep:
            (project / "landing" / "drop1.csv").unlink()
        (project / "landing" / name).write_bytes(content)

    return setup


def frame_edit(name: str, edit: Callable[[pd.DataFrame], pd.DataFrame], *,
               keep: bool = False) -> Setup:
    """Replace (or, with ``keep``, add beside) the first drop with ``edit(drop)`` as ``name``."""

    def setup(project: Path) -> None:
        frame = edit(drop(project).copy())
        if keep:
            add_file(project, frame, name)
        else:
            replace_drop(project, frame, name)

    return setup


def jsonl_lines(name: str, edit: Callable[[list[str]], list[str]]) -> Setup:
    def setup(project: Path) -> None:
        rows = drop(project).to_dict("records")
        lines = edit([json.dumps(row) for row in rows])
        (project / "landing" / "drop1.csv").unlink()
        (project / "landing" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    return setup


def with_label(rows: list[int], value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame["label"] = frame["label"].astype(object)
        for row in rows:
            frame.at[row, "label"] = value
        return frame

    return edit


def upper_labels(rows: list[int], how: Callable[[str], str] = str.upper) -> Callable[
    [pd.DataFrame], pd.DataFrame
]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        for row in rows:
            frame.at[row, "label"] = how(str(frame.at[row, "label"]))
        return frame

    return edit


def json_value(line: int, value: object) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        row = json.loads(lines[line - 1])
        row["text"] = value
        lines[line - 1] = json.dumps(row)
        return lines

    return edit


def _blocker(project: Path) -> None:
    (project / "blocker").write_text("a file where the store's parent folder should be")


def _bad_environment_file(project: Path) -> None:
    (project / "bad.yml").write_text("dependencies: [python\n", encoding="utf-8")


def nothing(project: Path) -> None:
    """No change: the command alone is the bad input."""


def _empty_landing(project: Path) -> None:
    for file in (project / "landing").iterdir():
        file.unlink()


def _float_labels_with_nan(frame: pd.DataFrame) -> pd.DataFrame:
    codes = {label: i for i, label in enumerate(sorted(frame["label"].unique()))}
    frame["label"] = frame["label"].map(codes).astype(float)
    frame["label"] = np.nan
    return frame


def _subfolder_only(project: Path) -> None:
    landing = project / "landing"
    (landing / "older").mkdir()
    (landing / "drop1.csv").rename(landing / "older" / "drop1.csv")


def _label_struct(frame: pd.DataFrame) -> pd.DataFrame:
    frame["label"] = [{"name": label} for label in frame["label"]]
    return frame


def _int_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame["text"] = range(len(frame))
    return frame


def _ids_with(frame: pd.DataFrame, ids: list[object]) -> pd.DataFrame:
    frame["ref"] = ids
    return frame


DATA: list[Case] = [
    Case("empty landing folder", FRESH, _empty_landing, ("run",), 3,
         r"data source '.*landing' holds no CSV, Parquet or JSONL files"),
    Case("empty csv", FRESH, raw_file("empty.csv", b""), ("run",), 3,
         r"file 'empty\.csv' is empty"),
    Case("blank csv", FRESH, raw_file("blank.csv", b"\n \n\t\n"), ("run",), 3,
         r"file 'blank\.csv' is empty"),
    Case("empty jsonl", FRESH, raw_file("empty.jsonl", b""), ("run",), 3,
         r"file 'empty\.jsonl' is empty"),
    Case("header-only csv", FRESH, raw_file("head.csv", b"text,label\n"), ("run",), 3,
         r"file 'head\.csv' has a header but no rows"),
    Case("ragged csv", FRESH, raw_file("bad.csv", b"text,label\nfine,a\nthis,has,three\n"),
         ("run",), 3, r"'bad\.csv' is not valid CSV: line 3 has 3 fields, the header has 2"),
    Case("unclosed quote csv", FRESH,
         raw_file("quote.csv", b'text,label\n"never closed,a\nnext,b\n'), ("run",), 3,
         r"'quote\.csv' is not valid CSV"),
    Case("latin-1 csv", FRESH, raw_file("latin.csv", "text,label\ncafé,a\n".encode("latin-1")),
         ("run",), 3, r"'latin\.csv' is not UTF-8 text: byte 0xe9 at offset 14 \(line 2\)"),
    Case("latin-1 jsonl", FRESH,
         raw_file("latin.jsonl", '{"text": "café", "label": "a"}\n'.encode("latin-1")),
         ("run",), 3, r"'latin\.jsonl' is not UTF-8 text: byte 0xe9 .*\(line 1\)"),
    Case("garbage parquet", FRESH, raw_file("junk.parquet", b"PAR1 this is not parquet"),
         ("run",), 3, r"file 'junk\.parquet' is not valid PARQUET"),
    Case("semicolon csv", FRESH,
         frame_edit("semi.csv", lambda f: f.rename(columns={"text": "text;label"})
                    .assign(**{"text;label": lambda f: f["text;label"].str.replace(",", " ")
                               + ";" + f["label"]}).drop(columns="label")),
         ("run",), 3, r"file 'semi\.csv' is semicolon-delimited \(header 'text;label'\)"),
    Case("tab-separated .csv", FRESH,
         raw_file("tabs.csv", b"text\tlabel\nhello there\ta\nhow are you\tb\n"), ("run",), 3,
         r"file 'tabs\.csv' is tab-delimited"),
    Case("pipe-separated .csv", FRESH,
         raw_file("pipes.csv", b"text|label\nhello there|a\nhow are you|b\n"), ("run",), 3,
         r"file 'pipes\.csv' is pipe-delimited"),
    Case("no text column csv", FRESH, frame_edit("cols.csv", lambda f: f.rename(
        columns={"text": "body"})), ("run",), 3,
         r"'cols\.csv' has no column 'text' \(the text column\); its columns are: body, label"),
    Case("no text column parquet", FRESH, frame_edit("cols.parquet", lambda f: f.rename(
        columns={"text": "message"})), ("run",), 3, r"'cols\.parquet' has no column 'text'"),
    Case("no label column jsonl", FRESH, frame_edit("cols.jsonl", lambda f: f.drop(
        columns="label")), ("run",), 3, r"'cols\.jsonl' has no column 'label'"),
    Case("no label column in a second file", FRESH, frame_edit("more.csv", lambda f: f.drop(
        columns="label"), keep=True), ("run",), 3, r"'more\.csv' has no column 'label'"),
    Case("wrong label_column", FRESH, nothing, ("--set", "data.label_column=category", "run"),
         3, r"'drop1\.csv' has no column 'category' \(the label column\)"),
    Case("text column of numbers", FRESH, frame_edit("nums.parquet", _int_text), ("run",), 3,
         r"column 'text' of 'nums\.parquet' holds Int64, not text"),
    Case("label column of objects", FRESH, frame_edit("struct.parquet", _label_struct),
         ("run",), 3, r"column 'label' of 'struct\.parquet' holds Struct.*not labels"),
    Case("all labels null", FRESH, frame_edit("nulls.jsonl", with_label(list(range(300)), None)),
         ("run",), 3, r"column 'label' of 'nulls\.jsonl' is empty in all 300 rows"),
    Case("all labels NaN floats", FRESH, frame_edit("nan.parquet", _float_labels_with_nan),
         ("run",), 3, r"column 'label' of 'nan\.parquet' is empty in all 300 rows"),
    Case("all labels 'None'", FRESH, frame_edit("none.csv", with_label(list(range(300)), "None")),
         ("run",), 3, r"column 'label' of 'none\.csv' is empty in all 300 rows"),
    Case("all labels blank", FRESH, frame_edit("blank.parquet", with_label(list(range(300)),
                                                                           "  ")),
         ("run",), 3, r"column 'label' of 'blank\.parquet' is empty in all 300 rows"),
    Case("labels differing by case", FRESH, frame_edit("case.csv", upper_labels([3, 7, 11])),
         ("run",), 3, r"labels differ only by case or surrounding whitespace: '\w+' \(\d+ rows, "
         r"e\.g\. case\.csv:\d+\), '[A-Z]+' \(1 row, e\.g\. case\.csv:\d+\)"),
    Case("labels differing by whitespace", FRESH,
         frame_edit("space.parquet", upper_labels([5], lambda s: f" {s} ")), ("run",), 3,
         r"labels differ only by case or surrounding whitespace: .*' \w+ ' \(1 row, "
         r"e\.g\. space\.parquet:6\)"),
    Case("labels differing by case across files", FRESH,
         frame_edit("upper.csv", lambda f: f.head(20).assign(label=f["label"].str.title()),
                    keep=True), ("run",), 3,
         r"labels differ only by case.*e\.g\. upper\.csv:\d+"),
    Case("title, upper and lower variants", FRESH,
         frame_edit("three.jsonl", lambda f: upper_labels([3], str.title)(upper_labels([7])(f))),
         ("run",), 3, r"labels differ only by case.*'[A-Z][a-z]+' \(1 row.*"),
    Case("a class of one row", FRESH,
         frame_edit("rare.csv", with_label([4], "refund")), ("run",), 3,
         r"class 'refund' has only 1 row \(rare\.csv:5\).*stratified"),
    Case("JSON object in the text field", FRESH,
         jsonl_lines("obj.jsonl", json_value(6, {"subject": "hi", "body": "help"})), ("run",), 3,
         r"file 'obj\.jsonl': the text field 'text' is not a string in 1 row\(s\): "
         r"line 6 \(object\)"),
    Case("JSON array in the text field", FRESH,
         jsonl_lines("arr.jsonl", json_value(9, ["a", "b"])), ("run",), 3,
         r"'arr\.jsonl': the text field 'text' is not a string .*line 9 \(array\)"),
    Case("numbers in the text field", FRESH,
         jsonl_lines("num.jsonl", lambda ls: json_value(2, 1)(json_value(3, 2.5)(ls))), ("run",),
         3, r"'num\.jsonl'.*not a string in 2 row\(s\): line 2 \(number\), line 3 \(number\)"),
    Case("broken JSONL line", FRESH,
         jsonl_lines("broken.jsonl", lambda ls: [*ls[:41], ls[41][:-7], *ls[42:]]), ("run",), 3,
         r"file 'broken\.jsonl' is not valid JSONL: line 42, column \d+"),
    Case("JSONL line that is an array", FRESH,
         jsonl_lines("list.jsonl", lambda ls: [*ls[:4], '["text", "label"]', *ls[5:]]), ("run",),
         3, r"'list\.jsonl' is not valid JSONL: line 5 is a JSON array, not an object"),
    Case("duplicate ids", FRESH,
         frame_edit("ids.csv", lambda f: _ids_with(f, [i // 2 for i in range(len(f))])),
         ("--set", "data.id_column=ref", "run"), 3, r"id column 'ref'.*"),
    Case("null ids", FRESH,
         frame_edit("ids.parquet", lambda f: _ids_with(f, [None if i % 50 == 0 else f"r{i}"
                                                           for i in range(len(f))])),
         ("--set", "data.id_column=ref", "run"), 3, r"id column 'ref' is empty in 6 rows"),
    Case("only a subfolder", FRESH, _subfolder_only, ("run",), 3,
         r"holds no CSV, Parquet or JSONL files"),
    Case("source missing", FRESH, nothing, ("--set", "data.source=nowhere", "run"), 3,
         r"data source '.*nowhere' does not exist"),
    Case("format filter finds nothing", FRESH, nothing, ("--set", "data.format=parquet", "run"),
         3, r"holds no parquet files"),
]

#: versions that ingest accepts and validation refuses: recorded, never the baseline
_REFUSED: list[Case] = [
    Case("some labels null", FRESH, frame_edit("n.jsonl", with_label([3, 7], None)), ("run",), 4,
         r"\[null_label\] \w+: \d of \d+ rows have a null label"),
    Case("some labels NaN (text)", FRESH, frame_edit("n.csv", with_label([3, 7], "NaN")),
         ("run",), 4, r"\[null_label\] \w+: \d of \d+ rows have a null label"),
    Case("some labels 'None'", FRESH, frame_edit("n.parquet", with_label([3, 7], "None")),
         ("run",), 4, r"\[null_label\] \w+: \d of \d+ rows have a null label"),
    Case("some labels empty", FRESH, frame_edit("e.parquet", with_label([3, 7], "")),
         ("run",), 4, r"\[empty_label\] \w+: \d of \d+ rows have an empty label"),
    Case("a single class", FRESH, frame_edit("one.csv", lambda f: f.assign(label="billing")),
         ("run",), 4, r"\[too_few_classes\] train: only the class 'billing' among \d+ labelled"),
    Case("unknown label against the baseline", STORED,
         frame_edit("new.csv", lambda f: f.head(30).assign(label="refunds"), keep=True),
         ("run",), 4, r"\[unknown_label\] .*'refunds'"),
    Case("empty texts", FRESH, frame_edit("t.csv", lambda f: f.assign(
        text=["   " if i % 20 == 0 else t for i, t in enumerate(f["text"])])), ("run",), 4,
         r"\[empty_text\] \w+: \d+ of \d+ rows have an empty text"),
]
REFUSED = [dataclasses.replace(case, store="refusal", slow=True) for case in _REFUSED]


# --------------------------------------------------------------------------- configuration


def yaml_file(text: str) -> Setup:
    def setup(project: Path) -> None:
        (project / "textops.yaml").write_text(text, encoding="utf-8")

    return setup


def merged_yaml(extra: dict[str, object]) -> Setup:
    """The project's textops.yaml with ``extra`` merged in at the top."""

    def setup(project: Path) -> None:
        path = project / "textops.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(extra)
        path.write_text(yaml.safe_dump(data), encoding="utf-8")

    return setup


def setting(key: str, value: str, message: str, *, code: int = 2,
            command: tuple[str, ...] = ("run",)) -> Case:
    return Case(f"--set {key}={value}", DEFAULT, nothing, ("--set", f"{key}={value}",
                                                               *command), code, message)


SPACE = "steps.tune.params.space"
CONFIG: list[Case] = [
    setting("data.sorce", "x", r"data\.sorce: unknown key 'sorce' \(did you mean 'source'\?\)"),
    setting("dta.source", "x", r"dta: unknown key 'dta' \(did you mean 'data'\?\)"),
    setting("data.split.seed", "abc", r"data\.split\.seed: .*integer.*'abc'"),
    setting("data.split.test_fraction", "1.5", r"data\.split\.test_fraction: .*less than 1"),
    setting("data.split.test_fraction", "0", r"data\.split\.test_fraction: .*greater than 0"),
    setting("data.split.subset_fraction", "-0.2",
            r"data\.split\.subset_fraction: .*greater than 0"),
    setting("data.format", "xml", r"data\.format: .*'auto', 'csv', 'parquet' or 'jsonl'"),
    setting("data.name", "my data", r"data\.name: 'my data' is not a valid dataset name"),
    setting("data.label_normalise", "upper", r"data\.label_normalise: .*'off' or 'lower'"),
    setting("data.recursive", "maybe", r"data\.recursive: .*boolean"),
    setting("data.split.stratified", "[1]", r"data\.split\.stratified: .*boolean"),
    setting("tracking.uri", "bogus://nowhere",
            r"tracking\.uri 'bogus://nowhere': MLflow cannot track to a 'bogus' URI"),
    setting("tracking.uri", "ftp://host/x", r"tracking\.uri 'ftp://host/x': MLflow cannot track"),
    setting("tracking.uri", "http://127.0.0.1:9",
            r"tracking\.uri 'http://127\.0\.0\.1:9': the tracking server cannot be reached "
            r"within 5 s \(.*refused.*\)"),
    setting("tracking.uri", "sqlite:////nonexistent-folder/mlflow.db",
            r"tracking\.uri '.*': the folder '/nonexistent-folder' of the SQLite file does not "
            r"exist"),
    setting("tracking.uri", "postgresql+pg8000://u:secret@127.0.0.1:9/db",
            r"tracking\.uri 'postgresql\+pg8000://u:\*\*\*@127\.0\.0\.1:9/db' needs the "
            r"database driver 'pg8000'"),
    setting("tracking.uri", "postgresql://u:secret@127.0.0.1:9/db",
            r"tracking\.uri 'postgresql://u:\*\*\*@127\.0\.0\.1:9/db'( needs the database "
            r"driver 'psycopg'|: the database server 127\.0\.0\.1:9 cannot be reached)"),
    setting("tracking.enabled", "perhaps", r"tracking\.enabled: .*boolean"),
    setting("steps.tune.params.storage", "bogus://x",
            r"steps\.tune\.params\.storage 'bogus://x' is not a database URL SQLAlchemy knows"),
    setting("steps.tune.params.storage", "postgresql+pg8000://u:pw@127.0.0.1:9/optuna",
            r"steps\.tune\.params\.storage 'postgresql\+pg8000://u:\*\*\*@.*' needs the "
            r"database driver 'pg8000', which is not installed"),
    setting("steps.tune.params.storage", "postgresql://u:pw@127.0.0.1:9/optuna",
            r"steps\.tune\.params\.storage 'postgresql://u:\*\*\*@127\.0\.0\.1:9/optuna'"
            r"(: the database server 127\.0\.0\.1:9 cannot be reached| needs the database)"),
    setting("steps.tune.params.storage", "mysql://u@127.0.0.1:9/optuna",
            r"steps\.tune\.params\.storage 'mysql://.*' needs the database driver"),
    setting("steps.tune.params.storage", "sqlite:////nonexistent-folder/optuna.db",
            r"steps\.tune\.params\.storage '.*': the folder '/nonexistent-folder' of the SQLite "
            r"file does not exist"),
    setting("environments.files.data", "envs/missing.yml",
            r"environment file '.*envs/missing\.yml' does not exist"),
    setting("environments.mode", "strict", r"environments\.mode: .*'current', 'isolated' or 'off'"),
    setting("steps.ingest.compute", "nope",
            r"steps\.ingest\.compute: compute 'nope' is not defined"),
    setting("steps.ingest.environment", "sklearnn",
            r"environment 'sklearnn' is not defined \(did you mean 'sklearn'\?\)"),
    setting("compute.cluster.n_workers", "0", r"compute\.cluster\.n_workers: .*greater than or "
            r"equal to 1"),
    setting("compute.cluster.kind", "k8s", r"compute\.cluster\.kind: .*'local' or 'dask'"),
    setting("compute.gpu.device", "tpu", r"compute\.gpu\.device: .*'auto', 'cpu' or 'cuda'"),
    setting(f"{SPACE}.learning_rate", "{type: float, low: 0.1, high: 0.01}",
            r"steps\.tune\.params\.space\.learning_rate: low must not exceed high", ),
    setting(f"{SPACE}.learning_rate", "{type: float, low: -1, high: 0.1, log: true}",
            r"space\.learning_rate: a log range needs low > 0"),
    setting(f"{SPACE}.learning_rate", "{low: 0.1, high: 0.2}",
            r"space\.learning_rate: the key 'type' is missing: it must be one of 'float', 'int', "
            r"'categorical'"),
    setting(f"{SPACE}.learning_rate", "{type: range, low: 0.1, high: 0.2}",
            r"space\.learning_rate: type 'range' is not valid"),
    setting(f"{SPACE}.learning_rate", "{type: float, low: 0.1, hi: 0.2}",
            r"space\.learning_rate.*'hi'"),
    setting(f"{SPACE}.embedding_dim", "{type: categorical, choices: []}",
            r"space\.embedding_dim.*choices"),
    setting(f"{SPACE}.embedding_dim", "{type: int, low: 8, high: 64, step: 0}",
            r"space\.embedding_dim.*step.*greater than or equal to 1"),
    setting("steps.train.params.gate_metric", "f1_macr", r"gate_metric"),
    setting("steps.tune.params.tuning.n_trials", "-3", r"steps\.tune\.params\.tuning\.n_trials"),
    setting("steps.99.params.x", "1", r"override key 'steps\.99': no item '99' in that list"),
    setting("steps.nosuch.params.x", "1", r"no item 'nosuch' in that list"),
    setting("data.source.x", "1", r"override 'data\.source\.x=1': 'data\.source' is not a "
            r"mapping"),
    Case("--set without =", DEFAULT, nothing, ("--set", "data.source", "run"), 2,
         r"override 'data\.source' is not of the form key=value"),
    Case("yaml syntax error", FRESH, yaml_file("data:\n  source: [landing\n"), ("run",), 2,
         r"textops\.yaml is not valid YAML at line \d+, column \d+"),
    Case("yaml top level is a list", FRESH, yaml_file("- data\n- store\n"), ("run",), 2,
         r"textops\.yaml must hold a mapping at the top, got list"),
    Case("yaml unknown key", FRESH, yaml_file("data:\n  sorce: landing\n"), ("run",), 2,
         r"textops\.yaml: data\.sorce: unknown key 'sorce' \(did you mean 'source'\?\)"),
    Case("yaml duplicate step names", FRESH,
         yaml_file("steps:\n- {name: a, uses: ingest}\n- {name: a, uses: ingest}\n"), ("run",), 2,
         r"the step name 'a' is used twice"),
    Case("yaml unknown step kind", FRESH, yaml_file("steps:\n- {name: a, uses: ingestt}\n"),
         ("run",), 2, r"ingestt"),
    Case("yaml input not step.output", FRESH,
         yaml_file("steps:\n- {name: a, uses: ingest}\n- {name: p, uses: profile, "
                   "inputs: {dataset: a}}\n"), ("run",), 2,
         r"input 'dataset: a' must name an upstream output as 'step\.output'"),
    Case("yaml invalid step name", FRESH, yaml_file("steps:\n- {name: 1st, uses: ingest}\n"),
         ("run",), 2, r"'1st' is not a valid step name"),
    Case("config file missing", FRESH, nothing, ("--config", "nothere.yaml", "run"), 2,
         r"config file 'nothere\.yaml' does not exist"),
    Case("--only an unknown step", DEFAULT, nothing, ("run", "--only", "trian"), 2,
         r"no step 'trian'"),
    Case("--from an unknown step", DEFAULT, nothing, ("run", "--from", "nope"), 2,
         r"no step 'nope'"),
    Case("--only with --from", FRESH, nothing, ("run", "--only", "ingest", "--from", "profile"),
         2, r"--only and --from cannot be combined"),
    Case("graph of a bad space", DEFAULT, nothing,
         ("--set", f"{SPACE}.learning_rate={{type: float, low: 1, high: 0}}", "graph"), 2,
         r"space\.learning_rate: low must not exceed high"),
    Case("environment file not YAML", DEFAULT, _bad_environment_file,
         ("--set", "environments.files.data=bad.yml", "run"), 2,
         r"environment file '.*bad\.yml' is not valid YAML at line \d+, column \d+"),
    Case("store url is a file", FRESH, _blocker, ("--set", "store.url=blocker/store", "run"),
         5, r"is a file, not a folder"),
]


# --------------------------------------------------------------------------- baseline


def baseline_edit(old: str, new: str) -> Setup:
    def setup(project: Path) -> None:
        path = project / ".textops" / "baseline" / "profile.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in the baseline"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return setup


PSI = "psi: {warn: 0.1, fail: 0.25}"
CHI = "chi_square: {warn: 0.01, fail: 0.001}"
BASELINE_EDITS: list[tuple[str, str, str, str]] = [
    ("negative warn", PSI, "psi: {warn: -0.1, fail: 0.25}",
     r"checks\.\w+\.psi\.warn: threshold -0\.1 must be 0 or more"),
    ("negative fail", PSI, "psi: {warn: 0.1, fail: -0.25}",
     r"checks\.\w+\.psi\.fail: threshold -0\.25 must be 0 or more"),
    ("warn above fail", PSI, "psi: {warn: 0.5, fail: 0.25}",
     r"checks\.\w+\.psi: warn \(0\.5\) must be at most fail \(0\.25\)"),
    ("p-value warn under fail", CHI, "chi_square: {warn: 0.001, fail: 0.01}",
     r"checks\.class_balance\.chi_square: warn \(0\.001\) must be at least fail \(0\.01\)"),
    ("p-value over 1", CHI, "chi_square: {warn: 5, fail: 0.001}",
     r"chi_square\.warn: threshold 5\.0 must be between 0 and 1"),
    ("threshold not a number", PSI, "psi: {warn: high, fail: 0.25}",
     r"checks\.\w+\.psi\.warn: .*number.*'high'"),
    ("threshold missing", PSI, "psi: {warn: 0.1}", r"checks\.\w+\.psi\.fail: a required key"),
    ("unknown test", CHI, "chi_squared: {warn: 0.01, fail: 0.001}",
     r"checks\.class_balance\.chi_squared: unknown test"),
    ("unknown top key", "format: 1", "format: 1\nextra: true",
     r"extra: unknown key 'extra'"),
    ("invalid yaml", "format: 1", "format: [1", r"profile\.yaml is not valid YAML"),
    ("min_share over 1", "min_share:", "min_share: 1.5 #",
     r"language\.min_share: .*less than or equal to 1"),
    ("unknown class share", "    billing: 0.", "    refunds: 0.1\n    billing: 0.",
     r"classes: expected_shares names classes not in 'allowed': \['refunds'\]"),
    ("negative class share", "    billing: 0.", "    billing: -0.",
     r"expected_shares must not be negative"),
]
BASELINE: list[Case] = [
    Case(f"baseline {name} ({' '.join(command)})", STORED, baseline_edit(old, new),
         command, 2, rf"profile\.yaml.*{message}|{message}")
    for name, old, new, message in BASELINE_EDITS
    for command in (("run",), ("baseline", "show"))
]


# --------------------------------------------------------------------------- store damage


def store_file(relative: str, content: bytes | None) -> Setup:
    """Overwrite (None: delete) ``relative`` inside the store; ``*`` picks the one match."""

    def setup(project: Path) -> None:
        matches = sorted((project / ".textops").glob(relative))
        assert matches, f"nothing matches {relative}"
        for path in matches:
            if content is None:
                path.unlink()
            else:
                path.write_bytes(content)

    return setup


MANIFEST = "datasets/demo/*/manifest.json"
DAMAGE: list[Case] = [
    Case(f"garbled manifest ({' '.join(c)})", STORED, store_file(MANIFEST, b"{not json"), c, 5,
         r"manifest\.json.*(not valid JSON|cannot be read|is damaged)")
    for c in (("datasets", "list"), ("datasets", "show"), ("baseline", "init", "--force"))
] + [
    Case(f"manifest not a mapping ({' '.join(c)})", STORED, store_file(MANIFEST, b"[1, 2]"), c,
         5, r"manifest\.json")
    for c in (("datasets", "list"), ("datasets", "show"))
] + [
    Case("truncated train.parquet (baseline init --force)", STORED,
         store_file("datasets/demo/*/train.parquet", b"PAR1\x00\x00"),
         ("baseline", "init", "--force"), 5, r"train\.parquet"),
    Case("garbage mlflow.db (models list)", STORED, store_file("mlflow.db", b"not a database"),
         ("models", "list"), 1, r"MLflow refused to .*: .*"),
    Case("garbage mlflow.db (models history)", STORED,
         store_file("mlflow.db", b"not a database"), ("models", "history"), 1,
         r"MLflow refused to"),
    Case("baseline file emptied (baseline show)", STORED,
         store_file("baseline/profile.yaml", b""), ("baseline", "show"), 2,
         r"profile\.yaml must be a YAML mapping"),
    Case("baseline file binary (baseline show)", STORED,
         store_file("baseline/profile.yaml", b"\xff\xfe\x00garbage"), ("baseline", "show"), 2,
         r"profile\.yaml"),
]


# --------------------------------------------------------------------------- commands

COMMANDS: list[Case] = [
    Case("datasets show an unknown version", STORED, nothing, ("datasets", "show", "zzzz"), 5,
         r"dataset 'demo': 'zzzz' matches 0 versions"),
    Case("datasets show sequence 99", STORED, nothing, ("datasets", "show", "99"), 5,
         r"dataset 'demo': '99' matches 0 versions"),
    Case("datasets show on an empty store", FRESH, nothing, ("datasets", "show"), 5,
         r"dataset 'demo'"),
    Case("datasets show of another dataset", STORED, nothing,
         ("datasets", "show", "--name", "other"), 5, r"dataset 'other'"),
    Case("baseline init from an unknown version", STORED, nothing,
         ("baseline", "init", "--from", "zzzz", "--force"), 5, r"'zzzz' matches 0 versions"),
    Case("baseline init over an existing one", STORED, nothing, ("baseline", "init"), 5,
         r"baseline.*already"),
    Case("baseline show without a baseline", FRESH, nothing, ("baseline", "show"), 5,
         r"has no baseline profile yet"),
    Case("models history without a registry", FRESH, nothing, ("models", "history"), 5,
         r"has no model registry yet \(no mlflow\.db\)"),
    Case("models promote without a registry", FRESH, nothing,
         ("models", "promote", "1", "--reason", "x"), 5, r"has no model registry yet"),
    Case("models promote without a reason", STORED, nothing,
         ("models", "promote", "1", "--reason", "  "), 2,
         r"a hand promotion needs a reason for the history"),
    Case("models promote a version that is not there", STORED, nothing,
         ("models", "promote", "7", "--reason", "because"), 1,
         r"MLflow refused to .*textops-classifier"),
    Case("models history of an unknown model", STORED, nothing,
         ("models", "history", "--name", "nobody"), 1, r"MLflow refused to .*nobody"),
]

#: commands that must succeed without creating or changing a store
_READ_ONLY_ARGS: list[tuple[str, ...]] = [
    ("models", "list"), ("datasets", "list"), ("graph",), ("graph", "--json")
]
READ_ONLY: list[tuple[str, str, tuple[str, ...]]] = [
    (project, " ".join(args), args) for project in (FRESH, STORED) for args in _READ_ONLY_ARGS
] + [
    (STORED, "datasets show", ("datasets", "show")),
    (STORED, "baseline show", ("baseline", "show")),
    (STORED, "models history fails", ("models", "history")),
]

ALL: list[Case] = [
    *DATA,
    *[Case(c.id + " (existing store)", STORED, c.setup, c.args, c.exit, c.message)
      for c in DATA if c.args == ("run",)],
    *REFUSED, *CONFIG, *BASELINE, *DAMAGE, *COMMANDS,
]
