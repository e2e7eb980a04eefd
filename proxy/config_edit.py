"""Edits to the config file that keep everything else as written: comments, order,
quoting and unrelated keys (04 §6: management writes preserve comments).

Only what the management API changes is supported: a scalar under
`plugins.configs.<id>`. The value's text span is replaced in place; a missing key is
inserted as the mapping's first line, with the indentation of its siblings; missing
parent mappings are appended at the end of their parent.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from proxy.config import _Loader
from proxy.errors import ConfigError
from proxy.providers.credentials import atomic_write


def set_plugin_value(path: Path, plugin_id: str, key: str, value: str) -> None:
    """Writes `plugins.configs.<plugin_id>.<key>: <value>` (value is YAML text)."""
    text = path.read_text(encoding="utf-8")
    atomic_write(path, set_value(text, ("plugins", "configs", plugin_id), key, value).encode())


def set_value(text: str, parents: tuple[str, ...], key: str, value: str) -> str:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file is not valid YAML: {exc}") from None
    if root is None:
        return text.rstrip("\n") + ("\n" if text.strip() else "") + _block(parents, key, value, 0)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("the config's top level is not a mapping")
    node: yaml.MappingNode = root
    for depth, name in enumerate(parents):
        child = _child(node, name)
        if child is None or (
            isinstance(child, yaml.ScalarNode) and child.value in ("", "null", "~")
        ):
            if child is not None:
                raise ConfigError(
                    f"{'.'.join(parents[: depth + 1])} is empty; set it to a mapping first"
                )
            return _append(text, node, _block(parents[depth:], key, value, _indent_of(node, depth)))
        if not isinstance(child, yaml.MappingNode) or child.flow_style:
            raise ConfigError(
                f"{'.'.join(parents[: depth + 1])} must be a block mapping to be edited"
            )
        node = child
    target = _child(node, key)
    if target is not None:
        if not isinstance(target, yaml.ScalarNode):
            raise ConfigError(f"{'.'.join(parents)}.{key} is not a scalar")
        start, end = target.start_mark.index, target.end_mark.index
        return text[:start] + value + text[end:]
    first_key = node.value[0][0]
    column = first_key.start_mark.column
    line_start = first_key.start_mark.index - column
    return text[:line_start] + " " * column + f"{key}: {value}\n" + text[line_start:]


def _child(node: yaml.MappingNode, name: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == name:
            return value_node
    return None


def _indent_of(node: yaml.MappingNode, depth: int) -> int:
    return node.value[0][0].start_mark.column if node.value else depth * 2


def _block(names: tuple[str, ...], key: str, value: str, indent: int) -> str:
    lines = [" " * (indent + 2 * i) + f"{name}:" for i, name in enumerate(names)]
    lines.append(" " * (indent + 2 * len(names)) + f"{key}: {value}")
    return "\n".join(lines) + "\n"


def _append(text: str, node: yaml.MappingNode, block: str) -> str:
    """Inserts `block` right after the mapping `node` ends."""
    end = node.end_mark.index
    before = text[:end]
    if before and not before.endswith("\n"):
        before += "\n"
    return before + block + text[end:]
