"""Pure Raft consensus core: no I/O, no clock, no global randomness."""
