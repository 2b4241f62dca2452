"""The reference controllers (kube-controller-manager's): each a `Reconciler` over shared informers.

ReplicaSet and Deployment controllers live in `replicaset` and `deployment`; `manager` runs
them all under leader election as ``kube-controller-manager`` for `kubelab up`.
"""
