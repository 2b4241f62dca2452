"""Imports flow one way: kernel imports nothing of ours; components and fault_injection import
kernel (and not each other); labs may import everything.

The scan reads every module's AST, so imports under `if TYPE_CHECKING:`, inside functions and
through `importlib.import_module("...")` with a literal name all count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN: dict[str, frozenset[str]] = {
    "kernel": frozenset({"components", "fault_injection", "labs"}),
    "components": frozenset({"fault_injection", "labs"}),
    "fault_injection": frozenset({"components", "labs"}),
}
"""Top-level package -> top-level packages it must not import."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in `source`."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (
                    isinstance(node.func, ast.Name)
                    and node.func.id in ("import_module", "__import__")
                )
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(root: Path) -> list[str]:
    """Every import that breaks the rule under `root`, as `path:line: a imports b`."""
    out: list[str] = []
    for top, banned in FORBIDDEN.items():
        for path in sorted((root / top).rglob("*.py")):
            module = module_name(path, root)
            source = path.read_text(encoding="utf-8")
            for line, target in imported_modules(source, module, path.name == "__init__.py"):
                if target.split(".")[0] in banned:
                    out.append(f"{path.relative_to(root)}:{line}: {module} imports {target}")
    return out


def test_kernel_components_and_fault_injection_import_only_downward() -> None:
    """The whole tree keeps the one-way import rule (docs/development.md)."""
    problems = violations(ROOT)
    assert not problems, "import rule broken:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("relpath", "source", "expected"),
    [
        ("kernel/a.py", "import components.store\n", "kernel.a imports components.store"),
        ("kernel/a.py", "from labs import x\n", "kernel.a imports labs"),
        (
            "kernel/a.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fault_injection\n",
            "kernel.a imports fault_injection",
        ),
        (
            "kernel/a.py",
            "import importlib\nimportlib.import_module('components.dns')\n",
            "kernel.a imports components.dns",
        ),
        (
            "components/p/__init__.py",
            "from fault_injection.sim import world\n",
            "components.p imports fault_injection.sim",
        ),
        (
            "fault_injection/x/y.py",
            "def f():\n    from components import store\n",
            "fault_injection.x.y imports components",
        ),
        ("components/p/q.py", "from ...labs import grader\n", "components.p.q imports labs"),
    ],
)
def test_scanner_catches_each_kind_of_forbidden_import(
    tmp_path: Path, relpath: str, source: str, expected: str
) -> None:
    """The rule test can fail: a planted violation of each shape is reported."""
    path = tmp_path / relpath
    path.parent.mkdir(parents=True)
    path.write_text(source)
    found = violations(tmp_path)
    assert len(found) == 1
    assert found[0].endswith(expected)


def test_scanner_allows_downward_and_sibling_relative_imports(tmp_path: Path) -> None:
    """Allowed imports are not reported: kernel from components, relative within a package."""
    (tmp_path / "components" / "p").mkdir(parents=True)
    (tmp_path / "components" / "p" / "q.py").write_text(
        "import kernel.interfaces\nfrom . import r\nfrom .r import s\nfrom kernel import registry\n"
    )
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "g.py").write_text("import components\nimport fault_injection\n")
    assert violations(tmp_path) == []


COMPONENTS = ROOT / "components"
STORE_USERS = frozenset({"apiserver", "store"})
"""Only the API server (and the store itself) may import `components.store`."""
PURE_CORES = (
    "components/store/raft/core",
    *(f"fault_injection/checker/{m}.py" for m in ("_model", "_models", "_kv", "_set", "_queue")),
    *(f"fault_injection/checker/{m}.py" for m in ("_store", "_brute")),
)
"""Decision cores that must stay free of I/O and clocks (more join as their parts land)."""
IMPURE = frozenset({"trio", "time", "socket", "os", "asyncio", "selectors", "threading"})


def component_violations(root: Path) -> list[str]:
    """Imports of another component's modules, and of the store by anything but the API server."""
    out: list[str] = []
    components = root / "components"
    for path in sorted(components.rglob("*.py")):
        own = path.relative_to(components).parts[0]
        module = module_name(path, root)
        source = path.read_text(encoding="utf-8")
        for line, target in imported_modules(source, module, path.name == "__init__.py"):
            parts = target.split(".")
            if parts[0] != "components" or len(parts) < 2 or parts[1] == own:
                continue
            if parts[1] == "store" and own in STORE_USERS:
                continue
            out.append(f"{path.relative_to(root)}:{line}: {module} imports {target}")
    return out


def test_components_import_no_other_component_and_only_the_api_server_the_store() -> None:
    """A part is replaceable only if no other part reaches into it (docs/development.md)."""
    problems = component_violations(ROOT)
    assert not problems, "component import rule broken:\n" + "\n".join(problems)


@pytest.mark.parametrize("core", PURE_CORES)
def test_pure_cores_import_no_io_or_clock(core: str) -> None:
    """Pure cores return decisions; drivers add I/O, so the simulator can replay them."""
    problems = []
    where = ROOT / core
    assert where.exists(), f"{core} moved: update PURE_CORES"
    for path in [where] if where.is_file() else sorted(where.rglob("*.py")):
        module = module_name(path, ROOT)
        source = path.read_text(encoding="utf-8")
        for line, target in imported_modules(source, module, path.name == "__init__.py"):
            if target.split(".")[0] in IMPURE:
                problems.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {target}")
    assert not problems, "pure core does I/O:\n" + "\n".join(problems)


def test_the_rule_catches_a_cross_component_import(tmp_path: Path) -> None:
    """The checks above can fail: a planted scheduler importing the store is reported."""
    (tmp_path / "components" / "scheduler").mkdir(parents=True)
    (tmp_path / "components" / "scheduler" / "bad.py").write_text(
        "from components.store.memory import open_memory_store\n", encoding="utf-8"
    )
    assert component_violations(tmp_path) == [
        "components/scheduler/bad.py:1: components.scheduler.bad imports components.store.memory"
    ]
