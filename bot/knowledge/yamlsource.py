"""YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` throws line numbers away and silently keeps the last of two duplicate
keys. Operators editing the knowledge for a new call need ``file:line: message`` for every
problem, so we compose the node tree ourselves and keep a line for each path.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[Any, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a knowledge file, printable as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Located:
    """A parsed YAML document plus the line of every mapping key and sequence item."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line(self, *path: Any) -> int:
        """Line of the deepest known prefix of ``path`` (1 when nothing is known)."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)

    def problem(self, message: str, *path: Any) -> Problem:
        return Problem(self.file, self.line(*path), message)


# libyaml's loader gives the same nodes with the same line marks; composing with it instead of
# the pure-Python one took knowledge loading from ~260 ms to ~70 ms (bench/answer_speed.py,
# after the city gazetteer grew). PyYAML's wheels ship libyaml; the fallback keeps a source
# build working.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_located(path: Path, problems: list[Problem]) -> Located | None:
    """Parse ``path``; on failure append a Problem and return None."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(name, 1, "file is missing"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, 1, f"cannot read file: {exc}"))
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(name, line, f"invalid YAML: {exc.problem or exc}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 1, f"invalid YAML: {exc}"))
        return None
    finally:
        loader.dispose()
    located = Located(name, None)
    if node is None:
        problems.append(Problem(name, 1, "file is empty"))
        return None
    located.data = _build(node, (), located, problems, loader)
    return located


def _build(node: yaml.Node, path: PathKey, located: Located, problems: list[Problem],
           loader: yaml.SafeLoader) -> Any:
    located.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, path, located, problems, loader)
            if not isinstance(key, (str, int)):
                problems.append(located.problem("mapping keys must be plain text", *path))
                continue
            if key in result:
                located.lines[path + (key,)] = key_node.start_mark.line + 1
                problems.append(located.problem(f"duplicate key '{key}'", *path, key))
                continue
            located.lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, path + (key,), located, problems, loader)
            located.lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), located, problems, loader)
                for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError) as exc:          # e.g. an impossible date: 2027-02-29
        problems.append(located.problem(f"invalid value {node.value!r}: {exc}", *path))
        return None
