"""Every public name of fault_injection.checker exists and is documented in docs/checker.md."""

from __future__ import annotations

from pathlib import Path

import fault_injection.checker as checker

DOC = Path(__file__).resolve().parents[2] / "docs" / "checker.md"


def test_exports_exist_and_are_documented() -> None:
    text = DOC.read_text()
    for name in checker.__all__:
        assert hasattr(checker, name), name
        assert f"`{name}`" in text, f"{name} is exported but not documented in docs/checker.md"


def test_every_named_model_is_a_model() -> None:
    for name, factory in checker.MODELS.items():
        model = factory()
        assert isinstance(model, checker.Model)
        assert model.name == name
