"""The child process that runs one check: ``python -m labs.kit.child LAB CHECK IMPL SEED``.

Prints one line, `RESULT_MARK` followed by JSON (outcome, message, trace digest), last on
stdout. The parent kills it when its budget runs out, so a busy loop costs one check only.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
import traceback
from typing import Any

from kernel.exception_groups import first_leaf

RESULT_MARK = "@@kubelab-lab-result@@ "


def run(lab_name: str, check_name: str, impl: str, seed: int) -> dict[str, Any]:
    """Run the check in this process; return the result record."""
    from labs.kit.impl import ImplError, resolve_impl
    from labs.registry import get_lab

    lab = get_lab(lab_name)
    check = lab.check(check_name)
    try:
        factory = resolve_impl(lab, None if impl == "-" else impl)
    except ImplError as exc:
        return {"outcome": "error", "message": str(exc), "digest": ""}
    module_name, _, attr = check.target.partition(":")
    fn = getattr(importlib.import_module(module_name), attr)
    try:
        trace = fn(factory, seed)
    except Exception as raised:  # a crash in student code is that check's failure, shown in full
        exc = first_leaf(raised)
        if isinstance(exc, NotImplementedError):
            message = f"not implemented yet: {exc}"
        elif isinstance(exc, AssertionError):
            message = str(exc) or type(exc).__name__
        else:
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
            message = "".join(tb[-6:]).strip()
        return {"outcome": "fail", "message": message, "digest": ""}
    digest = hashlib.sha256("\n".join(trace).encode()).hexdigest()
    return {"outcome": "pass", "message": "", "digest": digest}


def main(argv: list[str]) -> int:
    """Entry point of the child."""
    lab_name, check_name, impl, seed = argv
    record = run(lab_name, check_name, impl, int(seed))
    sys.stdout.flush()
    print(RESULT_MARK + json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
