"""Typed access to parsed YAML mappings, with errors that name the full key path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxy.errors import ConfigError


class Reader:
    """Typed access to one mapping, with errors that name the full key path."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        self.data, self.prefix = data, prefix

    def path(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def section(self, key: str) -> Reader:
        value = self.data.get(key)
        if value is None:
            return Reader({}, f"{self.path(key)}.")
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path(key)}: expected a mapping")
        return Reader(value, f"{self.path(key)}.")

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(f"{self.path(key)}: expected true or false, got {value!r}")
        return value

    def string(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(f"{self.path(key)}: expected a string, got {value!r}")
        return value

    def integer(
        self, key: str, default: int, low: int | None = None, high: int | None = None
    ) -> int:
        value = self.data.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{self.path(key)}: expected an integer, got {value!r}")
        _check_range(self.path(key), value, low, high)
        return value

    def number(self, key: str, default: float, low: float | None = None) -> float:
        value = self.data.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{self.path(key)}: expected a number, got {value!r}")
        _check_range(self.path(key), value, low, None)
        return float(value)

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.path(key)}: expected a list of strings")
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))

    def mappings(self, key: str) -> list[Reader]:
        """A list of mappings (`openai-compatibility: [...]`), one reader per item."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError(f"{self.path(key)}: expected a list")
        readers = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise ConfigError(f"{self.path(key)}[{index}]: expected a mapping")
            readers.append(Reader(item, f"{self.path(key)}[{index}]."))
        return readers

    def string_map(self, key: str) -> dict[str, str]:
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ConfigError(f"{self.path(key)}: expected a mapping of strings")
        return dict(value)


def _check_range(path: str, value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise ConfigError(f"{path}: must be at least {low:g}, got {value:g}")
    if high is not None and value > high:
        raise ConfigError(f"{path}: must be at most {high:g}, got {value:g}")
