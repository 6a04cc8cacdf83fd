"""The layering DESIGN.md promises, checked on the source: a new import cannot slip through."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = ("discord", "sqlalchemy", "apscheduler", "aiosqlite", "asyncpg", "alembic")
FORBIDDEN_IN_COGS = ("sqlalchemy", "aiosqlite", "asyncpg", "alembic", "bot.db")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}"
    for path in files:
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_core_is_pure() -> None:
    assert _offenders("bot/core", FORBIDDEN_IN_CORE) == []


def test_cogs_hold_no_sql() -> None:
    assert _offenders("cogs", FORBIDDEN_IN_COGS) == []


def test_no_module_level_bot_engine_or_settings() -> None:
    """Module-level assignments never build a client, an engine or the settings."""
    constructors = {"HearthBot", "create_engine", "create_async_engine", "load_settings", "Bot", "AutoShardedBot"}
    offenders = []
    for folder in ("bot", "cogs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                    func = node.value.func
                    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                    if name in constructors:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_source_files_stay_small() -> None:
    big = [
        f"{p.relative_to(ROOT)} ({n} lines)"
        for folder in ("bot", "cogs")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert big == []
