"""The layout keeps its promises: no import cycle between the portal's modules, no commit in a
view, and no template that decides again who may do what (`portal/access.py` does)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
TEMPLATES = ROOT / "templates"
VIEW_MODULES = [
    *sorted((PORTAL / "backoffice").glob("*_views.py")),
    *sorted((PORTAL / "public").glob("*.py")),
]


def module_names() -> dict[str, tuple[Path, bool]]:
    """Every module of the portal by dotted name, with whether it is a package."""
    found = {}
    for path in PORTAL.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def import_graph() -> dict[str, set[str]]:
    """Which portal modules each one imports, at any depth of its code (functions included).

    `from package import name` counts as importing the submodule when `name` is one, else the
    package; a package imported only because a submodule of it is, is not counted.
    """
    modules = module_names()
    graph: dict[str, set[str]] = {}
    for name, (path, package) in modules.items():
        base = name.split(".") if package else name.split(".")[:-1]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = base[: len(base) - (node.level - 1)]
                    target = ".".join(anchor + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    if submodule in modules:
                        edges.add(submodule)
                    elif target in modules:
                        edges.add(target)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another, directly or around a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_relative_and_function_level_imports() -> None:
    graph = import_graph()
    assert "portal.backoffice.blueprint" in graph["portal.backoffice.queue_views"]
    assert "portal.staff.access" in graph["portal.casework.transitions"]
    # create_app imports the blueprints inside the function.
    assert "portal.backoffice" in graph["portal"]


def test_no_import_cycle_between_modules_of_the_portal() -> None:
    assert cycles(import_graph()) == []


def test_no_view_module_commits() -> None:
    """The request commits once, at its end (portal/transactions.py), never a view."""
    assert VIEW_MODULES
    offenders = [
        str(path.relative_to(ROOT))
        for path in VIEW_MODULES
        if ".commit(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


# What a template would test to decide by itself who may do what.
ACCESS_TESTS = re.compile(
    r"g\.staff\.role|\.role\s*(==|!=|in\b)|assigned_to_id|g\.staff\.id|is_admin|== *'admin'"
)


def test_no_template_decides_who_may_do_what() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for block in re.findall(r"{%.*?%}|{{.*?}}", line):
                if ACCESS_TESTS.search(block):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {block}")
    assert offenders == []
