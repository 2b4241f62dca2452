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
from fault_injection.checker._jsonl import HistoryWriter, read_jsonl, write_history
from fault_injection.checker._kv import KvModel
from fault_injection.checker._model import Model, NondeterministicModel, freeze
from fault_injection.checker._register import CasRegisterModel, RegisterModel
from fault_injection.checker._result import CheckResult, PartitionResult, Verdict

__all__ = [
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
    "RegisterModel",
    "Verdict",
    "check",
    "check_partition",
    "freeze",
    "history_from_events",
    "make_history",
    "read_jsonl",
    "replay",
    "write_history",
]
