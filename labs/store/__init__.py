"""Lab `store`: the MVCC Store contract (conformance kit, model test, seeded workload)."""
