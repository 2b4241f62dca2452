"""The Raft store's real host: TCP peers and clients, a directory disk, the wire codec.

`TcpHost` implements `kernel.hosting.NodeHost` so the member program runs as a process
(`kubelab store serve`); see the "Real mode" section of docs/store.md.
"""

from components.store.raft.real.disk import DirectoryDisk
from components.store.raft.real.host import TcpHost
from components.store.raft.real.wire import WireError

__all__ = ["DirectoryDisk", "TcpHost", "WireError"]
