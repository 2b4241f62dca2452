"""Where a check's debugger page goes: the parent names the file, the check writes it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

PAGE_ENV = "KUBELAB_LAB_PAGE"
"""Environment variable naming the HTML file a failing check writes its page to."""


REPLAY_ENV = "KUBELAB_LAB_REPLAY"
"""Environment variable holding the check's replay command (shown on its page)."""


def replay_hint() -> str:
    """The replay command of the running check, if the parent gave one."""
    return os.environ.get(REPLAY_ENV, "")


def default_debug_dir() -> Path:
    """Where pages go unless `--debug-dir` says otherwise."""
    return Path(tempfile.gettempdir()) / "kubelab-lab"


def save_page(data: dict[str, Any]) -> Path | None:
    """Write the debugger page for `data` where the parent asked (nothing when run by hand)."""
    target = os.environ.get(PAGE_ENV)
    if not target:
        return None
    from labs.debugger.page import write_debugger

    return write_debugger(data, Path(target))
