"""The Raft-replicated store.

A pure Raft core (``core``), client sessions (``sessions``) and an in-process replicated
Store (``open_raft_store``, the ``raft`` entry of ``kubelab.store``).
"""

from components.store.raft.replicated import RaftStore, open_raft_store

__all__ = ["RaftStore", "open_raft_store"]
