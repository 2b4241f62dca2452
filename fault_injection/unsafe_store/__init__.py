"""A deliberately unsafe replicated store: the harness must catch it (see `primary_backup`)."""

from __future__ import annotations

from fault_injection.unsafe_store.primary_backup import PrimaryBackupSystem

__all__ = ["PrimaryBackupSystem"]
