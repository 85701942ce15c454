"""YAML loading that remembers line numbers, so every error can point at `file:line`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class KnowledgeError(Exception):
    """Bad knowledge data; the message is `path:line: message` so editors can jump to it."""


class LineDict(dict):  # type: ignore[type-arg]  # holds whatever YAML holds
    """A mapping that knows the (1-based) line it started on in its YAML file."""

    line: int = 0


class LineList(list):  # type: ignore[type-arg]  # holds whatever YAML holds
    """A sequence that knows the (1-based) line it started on in its YAML file."""

    line: int = 0


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml: 10x faster
    """SafeLoader whose mappings/sequences carry line numbers and which rejects duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def line_of(value: Any, default: int = 1) -> int:
    """Line a loaded mapping/sequence started on (or `default` for scalars)."""
    return getattr(value, "line", default) or default


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become KnowledgeError with the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}:1: cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise KnowledgeError(f"{path}:{line}: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}:1: {exc}") from exc
