"""`report.html`: operations and figures read as compact JSON-ish text, not Python reprs."""

from __future__ import annotations

import re

import pytest

from fault_injection.chaos import ChaosConfig, run_chaos
from fault_injection.chaos.report import compact, operation_text, render_report
from fault_injection.checker import UNKNOWN, Operation, Outcome


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ([1, 3], "[1, 3]"),
        ((1, 3), "[1, 3]"),
        ({"k": 1, "v": [None, True]}, '{"k": 1, "v": [null, true]}'),
        (None, "null"),
        (False, "false"),
        ("prose stays", "prose stays"),
        ({"s": frozenset({2, 1})}, '{"s": [1, 2]}'),
        ({"é": "ü"}, '{"é": "ü"}'),
        (UNKNOWN, "?"),
    ],
)
def test_compact_is_json_ish(value: object, text: str) -> None:
    assert compact(value) == text


def op(f: str, value: object, output: object, outcome: Outcome) -> Operation:
    return Operation(0, 1, f, value, output, 0.0, 1.0, outcome)


def test_operation_text_shows_input_and_a_known_output_only() -> None:
    assert operation_text(op("cas", [1, 3], True, Outcome.OK)) == "cas [1, 3] -> true"
    assert operation_text(op("read", None, None, Outcome.OK)) == "read -> null"
    assert operation_text(op("put", {"k": 1}, UNKNOWN, Outcome.INFO)) == 'put {"k": 1}'
    assert operation_text(op("write", 2, None, Outcome.FAIL)) == "write 2"


def test_the_page_carries_no_python_reprs() -> None:
    page = render_report(run_chaos(ChaosConfig(store="unsafe", workload="cas", duration=3, seed=0)))
    tips = re.findall(r"<title>(#\d+ [^<]*)</title>", page)
    assert tips, "no operation tooltips"
    assert any(re.match(r"#\d+ cas \[\d+, \d+\] ", t) for t in tips)
    for needle in ("None", "True", "False", "(None)", "&#x27;"):
        assert needle not in page
    assert "<td>{&quot;ok&quot;: " in page  # the operations row is JSON-ish
