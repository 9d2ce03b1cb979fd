"""Code versions: the modules a step runs, found statically, and a hash of their source.

A step's code version covers its own module and, transitively, every local module
it imports (at module level or inside functions), plus the packages whose
``__init__`` runs on the way. Editing ``cli/`` therefore changes no step's
version, and editing the training code changes only the steps that import it.

"Local" means the textops package, the step's own top-level package, and any
module whose file lies outside the Python installation (a user's ``steps.py``
beside its ``helpers.py``). Installed third-party packages and the standard
library are left out: the environment hash already covers them.

Nothing is imported to find a module: files are located the way the import system
would (``importlib.util.find_spec`` for a top-level name, the parent package's
search path below it), because ``find_spec("sklearn.pipeline")`` would import
scikit-learn. Results are cached for the process: the code a process runs is the
code it imported, so a file edited afterwards does not change what runs.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import importlib.util
import site
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textops.steps.base import StepSpec

PACKAGE = "textops"


@dataclass(frozen=True)
class _Source:
    """Where a module's code lives: its file (None for a namespace package) and,
    for a package, the folders its submodules are found in."""

    file: Path | None
    search: tuple[str, ...] | None


def code_modules(spec: StepSpec) -> tuple[str, ...]:
    """The sorted names of the modules whose source makes up ``spec``'s code version."""
    return module_closure(spec.fn.__module__)


def code_version(spec: StepSpec) -> str:
    """``<textops version>+<hash>``: the hash of the step's modules, names and source."""
    return module_version(spec.fn.__module__)


@cache
def module_version(name: str) -> str:
    """The code version of module ``name``: textops' version and the hash of its closure."""
    from textops import __version__

    digest = hashlib.sha256()
    for module in module_closure(name):
        digest.update(module.encode() + b"\0" + _source_digest(module).encode() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:12]}"


@cache
def module_closure(name: str) -> tuple[str, ...]:
    """``name`` and the local modules it imports, transitively, with their parent packages."""
    roots = frozenset({PACKAGE, name.partition(".")[0]})
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending.extend(_local_imports(current, roots=roots))
    return tuple(sorted(seen))


def import_chain(name: str, target: str) -> tuple[str, ...] | None:
    """How ``name`` comes to run ``target``: the modules from one to the other, each
    importing the next (or the next being its package); None when it does not."""
    roots = frozenset({PACKAGE, name.partition(".")[0]})
    came_from: dict[str, str | None] = {name: None}
    pending = [name]
    while pending:
        current = pending.pop(0)
        if current == target:
            chain = [current]
            while (previous := came_from[chain[-1]]) is not None:
                chain.append(previous)
            return tuple(reversed(chain))
        for module in _local_imports(current, roots=roots):
            if module not in came_from:
                came_from[module] = current
                pending.append(module)
    return None


def _local_imports(name: str, *, roots: frozenset[str]) -> list[str]:
    """The local modules that importing ``name`` runs directly: its packages and its imports."""
    return _parents(name) + [m for m in _direct_imports(name) if _is_local(m, roots=roots)]


def clear_caches() -> None:
    """Forget located files, imports and versions (for tests that edit modules)."""
    for cached in (
        module_version,
        module_closure,
        _locate,
        _direct_imports,
        _source_digest,
        _is_source_outside_installation,
    ):
        cached.cache_clear()
    importlib.invalidate_caches()


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``: importing a module first runs its packages' ``__init__``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _is_local(name: str, *, roots: frozenset[str]) -> bool:
    """Whether ``name`` is a module whose source belongs in a code version (a name that
    is no module, as in ``from pkg.mod import SomeClass``, is not)."""
    top = name.partition(".")[0]
    is_local_package = top in roots or _is_source_outside_installation(top)
    return is_local_package and _locate(name) is not None


@cache
def _is_source_outside_installation(top: str) -> bool:
    """Whether the top-level module ``top`` is Python source outside the standard library
    and site-packages (a module can only be local if its top-level package is)."""
    source = _locate(top)
    if source is None:
        return False
    if source.file is not None:
        places = [source.file] if source.file.suffix == ".py" else []  # not an extension
    else:  # a namespace package: where its parts live
        places = [Path(folder) for folder in source.search or ()]
    installed = _installation_folders()
    return bool(places) and not any(
        place.resolve().is_relative_to(folder) for place in places for folder in installed
    )


@cache
def _installation_folders() -> tuple[Path, ...]:
    """The standard library and site-packages folders: what the environment hash covers."""
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    folders.update(site.getsitepackages())
    folders.add(site.getusersitepackages())
    return tuple(Path(folder).resolve() for folder in sorted(folders))


@cache
def _locate(name: str) -> _Source | None:
    """Find ``name``'s code without importing it (None when it is no module)."""
    module = sys.modules.get(name)
    loaded_file = getattr(module, "__file__", None)
    if loaded_file:  # imported already: the file it was loaded from
        search = getattr(module, "__path__", None)
        return _Source(Path(loaded_file), tuple(search) if search is not None else None)
    parent, _, _ = name.rpartition(".")
    if parent:
        parent_source = _locate(parent)
        if parent_source is None or parent_source.search is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, list(parent_source.search))
    else:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # ValueError: in sys.modules without a __spec__
            return None
    if spec is None:
        return None
    file = Path(spec.origin) if spec.has_location and spec.origin else None
    search = spec.submodule_search_locations
    return _Source(file, tuple(search) if search is not None else None)


@cache
def _direct_imports(name: str) -> tuple[str, ...]:
    """Every module name ``name``'s source may import when it runs (not all exist)."""
    source = _locate(name)
    if source is None or source.file is None or source.file.suffix != ".py":
        return ()
    tree = ast.parse(source.file.read_bytes(), filename=str(source.file))
    package = name if source.search is not None else name.rpartition(".")[0]
    return tuple(dict.fromkeys(_imports_in(tree.body, package=package)))


@cache
def _source_digest(name: str) -> str:
    source = _locate(name)
    if source is None or source.file is None:
        return ""  # a namespace package runs no code of its own
    return hashlib.sha256(source.file.read_bytes()).hexdigest()


def _imports_in(statements: list[ast.stmt], *, package: str) -> Iterator[str]:
    """The targets of ``import`` and ``from ... import`` among ``statements`` and in the
    blocks nested in them (function and class bodies too). Imports are statements, so
    expressions are never entered: that keeps a module's walk to a few hundred nodes."""
    for statement in statements:
        if isinstance(statement, ast.Import):
            yield from (alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            base = _absolute(statement.module, level=statement.level, package=package)
            if base is not None:
                yield base
                # ``from pkg import name``: name may be a submodule; the caller keeps it if so
                yield from (f"{base}.{a.name}" for a in statement.names if a.name != "*")
        elif isinstance(statement, ast.If) and _is_type_checking(statement.test):
            # Imports under ``if TYPE_CHECKING:`` exist for the type checker only: at run
            # time the block is skipped, so that code cannot change a step's outputs (and
            # following it would tie steps to modules they name only in annotations).
            # The ``else`` branch does run.
            yield from _imports_in(statement.orelse, package=package)
        else:
            for block in _blocks(statement):
                yield from _imports_in(block, package=package)


def _blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists nested directly in ``statement`` (bodies, branches, handlers, cases)."""
    for field in ("body", "orelse", "finalbody"):
        block = getattr(statement, field, None)
        if isinstance(block, list):
            yield block
    for clause in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
        yield clause.body


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _absolute(module: str | None, *, level: int, package: str) -> str | None:
    """The absolute name of ``from <level dots><module> import ...`` inside ``package``."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 >= len(parts):
        return None  # beyond the top-level package: the import would fail
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{module}" if module else base
