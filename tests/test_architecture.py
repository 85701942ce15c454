"""The import graph of our packages: no circles, and `bot/` reaches `handlers/` only through its composition root.

Every import counts, including those inside functions and under TYPE_CHECKING: a circle that only the type
checker or a late call closes is still a circle a reader has to untangle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "intents", "knowledge")
COMPOSITION_ROOT = "bot"  # bot/__init__.py: create_app builds the handlers' dispatcher
MAX_BOT_DEPTH = 9  # modules on the longest import chain inside bot/ (it was 14, then 10)


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of our packages (migration scripts excluded)."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "versions" not in parts:
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(module: str, path: Path) -> list[str]:
    """Every name an import statement in `path` asks for, relative imports made absolute."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            names += [f"{base}.{alias.name}" for alias in node.names] + [base]
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (a `from a import b` counts as `a.b` when b is a module)."""
    modules = module_files()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(module, path):
            if name in modules and name != module:
                targets.add(name)
        # `from a import b` names both `a` and `a.b`: keep only the submodule when it is one
        graph[module] = {t for t in targets if not any(o.startswith(t + ".") for o in targets)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = stack[stack.index(node):]
            del stack[stack.index(node):]
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def longest_chain(graph: dict[str, set[str]], package: str) -> list[str]:
    """The longest import chain that stays inside `package`, as the modules on it (the graph has no cycles)."""
    inside = {m: {t for t in targets if t.split(".")[0] == package}
              for m, targets in graph.items() if m.split(".")[0] == package}
    chains: dict[str, list[str]] = {}

    def chain(module: str) -> list[str]:
        if module not in chains:
            chains[module] = [module] + max((chain(t) for t in sorted(inside[module])), key=len, default=[])
        return chains[module]

    return max((chain(m) for m in sorted(inside)), key=len, default=[])


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_bot_reaches_handlers_only_through_the_composition_root() -> None:
    graph = import_graph()
    arrows = sorted((source, target) for source, targets in graph.items() for target in targets
                    if source.split(".")[0] == "bot" and target.split(".")[0] == "handlers")
    assert {source for source, _ in arrows} <= {COMPOSITION_ROOT}, arrows


def test_import_chains_in_bot_stay_short() -> None:
    """A reader follows an import chain to understand a module: layers, not a ladder."""
    chain = longest_chain(import_graph(), "bot")
    assert len(chain) <= MAX_BOT_DEPTH, " -> ".join(chain)


def test_the_depth_check_counts_modules_on_the_longest_chain() -> None:
    graph = {"a": {"a.b", "c"}, "a.b": {"a.c"}, "a.c": set(), "c": set()}
    assert longest_chain(graph, "a") == ["a", "a.b", "a.c"]


def test_the_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_handlers_ask_through_ports_and_never_touch_the_database() -> None:
    """Handlers read as conversation logic: queries and flush order live behind handlers/ports.py."""
    database = ("sqlalchemy", "sqlmodel", "bot.storage.db", "bot.erasure", "bot.outbox")
    touching = sorted(module for module, path in module_files().items() if module.split(".")[0] == "handlers"
                      for name in imported_names(module, path) if name.startswith(database))
    assert touching == []


def test_tables_meet_only_in_the_schema_module() -> None:
    """No import registers tables as a side effect: bot/storage/schema.py lists every table module, a table
    module imports no other, and importing the storage package imports nothing."""
    from bot.storage import schema

    graph = import_graph()
    tables = sorted(module for module, path in module_files().items()
                    if "table=True" in path.read_text(encoding="utf-8"))
    assert sorted(m.__name__ for m in schema.TABLE_MODULES) == tables
    assert [(m, t) for m in tables for t in graph[m] if t in tables] == []
    assert graph["bot.storage"] == set()


def test_handlers_never_call_the_dispatcher() -> None:
    """Flow runs one way: a handler that hands the message on returns `Redispatch()` (bot/dispatch.py)."""
    calling = sorted(str(path.relative_to(ROOT)) for module, path in module_files().items()
                     if module.split(".")[0] == "handlers" and ".dispatch(" in path.read_text(encoding="utf-8"))
    assert calling == []
