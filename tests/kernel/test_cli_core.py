"""`kubelab version` and `kubelab config ...`: exit codes, and one line on stderr per mistake."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from kernel.cli.app import main
from kernel.config import DEFAULT_CONFIG_TOML, parse_config


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "version")
    assert (code, out, err) == (0, f"kubelab {version('kubelab')}\n", "")


def test_validate_default_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(DEFAULT_CONFIG_TOML)
    code, out, err = run(capsys, "config", "validate", str(path))
    assert code == 0
    assert err == ""
    assert out.splitlines() == [
        f"{path}: cluster kubelab: services 127.96.0.0/12, pods 127.128.0.0/9, "
        "domain cluster.local",
        "  store      memory (components.store.memory:open_memory_store): implements Store",
    ]


def test_validate_reports_each_bad_part_on_its_own_line(
    tmp_path: Path, samples: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(
        f'[store]\nimplementation = "{samples}:open_half_store"\n'
        f'[scheduler]\nimplementation = "nope"\n'
        f'[proxy]\nimplementation = "{samples}:make_scheduler"\n'
    )
    code, out, err = run(capsys, "config", "validate", str(path))
    assert code == 1
    assert err.splitlines() == [
        f'kubelab: {path}: store "{samples}:open_half_store" does not implement Store: '
        'missing method "compact"',
        f'kubelab: {path}: unknown scheduler implementation "nope" (none is installed; code '
        'outside kubelab is named as "module:attribute")',
        f'kubelab: {path}: proxy "{samples}:make_scheduler" does not implement Proxy: missing '
        'methods "sync", "table", "select_backend", "connection_opened" and '
        '"connection_closed"',
    ]
    assert "FAILED" in out


def test_validate_passes_a_good_outside_implementation_with_options(
    tmp_path: Path, samples: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(
        f'[scheduler]\nimplementation = "{samples}:GoodScheduler"\n'
        "[scheduler.options]\nweight = 3\n"
        f'[store]\nimplementation = "{samples}:open_unknown_store"\n'
    )
    code, out, err = run(capsys, "config", "validate", str(path))
    assert (code, err) == (0, "")
    assert f"  scheduler  {samples}:GoodScheduler: implements Scheduler" in out.splitlines()
    assert (
        f"  store      {samples}:open_unknown_store: loads (its product is checked when it "
        "starts)" in out.splitlines()
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[store\n",
            "{path}, line 1, column 7: invalid TOML: Expected ']' at the end of a "
            "table declaration",
        ),
        (
            '[store]\nimplementaton = "memory"\n',
            '{path}: unknown key "store.implementaton" (known keys in [store]: implementation, '
            "options)",
        ),
    ],
)
def test_unreadable_config_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(text)
    code, out, err = run(capsys, "config", "validate", str(path))
    assert code != 0
    assert out == ""
    assert err == "kubelab: " + expected.format(path=path) + "\n"


def test_missing_config_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "absent.toml"
    code, out, err = run(capsys, "config", "validate", str(path))
    assert code == 2
    assert (out, err) == ("", f"kubelab: config file {path} does not exist\n")


def test_validate_without_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "config", "validate")
    assert code != 0
    assert len(err.splitlines()) == 1
    assert err.startswith("kubelab: ")
    assert "FILE" in err


def test_config_default_prints_the_embedded_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "config", "default")
    assert (code, err) == (0, "")
    assert out == DEFAULT_CONFIG_TOML
    assert parse_config(out).parts()["store"].implementation == "memory"
