"""Running `kubelab` in-process for CLI tests, and what every user mistake must look like."""

from __future__ import annotations

import pytest

from kernel.cli.app import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``kubelab ARGV``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_mistake(result: tuple[int, str, str], needle: str, code: int = 2) -> None:
    """Nothing on stdout, one ``kubelab: ...`` line on stderr naming `needle`, exit `code`.

    2 is a mistake caught before any request (bad flag, unknown type), 1 one the server found.
    """
    got, out, err = result
    assert (got, out) == (code, ""), err
    assert err.count("\n") == 1
    assert err.startswith("kubelab: ")
    assert needle in err
