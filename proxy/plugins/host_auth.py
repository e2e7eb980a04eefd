"""The credential store for plugins: `host.auth.list`, `host.auth.get`,
`host.auth.get_runtime`, `host.auth.save` (03 §3.12-3.15).

Credentials are addressed by their `auth_index`. `get` returns the file as it is on disk;
`save` writes a new file atomically (temporary file, fsync, rename; mode 0600) and the
proxy picks it up at once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ujson

from proxy.plugins import codec
from proxy.plugins.host_calls import HostCallFailed, HostCalls
from proxy.plugins.methods import HostMethod
from proxy.providers import credentials
from proxy.providers.credentials import Credential

_NAME = re.compile(r"^[^/\\]+\.json$", re.IGNORECASE)


class HostAuth:
    def __init__(
        self,
        auth_dir: Callable[[], Path],
        found: Callable[[], list[Credential]],
        reload: Callable[[], object],
    ) -> None:
        self.auth_dir = auth_dir
        self.found = found
        self.reload = reload

    def install(self, calls: HostCalls) -> None:
        calls.register(HostMethod.AUTH_LIST, None, self.list, "host auth list")
        calls.register(HostMethod.AUTH_GET, None, self.get, "host auth get")
        calls.register(HostMethod.AUTH_GET_RUNTIME, None, self.get_runtime, "host auth get runtime")
        calls.register(HostMethod.AUTH_SAVE, None, self.save, "host auth save")

    def list(self, plugin_id: str, body: Any) -> dict[str, Any]:
        entries = [_entry(c) for c in self.found()]
        return {"files": sorted(entries, key=lambda e: e["name"].lower())}

    def get(self, plugin_id: str, body: Any) -> dict[str, Any]:
        credential = self._find(body)
        if not credential.path:
            raise HostCallFailed(f"auth file path not found for auth_index {credential.index}")
        try:
            raw = Path(credential.path).read_bytes()
        except FileNotFoundError:
            raise HostCallFailed(f"auth file not found for auth_index {credential.index}") from None
        except OSError as exc:
            raise HostCallFailed(f"failed to read auth file: {exc.strerror}") from None
        if not raw.strip():
            raise HostCallFailed(f"auth file is empty for auth_index {credential.index}")
        try:
            parsed = ujson.loads(raw)
        except ValueError as exc:
            raise HostCallFailed(
                f"invalid auth file for auth_index {credential.index}: {exc}"
            ) from None
        if not isinstance(parsed, dict):
            raise HostCallFailed(
                f"invalid auth file for auth_index {credential.index}: not a JSON object"
            )
        return {
            "auth_index": credential.index,
            "name": Path(credential.path).name or credential.id,
            "path": credential.path,
            "json": parsed,
        }

    def get_runtime(self, plugin_id: str, body: Any) -> dict[str, Any]:
        return {"auth": _entry(self._find(body))}

    def save(self, plugin_id: str, body: Any) -> dict[str, Any]:
        request = _object(body, "host auth save")
        name = str(request.get("name") or "").strip()
        if not name or "/" in name or "\\" in name or re.match(r"^[A-Za-z]:", name):
            raise HostCallFailed("invalid auth file name")
        if not _NAME.match(name):
            raise HostCallFailed("auth file name must end with .json")
        content = request.get("json")
        if content is None:
            raise HostCallFailed("json is required")
        if not isinstance(content, dict):
            raise HostCallFailed("invalid auth json: it must be a JSON object")
        raw = _member_text(body, "json") if isinstance(body, bytes) else None
        weight = content.get("weight")
        if weight is not None and not _valid_weight(weight):
            raise HostCallFailed(f"invalid auth weight: {weight!r}")
        directory = self.auth_dir()
        target = directory / name
        # the bytes as the plugin wrote them (03 §3.15), not a re-encoding
        data = raw if raw is not None else ujson.dumps(content, ensure_ascii=False).encode()
        credentials.atomic_write(target, data)
        self.reload()
        return {"name": name, "path": str(target)}

    def _find(self, body: Any) -> Credential:
        index = str(_object(body, "host auth get").get("auth_index") or "").strip()
        if not index:
            raise HostCallFailed("auth_index is required")
        for credential in self.found():
            if credential.index == index:
                return credential
        raise HostCallFailed(f"auth not found for auth_index {index}")


def _object(body: Any, what: str) -> dict[str, Any]:
    """Raw callback bodies: empty or an object (the request struct has a raw `json`)."""
    if body in (None, b"", ""):
        return {}
    if isinstance(body, (bytes, str)):
        try:
            body = ujson.loads(body) if body.strip() else {}
        except ValueError as exc:
            raise HostCallFailed(f"decode {what} request: {exc}") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise HostCallFailed(f"decode {what} request: expected a JSON object")
    return body


def _member_text(document: bytes, key: str) -> bytes | None:
    """The exact text of a top-level member's value in a JSON object, or None."""
    text = document.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position : position + 1] != "{":
        return None
    position = _skip(text, position + 1)
    while position < len(text) and text[position] != "}":
        name, position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position : position + 1] != ":":
            return None
        start = _skip(text, position + 1)
        _, end = decoder.raw_decode(text, start)
        if name == key:
            return text[start:end].encode()
        position = _skip(text, end)
        if text[position : position + 1] == ",":
            position = _skip(text, position + 1)
    return None


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _valid_weight(weight: Any) -> bool:
    if isinstance(weight, bool):
        return False
    if isinstance(weight, str):
        weight = weight.strip()
        if not weight.isdigit():
            return False
        weight = int(weight)
    return isinstance(weight, int) and 0 <= weight <= 1_000_000


def _entry(credential: Credential) -> dict[str, Any]:
    """One `host.auth.list` entry; empty values left out but for name and timestamps."""
    path = Path(credential.path) if credential.path else None
    exists = path is not None and path.is_file()
    stat = path.stat() if exists and path is not None else None
    meta = credential.metadata
    modtime = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC) if stat else None
    entry: dict[str, Any] = {
        "id": credential.id,
        "auth_index": credential.index,
        "name": path.name if path else credential.id,
        "type": credential.provider,
        "provider": credential.provider,
        "label": credential.label,
        "status": credential.status,
        "disabled": credential.disabled,
        "source": "file" if exists else "memory",
        "path": credential.path,
        "size": stat.st_size if stat else 0,
        "email": meta.get("email") or credential.attributes.get("email", ""),
        "project_id": meta.get("project_id") or credential.attributes.get("project_id", ""),
        "priority": credential.priority,
        "note": credential.attributes.get("note") or meta.get("note") or "",
    }
    entry = {k: v for k, v in entry.items() if v not in ("", 0, False, None) or k == "name"}
    entry["modtime"] = codec.format_time(modtime) if modtime else codec.ZERO_TIME
    for stamp in ("updated_at", "created_at", "last_refresh", "next_retry_after"):
        entry[stamp] = codec.ZERO_TIME
    return entry
