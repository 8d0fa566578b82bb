"""The ground floor imports no app of the project: every app may import it, and it none."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every other app of the project (a folder with an apps.py), and the settings.
ABOVE = {p.name for p in ROOT.iterdir() if (p / "apps.py").exists()} - {"core"} | {"config"}


def test_the_apps_above_are_found():
    assert {"accounts", "cities", "practices", "search", "exchanges", "api"} <= ABOVE


@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_imports_no_app_above_it(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & ABOVE, f"{path.name} imports {sorted(imported & ABOVE)}"
