"""The package's shape, checked: imports go one way, with no cycle, no import hidden inside a
function (the CLI alone imports a command's modules lazily, to start fast), no private name taken
from another module, and the core never imports a face. Also: nothing refers outside the repository.
"""

from __future__ import annotations

import ast
import functools
import subprocess
from pathlib import Path

import pytest

from support import ROOT

SRC = ROOT / "src" / "raterkit"

#: The core: data model, loading, rules, wording, statistics and the library layer.
CORE = {
    "raterkit",
    "raterkit.catalog",
    "raterkit.checks",
    "raterkit.compare",
    "raterkit.csvcells",
    "raterkit.errors",
    "raterkit.library",
    "raterkit.load",
    "raterkit.model",
    "raterkit.quizload",
    "raterkit.responses",
    "raterkit.rules",
    "raterkit.schema",
    "raterkit.scoring",
    "raterkit.agreement",
    "raterkit.words",
    "raterkit.yamlsource",
}
#: What the core must never import: site generator, web frameworks, Jupyter, plotting, the terminal.
FACE_PACKAGES = {"mkdocs", "material", "nbformat", "nbclient", "IPython", "ipywidgets", "matplotlib", "jinja2"}
FACE_PACKAGES |= {"starlette", "fastapi", "uvicorn", "argparse", "markupsafe", "krippendorff", "pingouin"}
#: The live server's stack: web framework, server, database layer, event stream, QR codes.
LIVE_PACKAGES = {"starlette", "fastapi", "uvicorn", "sqlalchemy", "sse_starlette", "segno", "alembic", "psycopg"}
FACE_PACKAGES |= LIVE_PACKAGES
#: Where a command's modules may be imported inside a function (to keep `raterkit --help` fast).
LAZY_ALLOWED = {"raterkit.cli"}
#: Modules longer than this must say in their docstring which one cohesive job they hold.
LONG_MODULE = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _inside_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return True
    return False


@functools.cache
def imports_of(module: str) -> list[tuple[str, list[str], bool, int]]:
    """(imported module, names taken from it, inside a function?, line) for every runtime import."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not _type_checking_only(node, parents):
            lazy = _inside_function(node, parents)
            if isinstance(node, ast.Import):
                found += [(alias.name, [], lazy, node.lineno) for alias in node.names]
            else:
                target = _resolve(module, node)
                names = [alias.name for alias in node.names]
                submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
                found.append((target, [n for n in names if f"{target}.{n}" not in MODULES], lazy, node.lineno))
                found += [(sub, [], lazy, node.lineno) for sub in submodules]
    return found


@functools.cache
def internal_graph() -> dict[str, set[str]]:
    return {
        module: {target for target, _, _, _ in imports_of(module) if target in MODULES and target != module}
        for module in MODULES
    }


def test_the_walk_sees_the_whole_package():
    assert {"raterkit.cli", "raterkit.load", "raterkit.site.plugin", "raterkit.library"} <= set(MODULES)
    assert "raterkit.quizload" in internal_graph()["raterkit.load"]


def test_no_import_cycle():
    graph = dict(internal_graph())
    # Every package imports its __init__ first; that edge is Python's, not a design choice.
    graph = {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target) :] + [target] if target in trail else [module, target])
            elif target not in state:
                visit(target, trail + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_raterkit_import_inside_a_function_except_the_clis_commands():
    hidden = [
        f"{MODULES[module].relative_to(ROOT)}:{line}: imports {target}"
        for module in MODULES
        if module not in LAZY_ALLOWED
        for target, _, lazy, line in imports_of(module)
        if lazy and (target == "raterkit" or target.startswith("raterkit."))
    ]
    assert hidden == []


def test_no_private_name_is_taken_from_another_module():
    taken = [
        f"{MODULES[module].relative_to(ROOT)}:{line}: {name} from {target}"
        for module in MODULES
        for target, names, _, line in imports_of(module)
        if target in MODULES and target != module
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert taken == []


@pytest.mark.parametrize("module", sorted(CORE & set(MODULES)))
def test_the_core_never_imports_a_face(module):
    for target, _, _, line in imports_of(module):
        top = target.split(".")[0]
        assert top not in FACE_PACKAGES, f"{module}:{line} imports {target}"
        if target.startswith("raterkit."):
            assert target in CORE, f"{module}:{line} imports the face {target}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.startswith("raterkit.live")))
def test_only_the_live_server_uses_the_web_and_database_stack(module):
    """The live server is a face like the site: nothing else imports it or its stack (the CLI
    starts it from inside its command)."""
    for target, _, lazy, line in imports_of(module):
        if module == "raterkit.cli" and lazy:
            continue
        assert target.split(".")[0] not in LIVE_PACKAGES, f"{module}:{line} imports {target}"
        assert not target.startswith("raterkit.live"), f"{module}:{line} imports the live server {target}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_long_module_says_which_one_job_it_holds(module):
    path = MODULES[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines > LONG_MODULE:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "One cohesive job:" in doc, (
            f"{path.relative_to(ROOT)} has {lines} lines: split it by job, or say in its docstring "
            "'One cohesive job: ...' and why it stays whole."
        )


def test_nothing_refers_to_documents_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    outside = ("RATING-SCIENCE.md", "STACK.md", "DESIGN.md", "/work/", "../shared")
    found = []
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".yml", ".yaml", ".toml", ".js", ".css", ".html", ".txt", ".cfg", ""}:
            continue
        if name.startswith(("frameworks/sources/", "tests/test_architecture.py")) or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{name}: {word}" for word in outside if word in text]
    assert found == []


def _imported_closure(module: str) -> set[str]:
    """Every raterkit module ``module`` loads at import time, itself included, and every outside package."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for target, _, lazy, _ in imports_of(current):
            if lazy:
                continue
            if target in MODULES:
                todo.append(target)
            elif not target.startswith("raterkit"):
                seen.add(target)
    return seen


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("raterkit.export")))
def test_the_exporter_takes_the_quiz_ui_from_the_site_and_nothing_of_mkdocs(module):
    """A SCORM package is one quiz UI in a second host: the exporter reuses the site's quiz page
    (quizpages and what it imports, all pure), never the plugin, MkDocs or another face."""
    loaded = _imported_closure(module)
    assert not {m for m in loaded if m.split(".")[0] in {"mkdocs", "material", "pymdownx"}}, module
    faces = {
        m for m in loaded if m.startswith(("raterkit.live", "raterkit.report", "raterkit.cli", "raterkit.notebooks"))
    }
    assert faces == set()
    assert "raterkit.site.plugin" not in loaded and "raterkit.site.compose" not in loaded
