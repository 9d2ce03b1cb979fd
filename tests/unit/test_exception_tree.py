"""The exception tree drawn in errors.py's docstring is the real one."""

from __future__ import annotations

import re

from textops import errors


def _drawn() -> dict[str, tuple[int, int | None]]:
    """name -> (depth in the drawing, exit code written beside it)."""
    doc = errors.__doc__ or ""
    drawn = {}
    for line in doc.splitlines():
        match = re.match(r"^ {4}((?:[│ ] {3})*)(?:[├└]── )?(\w+)\s+(?:exit (\d))?", line)
        if match and match.group(2)[0].isupper():
            depth = len(match.group(1)) // 4 + (1 if "──" in line else 0)
            code = int(match.group(3)) if match.group(3) else None
            drawn[match.group(2)] = (depth, code)
    return drawn


def test_every_error_is_drawn_under_its_parent_with_its_exit_code() -> None:
    classes = {
        name: cls
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, errors.TextopsError)
    }
    drawn = _drawn()
    assert set(drawn) == set(classes)
    for name, cls in classes.items():
        depth, code = drawn[name]
        assert depth == len(cls.__mro__) - 4, name  # TextopsError, Exception, BaseException, object
        if code is not None:
            assert code == cls.exit_code, name
        elif cls.exit_code != 1:
            assert cls.exit_code == cls.__mro__[1].exit_code, f"{name}: draw its exit code"
