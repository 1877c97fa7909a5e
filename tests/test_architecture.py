"""The layout is the architecture: these tests keep the parts and their directions honest.

Imports are read from the source with ``ast``, including imports inside functions (a lazy
import still couples two modules); only ``if TYPE_CHECKING:`` blocks are exempt.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
PARTS = ("answers", "knowledge", "telegram", "reminders")


def module_name(path: Path) -> str:
    rel = path.relative_to(BOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file but TYPE_CHECKING blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # "from bot.telegram import handlers" imports the module bot.telegram.handlers
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def bot_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in BOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in imported_modules(path) if m in modules and m != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A list of modules forming an import cycle, or None. Package ``__init__`` edges to
    their own submodules are left out: importing a submodule runs its package first anyway."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def test_the_four_parts_exist_with_a_docstring() -> None:
    for part in PARTS:
        init = BOT / part / "__init__.py"
        assert init.is_file(), f"bot/{part}/ is missing"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"bot/{part}/__init__.py should say what it may import"


def test_few_modules_loose_at_the_top() -> None:
    loose = sorted(p.name for p in BOT.glob("*.py"))
    assert len(loose) <= 10, loose


def test_no_import_cycle() -> None:
    assert find_cycle(bot_graph()) is None


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_function_level_imports_count(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.x\n"
                      "def f():\n    from bot.telegram import app\n", encoding="utf-8")
    assert imported_modules(source) == {"typing", "typing.TYPE_CHECKING", "bot.telegram",
                                        "bot.telegram.app"}


FORBIDDEN = {
    "answers": ("telegram", "aiosqlite", "bot.telegram", "bot.storage", "bot.reminders",
                "bot.cli", "bot.operations"),
    "knowledge": ("telegram", "aiosqlite", "bot.answers", "bot.telegram", "bot.reminders",
                  "bot.storage", "bot.cli", "bot.operations"),
    "reminders": ("bot.telegram", "bot.cli", "bot.operations"),
}


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_parts_import_only_downwards(part: str) -> None:
    wrong = []
    for path in (BOT / part).rglob("*.py"):
        for imported in imported_modules(path):
            if any(imported == f or imported.startswith(f + ".") for f in FORBIDDEN[part]):
                wrong.append(f"{path.relative_to(BOT.parent)} imports {imported}")
    assert not wrong, wrong


def test_no_function_is_too_long_to_read() -> None:
    long = []
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    long.append(f"{path.relative_to(BOT.parent)}:{node.lineno} {node.name} ({length})")
    assert not long, long


DICT_METHODS = frozenset({"get", "setdefault", "pop", "popitem", "update", "keys", "items",
                          "values", "clear"})


def bot_data_used_as_a_dict(path: Path) -> list[str]:
    """Where ``path`` reads or writes ``bot_data`` by key (``bot_data["x"]``, ``.get``,
    ``.setdefault``, ``.pop``…). bot_data is a typed BotState (ContextTypes(bot_data=BotState)):
    shared state has attributes a type checker knows, never string keys."""
    def is_bot_data(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "bot_data") or (
            isinstance(node, ast.Name) and node.id == "bot_data")

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Subscript) and is_bot_data(node.value):
            found.append(f"{path.name}:{node.lineno} bot_data[...]")
        elif (isinstance(node, ast.Attribute) and node.attr in DICT_METHODS
              and is_bot_data(node.value)):
            found.append(f"{path.name}:{node.lineno} bot_data.{node.attr}")
    return found


def test_no_string_keys_into_bot_data() -> None:
    paths = [*BOT.rglob("*.py"), *(BOT.parent / "standin").glob("*.py")]
    wrong = [hit for path in paths for hit in bot_data_used_as_a_dict(path)]
    assert not wrong, wrong


def test_the_bot_data_check_finds_dict_use(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('app.bot_data["stop_event"].set()\ncontext.bot_data.get("x")\n'
                      'bot_data.setdefault("y", {})\ncontext.bot_data.stop.set()\n',
                      encoding="utf-8")
    assert sorted(bot_data_used_as_a_dict(source)) == [
        "m.py:1 bot_data[...]", "m.py:2 bot_data.get", "m.py:3 bot_data.setdefault"]


# ----------------------------------------------------------------------------- test support
REPO = BOT.parent
SUPPORT_FILES = sorted([*(REPO / "standin").glob("*.py"), REPO / "tests" / "conftest.py",
                        REPO / "tests" / "support.py", REPO / "bench" / "_common.py"])


def test_bench_and_the_standin_do_not_import_tests() -> None:
    wrong = [f"{path.relative_to(REPO)} imports {imported}"
             for path in [*(REPO / "bench").glob("*.py"), *(REPO / "standin").glob("*.py")]
             for imported in imported_modules(path)
             if imported == "tests" or imported.startswith("tests.")]
    assert not wrong, wrong


def test_tests_import_no_conftest() -> None:
    """conftest.py holds fixtures; shared constants are imported from tests/support.py."""
    wrong = [f"{path.relative_to(REPO)} imports {imported}"
             for path in (REPO / "tests").rglob("*.py")
             for imported in imported_modules(path)
             if imported.split(".")[-1] == "conftest" or ".conftest." in imported]
    assert not wrong, wrong


@pytest.mark.parametrize("path", SUPPORT_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_support_files_stay_readable(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"{path.relative_to(REPO)} has {lines} lines; split it by concern"


def test_the_standin_is_not_installed_with_the_bot() -> None:
    import tomllib
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["setuptools"]["packages"]
    assert packages and not [p for p in packages if p.split(".")[0] in ("standin", "tests")]
