"""A tree of random generators derived from one seed, one per named component.

Why: if every component drew from one shared generator, adding a message in one place would
shift every later draw everywhere. `RngTree` now lives in the kernel (`kernel.env.RngTree`) so
real and simulated runs derive the same named streams; it is re-exported here.
"""

from __future__ import annotations

from kernel.env import RngTree

__all__ = ["RngTree"]
