"""The README's quickstart is the two commands CI runs, and its links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def quickstart_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quickstart", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "README quickstart has no ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_is_exactly_two_commands() -> None:
    commands = quickstart_commands()
    assert len(commands) == 2
    assert commands[0] == "python3 -m pip install -e . && kubelab up"


def test_quickstart_test_command_is_what_ci_runs() -> None:
    ci_lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert quickstart_commands()[1] == ci_lines[-1]


def test_readme_and_doc_links_point_at_existing_files() -> None:
    pages = [ROOT / "README.md", ROOT / "docs" / "architecture.md"]
    pages += sorted((ROOT / "docs" / "interfaces").glob("*.md"))
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#]+)\)", page.read_text()):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_store_page_names_what_the_kits_export() -> None:
    """Every kernel.conformance name the store handout tells students to use exists."""
    import kernel.conformance.store as kit
    import kernel.conformance.store_model as model

    text = (ROOT / "docs" / "interfaces" / "store.md").read_text()
    for module, name in [
        (kit, "store_conformance_params"),
        (kit, "check_store"),
        (model, "store_model_machine"),
        (model, "StoreCallTimeoutError"),
    ]:
        assert name in text
        assert hasattr(module, name), name
    assert f"{len(kit.STORE_CHECKS)} named checks" in text
