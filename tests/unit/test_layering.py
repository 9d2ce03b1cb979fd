"""The import contract: imports run one way, down this list of layers.

A module may import its own package and any package in a lower layer, never a
higher one, and packages that share a layer are independent of each other.
Every import counts, also those inside functions (they run, just later) and
those under ``TYPE_CHECKING`` (they still tie a module to another's types).
The README's architecture section draws the same list.
"""

from __future__ import annotations

import ast
from pathlib import Path

import textops

LAYERS: list[set[str]] = [
    {"cli"},
    {"api"},
    {"watching", "dashboard", "serving"},
    {"execution"},
    {"pipeline"},
    {"steps"},
    {"tuning"},
    {"tracking", "monitoring"},
    {"models", "quality", "store", "envs", "demo"},
    {"compute"},
    {"text"},
    {"config"},
    {"records", "errors", "clock", "progress", "__init__"},
]
ROOT = Path(textops.__file__).parent
#: the imports against the layers that are there on purpose, each with its reason
ALLOWED = {
    # models registered before the MLflow wrapper moved to tracking/ pickled it by this path
    ("models/pyfunc.py", "tracking"),
}


def _layer_of(package: str) -> int:
    for index, members in enumerate(LAYERS):
        if package in members:
            return index
    raise AssertionError(f"textops.{package} is in no layer of the import contract: add it")


def _package(path: Path) -> str:
    first = path.relative_to(ROOT).parts[0]
    return first.removesuffix(".py")


def _as_package(name: str) -> str:
    """A sub-package or module name; anything else (``__version__``) is the package root."""
    is_module = (ROOT / name).is_dir() or (ROOT / f"{name}.py").is_file()
    return name if name and is_module else "__init__"


def _is_import_module_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
        and bool(node.args) and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _imported_packages(path: Path) -> set[tuple[str, int]]:
    """(textops sub-package, line) for every textops import in ``path``."""
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "textops" else [
                f"textops.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif _is_import_module_call(node):  # importlib.import_module("textops.x"): no hiding
            names = [node.args[0].value]  # type: ignore[attr-defined]
        for name in names:
            parts = name.split(".")
            if parts[0] == "textops":
                found.add((_as_package(parts[1] if len(parts) > 1 else ""), node.lineno))
    return found


def test_every_package_is_in_a_layer() -> None:
    for path in ROOT.rglob("*.py"):
        _layer_of(_package(path))


def test_imports_run_one_way() -> None:
    violations = []
    for path in sorted(ROOT.rglob("*.py")):
        source = _package(path)
        for target, line in sorted(_imported_packages(path)):
            relative = path.relative_to(ROOT).as_posix()
            if target == source or (relative, target) in ALLOWED:
                continue
            if _layer_of(target) <= _layer_of(source):
                where = f"{path.relative_to(ROOT.parent)}:{line}"
                violations.append(f"{where}: textops.{source} imports textops.{target}")
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_the_contract_catches_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text("def f():\n    from textops.cli import main\n    return main\n")
    hidden = "import importlib\nimportlib.import_module('textops.api')\n"
    module.write_text(module.read_text() + hidden)
    assert {("cli", 2), ("api", 5)} <= _imported_packages(module)
    assert _layer_of("cli") < _layer_of("models")
