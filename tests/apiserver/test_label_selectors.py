"""Label selector parsing: which keys and values the API server accepts, and its messages."""

from __future__ import annotations

import pytest

from kernel.api.errors import BadRequest
from kernel.api.selectors import LabelRequirement, parse_label_selector


@pytest.mark.parametrize(
    ("text", "requirements"),
    [
        ("app=web", [LabelRequirement("app", "=", ("web",))]),
        ("app.kubernetes.io/name==x", [LabelRequirement("app.kubernetes.io/name", "=", ("x",))]),
        ("A_b.c-D!=", [LabelRequirement("A_b.c-D", "!=", ("",))]),
        (
            "!tier, env in (a, b_2,)",
            [
                LabelRequirement("tier", "!exists"),
                LabelRequirement("env", "in", ("a", "b_2", "")),
            ],
        ),
        ("k" * 63, [LabelRequirement("k" * 63, "exists")]),
        (f"a={'v' * 63}", [LabelRequirement("a", "=", ("v" * 63,))]),
    ],
)
def test_valid_selectors_parse(text: str, requirements: list[LabelRequirement]) -> None:
    assert list(parse_label_selector(text).requirements) == requirements


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("-app=web", "invalid label key '-app'"),
        ("k" * 64, "must be no more than 63 characters"),
        ("Example.com/app=x", "invalid label key 'Example.com/app'"),
        ("/app=x", "prefix part must be non-empty"),
        ("a/b/c=x", "invalid label key 'a/b/c'"),
        ("app=-web", "invalid label value '-web'"),
        (f"app={'v' * 64}", "must be no more than 63 characters"),
        ("app in (ok, bad.)", "invalid label value 'bad.'"),
    ],
)
def test_invalid_keys_and_values_are_bad_requests_naming_them(text: str, needle: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_label_selector(text)
    message = caught.value.message
    assert message.startswith("unable to parse requirement: ")
    assert needle in message
    assert message.endswith(f"(in label selector {text!r})")
