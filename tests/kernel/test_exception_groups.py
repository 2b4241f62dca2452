"""Unwrapping the exception groups nurseries raise: one error comes out as itself."""

from __future__ import annotations

import pytest
import trio

from kernel.exception_groups import first_leaf, lone_exception, unwrap_lone


def test_a_lone_error_is_found_through_nested_groups() -> None:
    error = KeyError("k")
    nested = BaseExceptionGroup("outer", [ExceptionGroup("inner", [error])])
    assert lone_exception(nested) is error
    assert unwrap_lone(nested) is error
    assert first_leaf(nested) is error


def test_a_plain_error_is_its_own_lone_error() -> None:
    error = ValueError("v")
    assert lone_exception(error) is error
    assert unwrap_lone(error) is error
    assert first_leaf(error) is error


def test_a_group_of_several_has_no_lone_error_but_a_first_leaf() -> None:
    a, b = ValueError("a"), KeyError("b")
    several = ExceptionGroup("outer", [ExceptionGroup("inner", [a, b])])
    assert lone_exception(several) is None
    assert unwrap_lone(several) is several
    assert first_leaf(several) is a


async def fail_in_a_nursery() -> None:
    async with trio.open_nursery(strict_exception_groups=True) as nursery:
        nursery.start_soon(trio.sleep_forever)
        raise LookupError("from the body")


async def test_a_nursery_error_unwraps_to_the_raised_one() -> None:
    with pytest.raises(BaseExceptionGroup) as info:
        await fail_in_a_nursery()
    assert isinstance(unwrap_lone(info.value), LookupError)


def test_one_level_unwrap_hands_back_a_group_the_caller_raised() -> None:
    theirs = ExceptionGroup("raised by the caller", [ValueError("v")])
    wrapped = BaseExceptionGroup("nursery", [theirs])
    assert lone_exception(wrapped, deep=False) is theirs
    assert (
        lone_exception(ExceptionGroup("n", [ValueError("a"), ValueError("b")]), deep=False) is None
    )
