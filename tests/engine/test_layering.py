"""The package's layering, read from the source (AST): the engine knows no connector, and only the
app imports textual.

The engine — the shared layers (``checks/``), ``preview/``, ``lake/``, ``report/``, ``sources/``,
``runner.py``, ``model.py``, ``codes.py`` — is typed on protocols (``NetworkSettings``,
``FileSource``, ``SampleState`` ...), so a new connector is one folder and nothing in the engine
changes. An import of ``sourcedoctor.connectors`` (or of anything under it) from the engine would
undo that quietly; this test names the file and line. Every import counts: at the top, inside a
function, under ``TYPE_CHECKING``, and ``importlib.import_module("...")`` with a literal name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import sourcedoctor

PACKAGE = Path(sourcedoctor.__file__).resolve().parent

#: Package-relative folders and modules that must not import a connector.
ENGINE = ("checks", "preview", "lake", "report", "sources", "runner.py", "model.py", "codes.py")
CONNECTORS = "sourcedoctor.connectors"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, root: Path = PACKAGE) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in ``path``; ``from X import y`` yields both
    ``X`` and ``X.y`` (``y`` may be a module: ``from .. import connectors``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_import_call(node):
            yield node.lineno, node.args[0].value  # type: ignore[attr-defined]


def _is_import_call(node: ast.Call) -> bool:
    """``importlib.import_module("...")``, ``import_module("...")``, ``__import__("...")``."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    literal = bool(node.args) and isinstance(node.args[0], ast.Constant) \
        and isinstance(node.args[0].value, str)
    return literal and name in ("import_module", "__import__")


def _within(name: str, top: str) -> bool:
    return name == top or name.startswith(top + ".")


def engine_files(root: Path = PACKAGE) -> list[Path]:
    files: list[Path] = []
    for entry in ENGINE:
        path = root / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def connector_imports(root: Path = PACKAGE) -> list[str]:
    """``file:line imports module`` for every engine module importing a connector."""
    return [f"{path.relative_to(root)}:{line} imports {name}"
            for path in engine_files(root) for line, name in imported(path, root)
            if _within(name, CONNECTORS)]


def textual_imports(root: Path = PACKAGE) -> list[str]:
    """``file:line imports module`` for every module outside ``tui/`` importing textual."""
    return [f"{path.relative_to(root)}:{line} imports {name}"
            for path in sorted(root.rglob("*.py")) if "tui" not in path.relative_to(root).parts[:1]
            for line, name in imported(path, root) if _within(name, "textual")]


def test_the_engine_imports_no_connector() -> None:
    assert engine_files(), "the engine's modules were not found"
    assert connector_imports() == []


def test_only_the_app_imports_textual() -> None:
    assert textual_imports() == []


def test_the_rules_see_every_form_of_import(tmp_path: Path) -> None:
    """The scanner itself: each way of importing a connector (or textual) is caught, where it is."""
    root = tmp_path / "sourcedoctor"
    for folder in ("checks", "preview", "lake", "report", "sources", "connectors", "tui", "fleet"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    for name in ("runner.py", "model.py", "codes.py", "__init__.py"):
        (root / name).write_text("import json\n")
    (root / "checks" / "a.py").write_text("from ..connectors.sftp.state import SftpState\n")
    (root / "preview" / "b.py").write_text("def f():\n    from .. import connectors\n")
    (root / "lake" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sourcedoctor.connectors.s3\n")
    (root / "report" / "d.py").write_text(
        "import importlib\nimportlib.import_module('sourcedoctor.connectors.sftp')\n")
    (root / "sources" / "e.py").write_text("from sourcedoctor.connectors import get\n")
    (root / "runner.py").write_text("from .connectors.base import Connector\n")
    (root / "checks" / "fine.py").write_text("from ..sources.base import FileSource\nfrom .a import x\n")
    (root / "connectors" / "own.py").write_text("from .sftp import settings\nimport textual\n")
    (root / "tui" / "app.py").write_text("from textual.app import App\n")
    (root / "fleet" / "bad.py").write_text("def g():\n    from textual.widgets import Static\n")

    assert connector_imports(root) == [
        "checks/a.py:1 imports sourcedoctor.connectors.sftp.state",
        "checks/a.py:1 imports sourcedoctor.connectors.sftp.state.SftpState",
        "preview/b.py:2 imports sourcedoctor.connectors",
        "lake/c.py:3 imports sourcedoctor.connectors.s3",
        "report/d.py:2 imports sourcedoctor.connectors.sftp",
        "sources/e.py:1 imports sourcedoctor.connectors",
        "sources/e.py:1 imports sourcedoctor.connectors.get",
        "runner.py:1 imports sourcedoctor.connectors.base",
        "runner.py:1 imports sourcedoctor.connectors.base.Connector",
    ]
    assert textual_imports(root) == [
        "connectors/own.py:2 imports textual",
        "fleet/bad.py:2 imports textual.widgets",
        "fleet/bad.py:2 imports textual.widgets.Static",
    ]
