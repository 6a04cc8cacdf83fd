"""The layering DESIGN.md promises, checked on the source: a new import cannot slip through.

Every module has a role, read from where it lives and what it is named, so the rule holds
wherever a feature package puts its files:

- *pure*: the conversation package and every feature's rules (no Discord, SQL or scheduler);
- *store*: the `bot/store/` package and any `store.py` / `*_store.py` (SQL, no Discord);
- *service*: any `service.py` / `*_service.py` and the sources that replay or backfill (no Discord);
- *adapter*: the Discord gateway and history readers, `bot/runtime/`, `bot/cli/`, `bot/__main__.py`;
- *cog*: `cogs/`, the discord.py extensions (no SQL).

A module imports only modules of its own role or a lower one, in that order.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"pure": 0, "store": 1, "service": 2, "adapter": 3, "cog": 4}
SQL = ("sqlalchemy", "aiosqlite", "asyncpg", "alembic")
FORBIDDEN = {
    "pure": ("discord", "apscheduler", *SQL),
    "store": ("discord", "apscheduler"),
    "service": ("discord", "apscheduler"),
    "adapter": (),
    "cog": SQL,
}
DISCORD_READERS = {"bot/sources/gateway.py", "bot/sources/history.py"}


def role(rel: str) -> str:
    parts = rel.split("/")
    stem = Path(rel).stem
    package = parts[1] if parts[0] == "bot" and len(parts) > 2 else ""
    if parts[0] == "cogs":
        return "cog"
    if rel in DISCORD_READERS or package in ("runtime", "cli") or rel == "bot/__main__.py":
        return "adapter"
    if package == "store" or stem == "store" or stem.endswith("_store"):
        return "store"
    if stem in ("service", "services") or stem.endswith("_service") or package == "sources":
        return "service"
    return "pure"


def _sources() -> list[Path]:
    files = [p for folder in ("bot", "cogs") for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 50, "the source tree was not found"
    return files


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under `if TYPE_CHECKING:` (annotations only, never run)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.Import | ast.ImportFrom):
                        lines.add(sub.lineno)
    return lines


def _imports(path: Path, modules: set[str]) -> Iterator[tuple[str, bool]]:
    """(imported module, runs at import time or call time) for every absolute import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only = _type_checking_only(tree)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from bot.x import y` imports the module bot.x.y when there is one
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                     for a in node.names]
        for name in names:
            yield name, node.lineno not in typing_only


def _graph() -> tuple[dict[str, str], list[tuple[str, str, bool]]]:
    paths = _sources()
    roles = {_module(p): role(str(p.relative_to(ROOT))) for p in paths}
    edges = []
    for path in paths:
        here = _module(path)
        for name, runs in _imports(path, set(roles)):
            edges.append((here, name, runs))
    return roles, edges


def test_roles_are_known() -> None:
    roles, _ = _graph()
    assert roles["bot.conversation.engine"] == "pure"
    assert roles["bot.nudges.store"] == "store"
    assert roles["bot.digest.service"] == "service"
    assert roles["bot.sources.gateway"] == "adapter"
    assert roles["cogs.nudges"] == "cog"


def test_each_role_keeps_to_its_libraries() -> None:
    roles, edges = _graph()
    found = [
        f"{here} ({roles[here]}) imports {name}"
        for here, name, _ in edges
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[roles[here]])
    ]
    assert found == []


def test_cogs_hold_no_sql() -> None:
    roles, edges = _graph()
    found = [f"{here} imports {name}" for here, name, _ in edges
             if roles[here] == "cog" and roles.get(name) == "store"]
    assert found == []


def test_no_import_from_a_lower_layer_up() -> None:
    roles, edges = _graph()
    found = [
        f"{here} ({roles[here]}) imports {name} ({roles[name]})"
        for here, name, _ in edges
        if name in roles and LAYERS[roles[name]] > LAYERS[roles[here]]
    ]
    assert found == []


def test_no_import_cycles() -> None:
    roles, edges = _graph()
    graph = nx.DiGraph()
    graph.add_edges_from((a, b) for a, b, runs in edges if runs and b in roles and a != b)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []


def test_every_module_says_what_it_holds() -> None:
    """One concept a file, named for it: the docstring's first line says which."""
    missing = [
        str(p.relative_to(ROOT))
        for p in _sources()
        if p.stat().st_size and not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert missing == []


def test_no_module_level_bot_engine_or_settings() -> None:
    """Module-level assignments never build a client, an engine or the settings."""
    constructors = {"HearthBot", "create_engine", "create_async_engine", "load_settings", "Bot", "AutoShardedBot"}
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                func = node.value.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in constructors:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
