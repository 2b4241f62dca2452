"""Patches are bounded in work and output: refused with 413/422 before the result is built."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.apiserver.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
)
from components.apiserver.patch_limits import MAX_PATCHED_BYTES, PatchTooLarge, json_size
from kernel.api.errors import Invalid

BIG = "x" * (MAX_PATCHED_BYTES // 2 + 10)


@pytest.mark.parametrize("patch_type", [MERGE_PATCH, STRATEGIC_MERGE_PATCH])
def test_merge_patch_result_past_the_limit_is_413(patch_type: str) -> None:
    with pytest.raises(PatchTooLarge):
        apply_patch(patch_type, {"kind": "Pod", "a": BIG}, {"b": BIG})


def test_merge_patch_under_the_limit_applies() -> None:
    assert apply_patch(MERGE_PATCH, {"a": BIG}, {"b": "y"}) == {"a": BIG, "b": "y"}


def test_json_patch_self_copies_stop_at_the_budget() -> None:
    ops = [{"op": "copy", "from": "/spec", "path": f"/spec/a{n}"} for n in range(40)]
    with pytest.raises(PatchTooLarge):
        apply_patch(JSON_PATCH, {"spec": {"x": "y" * 100}}, ops)


def test_json_patch_few_self_copies_apply() -> None:
    ops = [{"op": "copy", "from": "/spec", "path": f"/spec/a{n}"} for n in range(3)]
    out = apply_patch(JSON_PATCH, {"spec": {"x": 1}}, ops)
    assert len(out["spec"]) == 4


def test_json_patch_operation_count_is_capped() -> None:
    with pytest.raises(Invalid):
        apply_patch(JSON_PATCH, {"a": 1}, [{"op": "test", "path": "/a", "value": 1}] * 10_001)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=30,
    )
)
def test_json_size_is_at_least_the_item_count(value: object) -> None:
    import json

    assert json_size(value) >= len(json.dumps(value, ensure_ascii=False)) // 4
