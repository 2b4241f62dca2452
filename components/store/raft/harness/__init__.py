"""The scenario harness for the pure Raft core: a driven in-memory cluster, scripts, chaos.

* ``cluster.Cluster``: nodes, an in-flight message list, faults, and the paper's safety
  checks at every step (election safety, state machine safety, leader completeness).
* ``script.Interpreter``: etcd-style scripted scenarios with golden output.
* ``chaos.run_seed``: one seeded randomized run (loss, duplication, reordering,
  partitions, crashes, compaction), then liveness checks on a healed network.
* ``contract.RaftNode``: what a node must offer to be driven (the reference ``RawNode``
  or a student's node in the Raft labs).

Pure Python over the pure core: no I/O, no clock, no trio. One seed replays a run.
"""
