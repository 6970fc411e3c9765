"""The house rules of ARCHITECTURE.md, checked on the source: which rnnviz packages each package may import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "rnnviz"
#: package -> the rnnviz packages its modules may import (itself included). ``ui`` may import everything.
ALLOWED = {
    "core": {"core"},
    "experiment": {"core", "experiment"},
    "shapes": {"core", "shapes"},
    "training": {"core", "training"},
    "sine": {"core", "training", "sine"},
    "charlm": {"core", "training", "charlm"},
    "memory": {"core", "training", "memory"},
    # the shipped models are trained by the pages' own trainers
    "reference": {"core", "training", "sine", "charlm", "reference"},
    # a lesson measures what it says on the models it shows, as the pages run them
    "lessons": {"core", "experiment", "shapes", "sine", "charlm", "memory", "reference", "lessons"},
    # figures draw arrays; they read the data types of the packages they draw (a Trace, a shape table, the
    # characters of a text, the adding problem's thresholds), never a trainer or a page
    "figures": {"core", "shapes", "charlm.corpora", "memory.data", "figures"},
}


def imported_rnnviz_modules(path: Path) -> set[str]:
    """'core.trace', 'training.loop', ... for every ``import rnnviz.x`` / ``from rnnviz.x import`` in ``path``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnnviz."):
            names.add(node.module.removeprefix("rnnviz."))
        elif isinstance(node, ast.Import):
            names.update(a.name.removeprefix("rnnviz.") for a in node.names if a.name.startswith("rnnviz."))
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_lies_below_it(package):
    allowed = ALLOWED[package]
    files = sorted((PACKAGE / package).rglob("*.py"))
    assert files
    wrong = {
        f"{path.relative_to(PACKAGE)} imports rnnviz.{name}"
        for path in files
        for name in imported_rnnviz_modules(path)
        if not any(name == a or name.startswith(a + ".") for a in allowed)
    }
    assert not wrong, sorted(wrong)


def test_the_check_sees_a_forbidden_import(tmp_path):
    """Control: an import of the UI from a library module would be found."""
    module = tmp_path / "bad.py"
    module.write_text("from rnnviz.ui.training.session import RunSession\nimport rnnviz.sine.trainer\n")
    assert imported_rnnviz_modules(module) == {"ui.training.session", "sine.trainer"}
