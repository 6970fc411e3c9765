"""The rnnviz library never imports streamlit; only ``rnnviz.ui`` may (see ARCHITECTURE.md)."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "rnnviz"


def library_modules() -> list[str]:
    """Every module under rnnviz/ except rnnviz.ui, found with pkgutil without importing anything.

    Folders are walked even without an ``__init__.py`` (namespace packages), so a new module anywhere
    outside rnnviz/ui is covered as soon as it exists.
    """
    names = ["rnnviz"]
    folders = [(PACKAGE, "rnnviz")]
    while folders:
        folder, prefix = folders.pop()
        for info in pkgutil.iter_modules([str(folder)]):
            if info.name != "__main__":
                names.append(f"{prefix}.{info.name}")
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name.isidentifier()):
            if f"{prefix}.{sub.name}" != "rnnviz.ui":
                folders.append((sub, f"{prefix}.{sub.name}"))
    return sorted(set(names) - {"rnnviz.ui"})


def test_discovery_finds_the_library_and_skips_ui() -> None:
    modules = library_modules()
    assert {
        "rnnviz",
        "rnnviz.core.trace",
        "rnnviz.core.spec",
        "rnnviz.core.cells",
        "rnnviz.core.call_args",
        "rnnviz.core.numerics",
    } <= set(modules)
    assert not [m for m in modules if m == "rnnviz.ui" or m.startswith("rnnviz.ui.")]


def _import_in_subprocess(modules: list[str], extra_path: Path | None = None) -> dict:
    """Import ``modules`` in order in a fresh interpreter; report the first one after which streamlit is loaded."""
    script = (
        "import importlib, json, sys\n"
        "culprit = None\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    if culprit is None and 'streamlit' in sys.modules:\n"
        "        culprit = name\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'rnnviz')\n"
        "print(json.dumps({'culprit': culprit, 'imported': loaded}))\n"
    )
    paths = ([str(extra_path)] if extra_path else []) + [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_library_module_imports_streamlit() -> None:
    modules = library_modules()
    result = _import_in_subprocess(modules)
    assert set(modules) <= set(result["imported"])
    assert result["culprit"] is None, f"importing {result['culprit']} loads streamlit; only rnnviz.ui may"


def test_the_check_would_see_streamlit(tmp_path: Path) -> None:
    """Control: a module that imports a stand-in 'streamlit' package is caught by the same check."""
    (tmp_path / "streamlit").mkdir()
    (tmp_path / "streamlit" / "__init__.py").write_text("")
    (tmp_path / "uses_streamlit.py").write_text("import streamlit\n")
    result = _import_in_subprocess(["rnnviz", "uses_streamlit"], extra_path=tmp_path)
    assert result["culprit"] == "uses_streamlit"
