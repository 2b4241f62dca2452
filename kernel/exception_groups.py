"""Getting the one real error out of the `ExceptionGroup`s that trio nurseries raise.

A nursery wraps whatever its body or tasks raise in a group, even when only one thing
failed; callers that promise "the error comes out as itself" (a store factory, a CLI that
prints one line) unwrap it here rather than each writing the loop again.
"""

from __future__ import annotations


def lone_exception(error: BaseException, *, deep: bool = True) -> BaseException | None:
    """The single exception inside `error` (through nested groups of one), else None.

    A non-group is its own lone exception; a group that holds two or more at any level has
    none (picking one would hide the others). ``deep=False`` opens one group only: what a
    context manager's nursery wrapped around its block's exception, which may itself be a
    group the caller raised and expects back.
    """
    while isinstance(error, BaseExceptionGroup):
        if len(error.exceptions) != 1:
            return None
        error = error.exceptions[0]
        if not deep:
            break
    return error


def unwrap_lone(error: BaseException) -> BaseException:
    """`error`'s lone exception if it has one (see `lone_exception`), else `error` itself."""
    lone = lone_exception(error)
    return error if lone is None else lone


def first_leaf(error: BaseException) -> BaseException:
    """The first non-group exception in `error` (depth first), for a one-line report."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


__all__ = ["first_leaf", "lone_exception", "unwrap_lone"]
