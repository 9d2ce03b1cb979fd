"""Build one virtual environment per environment file's content, under a cache folder.

``environments.mode: isolated`` runs a step with the interpreter of the
environment built here. The folder is named after the file's content hash (and
the interpreter it is built on), so a changed file builds a new environment and
an unchanged one is reused at the cost of one ``stat``. ``uv`` builds it when
installed, else ``venv`` + pip.

The environment is layered on the driver's: a ``.pth`` file puts the driver's
site-packages and this textops after the environment's own, so only what the
file asks for and the driver lacks (or has at another version) is installed.
That keeps a build fast and working offline when the driver already has the
packages, while a pinned version the file asks for still wins inside the
environment. The ``conda`` entries pip can install (``numpy=1.26``) are
installed with pip; the conda-only ones (``cudatoolkit``, ``conda-forge::x``)
are refused by name, before anything is built.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from textops.envs.check import EnvironmentFile
from textops.errors import EnvironmentError_

__all__ = ["BuiltEnvironment", "build", "cache_folder", "environment_folder", "interpreter"]

#: conda packages with no pip distribution: system libraries, CUDA, compilers
CONDA_ONLY = frozenset({
    "cudatoolkit", "cuda-toolkit", "cudnn", "nccl", "mkl", "mkl-service", "libgcc", "libgcc-ng",
    "libstdcxx-ng", "openblas", "blas", "libblas", "gxx_linux-64", "gcc_linux-64", "cxx-compiler",
    "c-compiler", "r-base", "openjdk", "nodejs", "ffmpeg", "libopenblas", "pytorch-cuda",
})
_READY = ".textops-ready"


@dataclass(frozen=True)
class BuiltEnvironment:
    """A built environment: its folder, its interpreter, and how long getting it took."""

    name: str
    folder: Path
    python: Path
    seconds: float
    reused: bool


def cache_folder(configured: str | None = None) -> Path:
    """Where environments are built: the config's, ``$TEXTOPS_ENV_CACHE``, or the user cache."""
    chosen = configured or os.environ.get("TEXTOPS_ENV_CACHE")
    if chosen:
        return Path(chosen).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "textops" / "envs"


def interpreter(env: EnvironmentFile) -> Path:
    """The interpreter the environment's ``python`` pin asks for; refused when not installed."""
    if not env.python:
        return Path(sys.executable)
    from packaging.specifiers import SpecifierSet

    bare = env.python.removeprefix("=") if not env.python.startswith("==") else env.python
    spec = SpecifierSet(bare if bare[0] in "<>=!~" else f"=={bare}.*")
    running = ".".join(map(str, sys.version_info[:3]))
    if running in spec:
        return Path(sys.executable)
    wanted = re.match(r"[<>=!~]*\s*(\d+\.\d+)", bare)
    candidate = shutil.which(f"python{wanted.group(1)}") if wanted else None
    if candidate:
        version = subprocess.run(
            [candidate, "-c", "import platform; print(platform.python_version())"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()
        if version and version in spec:
            return Path(candidate)
    raise EnvironmentError_(
        f"environment '{env.name}' ({env.path}) pins python{env.python}, and no such "
        f"interpreter is installed (running {running})",
        hint=f"install it (uv python install {wanted.group(1) if wanted else bare}, or your "
        "system's python package), or change the pin",
    )


def environment_folder(env: EnvironmentFile, *, cache: Path) -> Path:
    """The folder of ``env``'s environment: its name, content hash and base interpreter."""
    base = interpreter(env)
    tag = f"py{sys.version_info.major}{sys.version_info.minor}" if base == Path(sys.executable) \
        else base.name.replace("python", "py").replace(".", "")
    return cache / f"{env.name}-{env.content_hash}-{tag}"


def pip_requirements(env: EnvironmentFile) -> list[str]:
    """The file's pip section plus its conda entries pip can install; refuses conda-only ones."""
    conda_only = [entry for entry in env.unchecked if _conda_name(entry) in CONDA_ONLY
                  or "::" in entry]
    if conda_only:
        raise EnvironmentError_(
            f"environment '{env.name}' ({env.path}) lists conda-only packages that pip cannot "
            f"install: {', '.join(conda_only)}",
            hint="isolated mode builds with pip: move them to the 'pip:' section under their "
            "PyPI names, drop them, or use environments.mode: current inside a conda env",
        )
    return [*(_as_pip(entry) for entry in env.unchecked), *env.requirements]


def _conda_name(entry: str) -> str:
    return re.split(r"[\s=<>!]", entry.split("::")[-1], maxsplit=1)[0].lower()


def _as_pip(entry: str) -> str:
    """A conda match spec as a pip requirement: ``numpy=1.26`` -> ``numpy==1.26.*``."""
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*=\s*([\w.*]+)", entry.strip())
    if match and not entry.strip().startswith(("==",)) and "==" not in entry:
        version = match.group(2)
        return f"{match.group(1)}=={version if '*' in version else version + '.*'}"
    return entry.strip()


def build(env: EnvironmentFile, *, cache: Path, rebuild: bool = False) -> BuiltEnvironment:
    """The environment of ``env``: reused when built before, else built now."""
    started = time.perf_counter()
    folder = environment_folder(env, cache=cache)
    python = folder / "bin" / "python"
    if (folder / _READY).is_file() and python.exists() and not rebuild:
        return BuiltEnvironment(env.name, folder, python, time.perf_counter() - started, True)
    requirements = pip_requirements(env)
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    _create(building, base=interpreter(env))
    _layer_on_driver(building)
    if requirements:
        _install(env, building, requirements)
    building.rename(folder)  # a half-built environment is never taken for a built one
    _fix_scripts(building, folder)
    (folder / _READY).write_text("\n".join(requirements) + "\n")
    return BuiltEnvironment(env.name, folder, python, time.perf_counter() - started, False)


def _create(folder: Path, *, base: Path) -> None:
    uv = shutil.which("uv")
    command = [uv, "venv", "--quiet", "--python", str(base), str(folder)] if uv else \
        [str(base), "-m", "venv", "--without-pip", str(folder)]
    _run(command, what="create the virtual environment")


def _layer_on_driver(folder: Path) -> None:
    """A ``.pth`` file: the driver's site-packages and this textops, after the env's own."""
    import textops

    own = Path(sysconfig.get_path("purelib", vars={"base": str(folder), "platbase": str(folder)}))
    own.mkdir(parents=True, exist_ok=True)
    paths = [str(Path(textops.__file__).resolve().parents[1]),
             sysconfig.get_path("purelib"), sysconfig.get_path("platlib")]
    (own / "_textops_driver.pth").write_text("\n".join(dict.fromkeys(paths)) + "\n")


def _install(env: EnvironmentFile, folder: Path, requirements: list[str]) -> None:
    python = folder / "bin" / "python"
    uv = shutil.which("uv")
    if uv:
        command = [uv, "pip", "install", "--quiet", "--python", str(python), *requirements]
    else:  # the driver's pip, installing into the new environment
        command = [sys.executable, "-m", "pip", "--python", str(python), "install",
                   "--quiet", "--disable-pip-version-check", *requirements]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise EnvironmentError_(
            f"environment '{env.name}' ({env.path}) cannot be built: pip failed: "
            f"{summarise_pip_error(result.stderr + result.stdout)}",
            hint="fix the package names or versions in the file (pip's full output: "
            f"{' '.join(command[:3])} install ... by hand)",
        )


def summarise_pip_error(output: str) -> str:
    """The lines of pip's output that say what went wrong, joined on one line."""
    lines = [line.strip() for line in output.splitlines()
             if line.strip().startswith(("ERROR", "error:", "×", "╰─▶")) or "No matching" in line]
    text = " ".join(lines or [line.strip() for line in output.splitlines() if line.strip()][-3:])
    return text[:600]


def _fix_scripts(old: Path, new: Path) -> None:
    """``venv`` writes its own path into ``pyvenv.cfg`` and scripts: point them at ``new``."""
    for path in [new / "pyvenv.cfg", *(new / "bin").glob("*")]:
        if path.is_file() and not path.is_symlink():
            try:
                text = path.read_text()
            except UnicodeDecodeError:
                continue
            if str(old) in text:
                path.write_text(text.replace(str(old), str(new)))


def _run(command: list[str], *, what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EnvironmentError_(
            f"cannot {what}: {' '.join(command)} failed: {result.stderr.strip()[-400:]}",
            hint="check that the interpreter has the venv module (apt-get install python3-venv)",
        )
