"""The workloads: which operations clients issue, with which model the history is checked.

| name | operations | model |
| --- | --- | --- |
| `register` | read / write of one key | `RegisterModel` |
| `cas` | read / write / cas of one key | `CasRegisterModel` |
| `lin-kv` | read / write / cas over a few keys (Maelstrom's lin-kv) | `KeyedCasRegisterModel` |
| `kv` | get / put of string values over a few keys | `KvModel` |
| `store` | get / put / delete over a few keys (the Store contract's range/put/delete) | `KvModel` |
"""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from fault_injection.checker import CasRegisterModel, KvModel, Model, RegisterModel
from fault_injection.workloads.keyed import KeyedCasRegisterModel
from fault_injection.workloads.operations import OpSpec

_REGISTER_KEY = "r"


@attrs.frozen
class Workload:
    """A named operation mix: `generate` draws the next op, `final_reads` reads every key."""

    name: str
    model: Callable[[], Model]
    """Builds the checker model for the history."""
    generate: Callable[[random.Random], OpSpec]
    final_reads: Callable[[], list[OpSpec]]
    history_model: str
    """The model name written in the history file's header."""
    needs_delete: bool = False
    """True when nodes must support Maelstrom-style ``delete`` (Store-backed nodes only)."""


def _reg_read() -> OpSpec:
    return OpSpec("read", None, {"type": "read", "key": _REGISTER_KEY}, reads=True)


def _register(rng: random.Random, *, cas: bool) -> OpSpec:
    roll = rng.random()
    if roll < 0.5:
        return _reg_read()
    value = rng.randrange(5)
    if cas and roll < 0.75:
        frm = rng.randrange(5)
        body = {"type": "cas", "key": _REGISTER_KEY, "from": frm, "to": value}
        return OpSpec("cas", [frm, value], body)
    return OpSpec("write", value, {"type": "write", "key": _REGISTER_KEY, "value": value})


_LIN_KEYS = 3


def _lin_read(key: int) -> OpSpec:
    return OpSpec("read", {"key": key}, {"type": "read", "key": key}, reads=True)


def _lin_kv(rng: random.Random) -> OpSpec:
    key = rng.randrange(_LIN_KEYS)
    roll = rng.random()
    if roll < 0.5:
        return _lin_read(key)
    value = rng.randrange(5)
    if roll < 0.75:
        frm = rng.randrange(5)
        return OpSpec(
            "cas",
            {"key": key, "from": frm, "to": value},
            {"type": "cas", "key": key, "from": frm, "to": value},
        )
    return OpSpec(
        "write", {"key": key, "value": value}, {"type": "write", "key": key, "value": value}
    )


_KV_KEYS = ("k0", "k1", "k2")


def _kv_get(key: str) -> OpSpec:
    return OpSpec("get", {"key": key}, {"type": "read", "key": key}, reads=True, missing="")


def _kv(rng: random.Random, *, delete: bool) -> OpSpec:
    key = rng.choice(_KV_KEYS)
    roll = rng.random()
    if roll < 0.5:
        return _kv_get(key)
    if delete and roll < 0.6:
        return OpSpec("delete", {"key": key}, {"type": "delete", "key": key})
    value = f"v{rng.randrange(100)}"
    return OpSpec(
        "put", {"key": key, "value": value}, {"type": "write", "key": key, "value": value}
    )


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "register",
            RegisterModel,
            lambda rng: _register(rng, cas=False),
            lambda: [_reg_read()],
            "register",
        ),
        Workload(
            "cas",
            CasRegisterModel,
            lambda rng: _register(rng, cas=True),
            lambda: [_reg_read()],
            "cas-register",
        ),
        Workload(
            "lin-kv",
            KeyedCasRegisterModel,
            _lin_kv,
            lambda: [_lin_read(k) for k in range(_LIN_KEYS)],
            "lin-kv",
        ),
        Workload(
            "kv",
            KvModel,
            lambda rng: _kv(rng, delete=False),
            lambda: [_kv_get(k) for k in _KV_KEYS],
            "kv",
        ),
        Workload(
            "store",
            KvModel,
            lambda rng: _kv(rng, delete=True),
            lambda: [_kv_get(k) for k in _KV_KEYS],
            "kv",
            needs_delete=True,
        ),
    )
}
"""Every workload by name."""


class WorkloadError(ValueError):
    """An unknown workload name; the message lists the valid ones."""


def workload(name: str) -> Workload:
    """The workload called `name` (`WorkloadError` listing the names otherwise)."""
    try:
        return WORKLOADS[name]
    except KeyError:
        raise WorkloadError(
            f"unknown workload {name!r}; choose one of {', '.join(WORKLOADS)}"
        ) from None
