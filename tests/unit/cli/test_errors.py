from __future__ import annotations

import sys

import pytest

from textops import api, cli
from textops.errors import DataError


def test_error_line_keeps_brackets_and_has_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise DataError("file '[str]' has columns [text, label] and [/odd]", hint="see [docs]")

    monkeypatch.setattr(api, "run", refuse)
    monkeypatch.setattr(sys, "argv", ["textops", "run"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "file '[str]' has columns [text, label] and [/odd]" in err
    assert "fix: see [docs]" in err
    assert "Traceback" not in err
