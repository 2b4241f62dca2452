"""Any-language nodes: Maelstrom's stdin/stdout protocol under kubelab's simulated world.

See `docs/fault-injection.md` (Any-language nodes) and `docs/examples/maelstrom_lin_kv.py`.
"""

from __future__ import annotations

from fault_injection.maelstrom.bin_node import BinNodeError, BinSystem
from fault_injection.maelstrom.protocol import ProtocolError, decode, encode, error_body
from kernel.maelstrom_codes import ERROR_CODES, ErrorCode, error_name, is_definite

__all__ = [
    "ERROR_CODES",
    "BinNodeError",
    "BinSystem",
    "ErrorCode",
    "ProtocolError",
    "decode",
    "encode",
    "error_body",
    "error_name",
    "is_definite",
]
