"""Linearizability checker: histories, models, the search, importers and reports.

Porcupine-class (Wing & Gong search with Lowe's just-in-time linearization and a memo of
visited `(linearized set, state)` pairs), pure Python. See `docs/checker.md`.
"""

from fault_injection.checker._check import check, check_partition, replay
from fault_injection.checker._history import (
    UNKNOWN,
    Annotation,
    History,
    HistoryError,
    Operation,
    Outcome,
    history_from_events,
    make_history,
)
from fault_injection.checker._importers import load_history, read_edn_kv, read_jepsen
from fault_injection.checker._jsonl import HistoryWriter, read_jsonl, write_history
from fault_injection.checker._kv import KvModel
from fault_injection.checker._model import Model, NondeterministicModel, freeze
from fault_injection.checker._models import MODELS, model_named
from fault_injection.checker._queue import QueueModel
from fault_injection.checker._register import CasRegisterModel, RegisterModel
from fault_injection.checker._report_html import render_html, write_html
from fault_injection.checker._result import CheckResult, PartitionResult, Verdict
from fault_injection.checker._set import SetModel
from fault_injection.checker._store import StoreModel

__all__ = [
    "MODELS",
    "UNKNOWN",
    "Annotation",
    "CasRegisterModel",
    "CheckResult",
    "History",
    "HistoryError",
    "HistoryWriter",
    "KvModel",
    "Model",
    "NondeterministicModel",
    "Operation",
    "Outcome",
    "PartitionResult",
    "QueueModel",
    "RegisterModel",
    "SetModel",
    "StoreModel",
    "Verdict",
    "check",
    "check_partition",
    "freeze",
    "history_from_events",
    "load_history",
    "make_history",
    "model_named",
    "read_edn_kv",
    "read_jepsen",
    "read_jsonl",
    "render_html",
    "replay",
    "write_history",
    "write_html",
]
