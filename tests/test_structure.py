"""The layout keeps its promises: no import cycle between the portal's modules, no commit in a
view, no domain package that imports a view, no role tested outside `portal/staff/access.py`, no
template that decides who may do what or which language is which, every encrypted column declared
once, and no module over the size limits."""

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


# --- Domains below the views ---

DOMAIN_PACKAGES = (
    "portal.core",
    "portal.models",
    "portal.intake",
    "portal.casework",
    "portal.staff",
    "portal.stations",
    "portal.reporting",
    "portal.directory",
)
VIEW_AREAS = ("portal.public", "portal.backoffice")


def test_no_domain_package_imports_a_view() -> None:
    offenders = [
        f"{module} imports {target}"
        for module, targets in sorted(import_graph().items())
        if module.startswith(DOMAIN_PACKAGES)
        for target in sorted(targets)
        if target.startswith(VIEW_AREAS)
    ]
    assert offenders == []


def role_tests(source: str) -> list[int]:
    """The lines of Python code that test a role: `x.role == "admin"`, `… == Role.X`,
    `x.role in SOME_ROLES`, `.role.in_(…)`; comparing two roles (a change of role) is no test."""

    def is_role_member(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Role"
        )

    def is_role(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "role"

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            membership = any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
            constant = any(isinstance(side, ast.Constant) for side in sides)
            if any(is_role_member(side) for side in sides) or (
                any(is_role(side) for side in sides) and (membership or constant)
            ):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "in_" and is_role(node.func.value):
                found.append(node.lineno)
    return found


def test_the_role_finder_finds_role_tests() -> None:
    assert role_tests("a = user.role == Role.ADMIN\nb = r in (Role.ADMIN,)\n") == [1]
    assert role_tests("a = user.role in CASEWORKERS\nb = role == user.role\n") == [1]
    assert role_tests("q = StaffUser.role.in_(roles)\nlabels = {Role.ADMIN.value: 'x'}\n") == [1]


def test_roles_are_tested_only_by_the_access_rules() -> None:
    """Who may do what is decided in one module; the tables only declare the roles."""
    allowed = {PORTAL / "staff" / "access.py"}
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(PORTAL.rglob("*.py"))
        if path not in allowed and PORTAL / "models" not in path.parents
        for line in role_tests(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# What a template would compare to choose by itself what a language needs (the view says it).
LANGUAGE_TESTS = re.compile(
    r"(lang|language|locale)\w*(\(\))?\s*(==|!=|\bin\b|\bnot in\b)"
    r"|(==|!=)\s*['\"][a-z]{2}(-[a-z]+)?['\"]"
)
# Templates that still compare a language code, until the rule that says it reaches them; the list
# only shrinks (it is empty: "interpreter needed" is decided by casework.call_language).
LANGUAGE_TESTS_WAITING: set[str] = set()


def template_blocks(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """Every template expression or statement that matches, with the file and line it is on."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for block in re.findall(r"{%.*?%}|{{.*?}}", line):
                if pattern.search(block):
                    found.append((str(path.relative_to(ROOT)), f"{number}: {block}"))
    return found


def test_the_language_finder_finds_language_tests() -> None:
    for block in (
        "{% if lang == 'ar' %}",
        "{{ 'x' if current_lang() != 'fr' }}",
        "{% if locale in rtl %}",
    ):
        assert LANGUAGE_TESTS.search(block), block
    assert not LANGUAGE_TESTS.search("{{ language_name(code) }}")


def test_no_template_compares_a_language_code() -> None:
    offenders = [f"{path}:{where}" for path, where in template_blocks(LANGUAGE_TESTS)]
    waiting = {path for path, _where in template_blocks(LANGUAGE_TESTS)}
    assert [o for o in offenders if o.split(":")[0] not in LANGUAGE_TESTS_WAITING] == []
    assert waiting >= LANGUAGE_TESTS_WAITING, "a template is fixed: take it off the waiting list"


# A role compared, or a role's name compared with something.
ROLE_TESTS = re.compile(
    r"\brole\s*(==|!=|\bin\b|\bnot in\b)"
    r"|(==|!=)\s*['\"](admin|intervenant|referrer|partner)['\"]"
    r"|['\"](admin|intervenant|referrer|partner)['\"]\s*(==|!=|\bin\b)"
)


def test_the_role_finder_finds_role_tests_in_templates() -> None:
    for block in (
        "{% if role == 'admin' %}",
        "{% if 'partner' in roles %}",
        "{{ x if r != 'referrer' }}",
    ):
        assert ROLE_TESTS.search(block), block
    assert not ROLE_TESTS.search("{% for value, label in form.role.choices %}")


def test_no_template_tests_a_role() -> None:
    assert [f"{path}:{where}" for path, where in template_blocks(ROLE_TESTS)] == []


# --- Every encrypted column declared once ---


def test_every_encrypted_column_is_declared_with_the_personal_fields() -> None:
    from portal.core.db import Base
    from portal.models.personal_data import encrypted_columns

    declared = {
        (model.__tablename__, column)
        for model, columns in encrypted_columns()
        for column in columns
    }
    stored = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_enc")
    }
    assert stored == declared


# --- Sizes ---

MAX_LINES = 300
MAX_VIEW_LINES = 200
# Modules over the limits that another change splits, each with what it is waiting for; the list
# only shrinks, and every other module must keep to the limits.
WAITING_FOR_SPLIT: dict[str, str] = {}


def is_view_module(path: Path) -> bool:
    """A module that answers requests: it routes or renders (the back office's views, the public
    pages); forms and the helpers views share are not."""
    text = path.read_text(encoding="utf-8")
    answers = re.search(r"^@bp\.|render_template\(", text, re.M) is not None
    return path.parent.name in ("public", "backoffice") and answers


def oversized() -> dict[str, int]:
    found = {}
    for path in sorted(PORTAL.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        limit = MAX_VIEW_LINES if is_view_module(path) else MAX_LINES
        if lines > limit:
            found[str(path.relative_to(ROOT))] = lines
    return found


def test_the_view_modules_are_found() -> None:
    views = {p.name for p in PORTAL.rglob("*.py") if is_view_module(p)}
    assert {"stats_views.py", "directory_views.py", "directory.py"} <= views
    assert "forms.py" not in views and "stats_tables.py" not in views


def test_no_module_over_the_size_limits() -> None:
    """At most 300 lines a module and 200 a view module, but for those a split is waiting for."""
    found = oversized()
    assert sorted(set(found) - set(WAITING_FOR_SPLIT)) == []


def test_the_waiting_list_only_shrinks() -> None:
    still_over = oversized()
    assert [path for path in WAITING_FOR_SPLIT if path not in still_over] == []
