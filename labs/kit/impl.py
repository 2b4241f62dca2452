"""Resolving `--impl`: "module:attr" on the path, or a student's folder holding the lab's module."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from labs.kit.lab import Lab


class ImplError(ValueError):
    """`--impl` does not name something importable; the message says what is missing."""


def resolve_impl(lab: Lab, impl: str | None) -> Any:
    """The factory `impl` names: None is the lab's reference; a folder is a student's work."""
    spec = lab.reference if impl is None else impl
    path = Path(spec)
    if path.is_dir():
        folder = path.resolve()
        if not (folder / f"{lab.impl_module}.py").is_file():
            raise ImplError(f"--impl {spec}: no {lab.impl_module}.py in that folder")
        sys.path.insert(0, str(folder))
        module_name, attr = lab.impl_module, lab.impl_attr
    else:
        module_name, sep, attr = spec.partition(":")
        if not sep or not module_name or not attr:
            raise ImplError(f"--impl {spec!r}: expected module:attr or a folder")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImplError(f"--impl {spec}: cannot import {module_name}: {exc}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImplError(f"--impl {spec}: {module_name} has no {attr}") from None
