"""The memory store agrees with the sequential model of the contract on random request sequences."""

from __future__ import annotations

from components.store.memory import open_memory_store
from kernel.conformance.store_model import store_model_machine

TestMemoryStoreAgainstModel = store_model_machine(open_memory_store).TestCase
