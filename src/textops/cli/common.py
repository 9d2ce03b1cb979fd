"""What every command module shares: the app, its sub-apps, the consoles and the global options.

``--config/-c`` and ``--set/-s`` are accepted before the command (``textops -s k=v
run``) and after it (``textops run -s k=v``, ``textops datasets list -c x.yaml``).
Command modules do nothing for this: :func:`add_config_options`, called once in
``textops.cli`` after every module is imported, gives each registered command
(of :data:`app` and of every sub-app) the pair. A command reads the combined
values with :func:`config_args`: the global ``--set`` first, then the command's,
so a later one wins; ``--config`` may be given in one place only. A command that
already has a flag spelled ``--config``, ``-c``, ``--set`` or ``-s`` keeps its
own (``watch --settle/-s`` gets ``--set`` without ``-s``).
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from textops.errors import ConfigError

app = typer.Typer(
    help="textops: raw labelled text to a registered, served, monitored model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
datasets_app = typer.Typer(help="Dataset versions in the store.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")
models_app = typer.Typer(help="Registered models and the champion alias.", no_args_is_help=True)
app.add_typer(models_app, name="models")
baseline_app = typer.Typer(help="The curated baseline profile.", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")

console = Console()
err_console = Console(stderr=True)
_state: dict[str, Any] = {"config": None, "overrides": [], "debug": False}

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Pipeline definition (default ./textops.yaml)."),
]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", "-s", help="Override a key: --set data.split.seed=7.")
]


@app.callback()
def _global(
    config: ConfigOption = None,
    set_: SetOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    _state.update(config=config, overrides=list(set_ or []), debug=debug)


def config_args() -> tuple[Path | None, list[str]]:
    """The definition file and the ``--set`` overrides, from before and after the command."""
    return _state["config"], _state["overrides"]


# the pair's parameter names in a command's signature (unlike any a command uses): type, flags, help
_OWN: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "textops_config_": (
        Path | None, ("--config", "-c"), "Pipeline definition (default ./textops.yaml)."
    ),
    "textops_set_": (list[str] | None, ("--set", "-s"), "Override a key: --set data.split.seed=7."),
}


def add_config_options(group: typer.Typer) -> None:
    """Give every command of ``group`` and of its sub-apps ``--config/-c`` and ``--set/-s``."""
    for info in group.registered_commands:
        if info.callback is not None and not hasattr(info.callback, "_textops_options"):
            info.callback = _with_config_options(info.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            add_config_options(sub.typer_instance)


def _with_config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with the pair as keyword-only options that fold into :func:`config_args`."""
    signature = inspect.signature(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    taken = {
        flag for p in signature.parameters.values()
        for flag in _flags(hints.get(p.name), p.default)
    }
    extra = [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=None,
            annotation=Annotated[kind, typer.Option(*free, help=text)],
        )
        for name, (kind, flags, text) in _OWN.items()
        if (free := [flag for flag in flags if flag not in taken])
    ]
    if not extra:
        return fn

    @functools.wraps(fn)
    def command(*args: Any, **kwargs: Any) -> Any:
        config = kwargs.pop("textops_config_", None)
        overrides = kwargs.pop("textops_set_", None)
        if config is not None:
            if _state["config"] is not None and _state["config"] != config:
                raise ConfigError(
                    f"--config is given twice: '{_state['config']}' before the command and "
                    f"'{config}' after it",
                    hint="give --config once",
                )
            _state["config"] = config
        _state["overrides"] = [*_state["overrides"], *(overrides or [])]
        return fn(*args, **kwargs)

    own = [p.replace(annotation=hints.get(p.name, p.annotation))  # resolved: Typer reads them
           for p in signature.parameters.values()]
    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *extra]
    )
    command.__annotations__ = {p.name: p.annotation for p in [*own, *extra]}
    command._textops_options = True  # type: ignore[attr-defined]
    return command


def _flags(annotation: Any, default: Any) -> list[str]:
    """The flags a parameter declares, in ``Annotated[..., typer.Option(...)]`` or its default."""
    flags: list[str] = []
    for meta in [*getattr(annotation, "__metadata__", ()), default]:
        flags.extend(str(f) for f in getattr(meta, "param_decls", None) or ())
    return flags
