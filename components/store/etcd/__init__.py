"""The Store contract on a real etcd cluster (v3 API through etcd's JSON gateway).

`open_etcd_store(endpoints)` opens a store on running etcd members; `open_local_etcd(n)` starts
throwaway members on loopback (tests, benchmarks, `kubelab up --store etcd`). See the
"etcd backend" section of docs/store.md.
"""

from __future__ import annotations

from components.store.etcd._store import EtcdStore, open_etcd_store
from components.store.etcd.local import (
    LocalEtcd,
    LocalEtcdError,
    LocalEtcdMember,
    find_etcd_binary,
    open_local_etcd,
)

__all__ = [
    "EtcdStore",
    "LocalEtcd",
    "LocalEtcdError",
    "LocalEtcdMember",
    "find_etcd_binary",
    "open_etcd_store",
    "open_local_etcd",
]
