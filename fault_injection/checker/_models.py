"""The built-in models by name, as `kubelab check --model NAME` and history headers name them."""

from __future__ import annotations

from collections.abc import Callable

from fault_injection.checker._kv import KvModel
from fault_injection.checker._model import Model
from fault_injection.checker._queue import QueueModel
from fault_injection.checker._register import CasRegisterModel, RegisterModel
from fault_injection.checker._set import SetModel
from fault_injection.checker._store import StoreModel

MODELS: dict[str, Callable[[], Model]] = {
    "register": RegisterModel,
    "cas-register": CasRegisterModel,
    "kv": KvModel,
    "queue": QueueModel,
    "set": SetModel,
    "store": StoreModel,
}


def model_named(name: str) -> Model:
    """A fresh model for `name`; `KeyError` lists the known names."""
    try:
        return MODELS[name]()
    except KeyError:
        raise KeyError(f"unknown model {name!r} (known: {', '.join(sorted(MODELS))})") from None
