from __future__ import annotations

import dataclasses
import importlib
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from textops.execution import codeversion
from textops.execution.cache import cache_key, code_modules, code_version
from textops.execution.records import RunRecord, StepRecord
from textops.pipeline.registry import resolve
from textops.steps.base import StepSpec

DEFAULT_KINDS = ("ingest", "profile", "validate", "clean", "sweep", "tune", "train")
TRAINING = "textops.models.training"


@pytest.fixture
def sources(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A throwaway folder on ``sys.path`` and a package name unique to the test."""
    package = f"cvpkg_{uuid.uuid4().hex[:8]}"
    sys.path.insert(0, str(tmp_path))
    codeversion.clear_caches()
    yield tmp_path, package
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith(package) or n.startswith("flat_")]:
        del sys.modules[name]
    codeversion.clear_caches()


def write(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))


def as_step(module: str, function: str = "run") -> StepSpec:
    """A real step spec whose function is ``module.function`` (the rest borrowed from clean)."""
    fn = getattr(importlib.import_module(module), function)
    return dataclasses.replace(resolve("clean"), fn=fn)


def versions_after_edit(
    specs: list[StepSpec], path: Path, addition: str
) -> tuple[list[str], list[str]]:
    """Code versions of ``specs`` before and after appending ``addition`` to ``path``."""
    before = [code_version(s) for s in specs]
    path.write_text(path.read_text() + addition)
    codeversion.clear_caches()
    return before, [code_version(s) for s in specs]


def write_two_steps(root: Path, package: str) -> None:
    """``first`` imports ``helper`` (inside its function, relatively); ``second`` does not."""
    write(root, f"{package}/__init__.py", "")
    write(root, f"{package}/helper.py", "def scale(x):\n    return 2 * x\n")
    write(root, f"{package}/unrelated.py", "VALUE = 1\n")
    write(root, f"{package}/first.py", """\
        import json

        def run(x):
            from .helper import scale
            return json.dumps(scale(x))
        """)
    write(root, f"{package}/second.py", "def run(x):\n    return x + 1\n")


def test_editing_a_helper_changes_only_the_steps_that_import_it(sources: tuple[Path, str]) -> None:
    root, package = sources
    write_two_steps(root, package)
    specs = [as_step(f"{package}.first"), as_step(f"{package}.second")]
    key_before = cache_key(step_name="a", spec=specs[0], params={}, inputs={}, environment_hash="e",
                           fingerprint=None)

    before, after = versions_after_edit(specs, root / package / "helper.py", "\nFACTOR = 3\n")

    assert after[0] != before[0]
    assert after[1] == before[1]
    assert cache_key(step_name="a", spec=specs[0], params={}, inputs={}, environment_hash="e",
                     fingerprint=None) != key_before


def test_editing_an_unrelated_module_changes_no_version(sources: tuple[Path, str]) -> None:
    root, package = sources
    write_two_steps(root, package)
    specs = [as_step(f"{package}.first"), as_step(f"{package}.second")]

    before, after = versions_after_edit(specs, root / package / "unrelated.py", "OTHER = 2\n")

    assert after == before


def test_closure_holds_the_step_its_imports_and_their_packages(sources: tuple[Path, str]) -> None:
    root, package = sources
    write_two_steps(root, package)

    assert code_modules(as_step(f"{package}.first")) == (
        package, f"{package}.first", f"{package}.helper"
    )
    assert code_modules(as_step(f"{package}.second")) == (package, f"{package}.second")
    assert codeversion.import_chain(f"{package}.first", f"{package}.helper") == (
        f"{package}.first", f"{package}.helper"
    )
    assert codeversion.import_chain(f"{package}.second", f"{package}.helper") is None


def test_from_package_import_finds_submodules_and_their_inits(sources: tuple[Path, str]) -> None:
    root, package = sources
    write(root, f"{package}/__init__.py", "")
    write(root, f"{package}/tools/__init__.py", "from .base import BASE\n")
    write(root, f"{package}/tools/base.py", "BASE = 1\n")
    write(root, f"{package}/tools/knife.py", "def cut(x):\n    return x\n")
    write(root, f"{package}/steps/__init__.py", "")
    write(root, f"{package}/steps/one.py", """\
        from ..tools import knife
        from ..tools.base import BASE

        def run(x):
            return knife.cut(x) + BASE
        """)

    assert code_modules(as_step(f"{package}.steps.one")) == (
        package, f"{package}.steps", f"{package}.steps.one",
        f"{package}.tools", f"{package}.tools.base", f"{package}.tools.knife",
    )


def test_type_checking_imports_are_left_out(sources: tuple[Path, str]) -> None:
    root, package = sources
    write(root, f"{package}/__init__.py", "")
    write(root, f"{package}/annotations_only.py", "class Shape:\n    pass\n")
    write(root, f"{package}/fallback.py", "X = 1\n")
    write(root, f"{package}/first.py", f"""\
        from __future__ import annotations
        import typing
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from {package}.annotations_only import Shape
        else:
            from {package} import fallback
        if typing.TYPE_CHECKING:
            import {package}.annotations_only

        def run(x: Shape) -> Shape:
            return x
        """)
    spec = as_step(f"{package}.first")

    assert code_modules(spec) == (package, f"{package}.fallback", f"{package}.first")
    before, after = versions_after_edit([spec], root / package / "annotations_only.py", "Y = 2\n")
    assert after == before


def test_a_flat_user_module_covers_its_local_imports_not_installed_ones(
    sources: tuple[Path, str],
) -> None:
    root, _ = sources
    suffix = uuid.uuid4().hex[:8]
    write(root, f"flat_helpers_{suffix}.py", "def tidy(x):\n    return x\n")
    write(root, f"flat_steps_{suffix}.py", f"""\
        import json
        import pydantic
        from flat_helpers_{suffix} import tidy

        def run(x):
            return tidy(x)
        """)

    assert code_modules(as_step(f"flat_steps_{suffix}")) == (
        f"flat_helpers_{suffix}", f"flat_steps_{suffix}"
    )


@pytest.mark.parametrize("kind", DEFAULT_KINDS)
def test_default_steps_do_not_depend_on_the_cli_or_api(kind: str) -> None:
    module = resolve(kind).fn.__module__
    for outside in ("textops.cli", "textops.api"):
        chain = codeversion.import_chain(module, outside)
        assert chain is None, f"{kind} runs {outside} through {' -> '.join(chain or ())}"


@pytest.mark.parametrize("kind", DEFAULT_KINDS)
def test_training_code_is_part_of_tune_and_train_only(kind: str) -> None:
    spec = resolve(kind)
    chain = codeversion.import_chain(spec.fn.__module__, TRAINING)
    if kind in ("tune", "train"):
        assert TRAINING in code_modules(spec)
    else:
        assert chain is None, f"{kind} runs the training code through {' -> '.join(chain or ())}"


def test_default_versions_carry_the_package_version_and_import_nothing() -> None:
    from textops import __version__

    specs = [resolve(kind) for kind in DEFAULT_KINDS]
    codeversion.clear_caches()
    loaded = set(sys.modules)

    versions = [code_version(spec) for spec in specs]

    assert set(sys.modules) == loaded
    assert all(v.startswith(f"{__version__}+") for v in versions)
    assert len(set(versions)) == len(versions)


def test_code_version_is_recorded_in_run_json_and_reporting_rows() -> None:
    step = StepRecord("train", "train", code_version="0.1.0+abc")
    record = RunRecord(run_id="r", started="now", config_hash="h", options={}, steps=[step])

    assert record.to_json()["steps"][0]["code_version"] == "0.1.0+abc"
    assert record.reporting_rows()[0]["code_version"] == "0.1.0+abc"


def test_a_namespace_package_outside_the_installation_is_local(sources: tuple[Path, str]) -> None:
    root, package = sources
    write(root, f"{package}_steps/one.py", f"""\
        from {package}_shared import tools

        def run(x):
            return tools.X * x
        """)
    write(root, f"{package}_shared/tools.py", "X = 1\n")

    assert code_modules(as_step(f"{package}_steps.one")) == (
        f"{package}_shared", f"{package}_shared.tools", f"{package}_steps", f"{package}_steps.one"
    )
