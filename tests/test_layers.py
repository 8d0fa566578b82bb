"""The apps stand on each other in floors (portal/__init__.py says why): an app imports only
from the floors below it, never from its own floor or above. Every import counts, at module
level or inside a function, and so does a dotted name handed to `import_module` or
`__import__`; migrations are left out (they are history, and name the apps they depend on).
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# From the ground up. `config` wires every app (settings, root URLs), so no app imports it.
FLOORS = {
    "core": 0,
    "accounts": 1,
    "cities": 2,
    "practices": 3,
    "search": 4,
    "exchanges": 5,
    "following": 5,
    "conversations": 6,
    "api": 7,
    "portal": 7,
    "dashboard": 7,
    "ops": 7,
    "config": 8,
}


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, dotted module) of every absolute import in the source, wherever it stands."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and _callee(node) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def violations(app: str, source: str, where: str) -> list[str]:
    out = []
    for line, module in imported_modules(source):
        target = module.split(".")[0]
        if target == app or target not in FLOORS:
            continue
        if FLOORS[target] >= FLOORS[app]:
            out.append(f"{where}:{line}: {app} (floor {FLOORS[app]}) imports {module}")
    return out


def project_apps() -> list[str]:
    return [name for name in settings.INSTALLED_APPS if (ROOT / name / "apps.py").exists()]


def test_every_project_app_has_a_floor():
    assert not [app for app in project_apps() if app not in FLOORS]


def test_apps_import_only_from_the_floors_below():
    found = []
    for app in project_apps():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            found += violations(app, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "imports against the floors:\n" + "\n".join(found)


def test_the_check_sees_what_a_grep_would_miss():
    source = (
        "from accounts.models import User\n"
        "def page():\n"
        "    from exchanges.selectors import city_dashboard\n"
        "    import search.selectors\n"
        "    return import_module('practices.views')\n"
        "from . import selectors\n"
    )
    assert [v.split(": ", 1)[1] for v in violations("cities", source, "x.py")] == [
        "cities (floor 2) imports exchanges.selectors",
        "cities (floor 2) imports search.selectors",
        "cities (floor 2) imports practices.views",
    ]
    # Same floor: api and portal do not import each other.
    assert violations("api", "from portal import views\n", "x.py")
