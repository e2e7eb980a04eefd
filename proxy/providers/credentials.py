"""Credentials: the auth files in `auth-dir` and their in-memory records (02 §0.6, §5).

A credential file is a JSON object whose `type` names its provider. Auth-provider plugins
parse the files they own (`auth.parse`); any other file with a `type` is read as is. Saving
is atomic (a temporary file in the same directory, fsync, rename, fsync of the directory),
so a crash leaves either the old or the new file, never half of one.

What a plugin gets back later as `StorageJSON` is the stored JSON object merged with the
credential's metadata (metadata wins) plus `"type": <provider>`: exactly what is on disk.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ujson

from proxy.errors import ProxyError
from proxy.plugins.codec import ZERO_TIME

log = logging.getLogger("cliproxy.auth")


class CredentialError(ProxyError):
    """A credential cannot be read, converted or saved; the message names the file."""

    code = "invalid_credential"


@dataclass
class Credential:
    id: str  # the file path relative to auth-dir
    provider: str  # lower-cased
    path: str = ""  # absolute path of the file it lives in
    file_name: str = ""
    label: str = ""
    prefix: str = ""
    proxy_url: str = ""
    disabled: bool = False
    storage: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    next_refresh_after: str = ZERO_TIME
    models: tuple[str, ...] = ()  # what model discovery registered for it

    @property
    def index(self) -> str:
        """The public `auth_index` (management API, host.auth.*): 16 hex digits of the
        SHA-256 of `<provider>:<absolute path>` as CLIProxyAPI derives it, or of the id for
        a credential without a file; it does not leak the file name."""
        seed = f"{self.provider}:{self.path}" if self.path else self.id
        return hashlib.sha256(seed.encode()).hexdigest()[:16]

    @property
    def priority(self) -> int:
        try:
            return int(self.attributes.get("priority", "0"))
        except ValueError:
            return 0

    @property
    def status(self) -> str:
        return "disabled" if self.disabled else "active"

    def stored_json(self) -> dict[str, Any]:
        """The JSON object written to disk and sent back to plugins as StorageJSON."""
        return {**self.storage, **self.metadata, "type": self.provider}

    def storage_bytes(self) -> bytes:
        return ujson.dumps(self.stored_json(), ensure_ascii=False).encode()

    def auth_data(self) -> dict[str, Any]:
        """The credential as the wire's AuthData."""
        return {
            "Provider": self.provider,
            "ID": self.id,
            "FileName": self.file_name,
            "Label": self.label,
            "Prefix": self.prefix,
            "ProxyURL": self.proxy_url,
            "Disabled": self.disabled,
            "StorageJSON": self.storage_bytes(),
            "Metadata": self.metadata or None,
            "Attributes": self.attributes or None,
            "NextRefreshAfter": self.next_refresh_after,
        }


def provider_of(raw: dict[str, Any]) -> str:
    kind = raw.get("type")
    if not isinstance(kind, str):
        return ""
    kind = kind.strip().lower()
    return "gemini-cli" if kind == "gemini" else kind


def from_auth_data(
    data: dict[str, Any], auth_dir: Path, *, path: str = "", default_provider: str = ""
) -> Credential:
    """Converts a plugin's AuthData (02 §0.6): provider required, `type` forced to it, id
    defaulting to the file's path relative to auth-dir."""
    provider = (data["Provider"] or default_provider).strip().lower()
    if not provider:
        raise CredentialError(f"credential {data['ID'] or data['FileName'] or path}: no Provider")
    file_name = data["FileName"] or (Path(path).name if path else "")
    if not path and file_name:
        path = str(auth_dir / file_name)
    ident = data["ID"] or (_relative(Path(path), auth_dir) if path else file_name)
    if not ident:
        raise CredentialError(f"credential of provider {provider}: no ID and no FileName")
    try:
        storage = loads_object(data["StorageJSON"]) if data["StorageJSON"] else {}
    except CredentialError as exc:
        raise CredentialError(f"credential {ident}: StorageJSON: {exc.message}") from None
    metadata = dict(data["Metadata"] or {})
    metadata["type"] = provider
    attributes = dict(data["Attributes"] or {})
    if path:
        attributes.setdefault("path", path)
        attributes.setdefault("source", path)
    return Credential(
        id=ident,
        provider=provider,
        path=path,
        file_name=file_name,
        label=data["Label"],
        prefix=data["Prefix"],
        proxy_url=data["ProxyURL"],
        disabled=data["Disabled"],
        storage=storage,
        metadata=metadata,
        attributes=attributes,
        next_refresh_after=data["NextRefreshAfter"] or ZERO_TIME,
    )


def from_file(raw: dict[str, Any], path: Path, auth_dir: Path) -> Credential:
    """A file no plugin claimed: its `type` is the provider, the whole object is metadata."""
    provider = provider_of(raw)
    if not provider:
        raise CredentialError(f"{path}: no `type` naming the credential's provider")
    attributes = {"path": str(path), "source": str(path)}
    for key in ("priority", "prefix", "proxy_url", "base_url"):
        if isinstance(raw.get(key), (str, int)) and not isinstance(raw.get(key), bool):
            attributes[key] = str(raw[key])
    return Credential(
        id=_relative(path, auth_dir),
        provider=provider,
        path=str(path),
        file_name=path.name,
        label=str(raw.get("label") or raw.get("email") or ""),
        prefix=str(raw.get("prefix") or ""),
        proxy_url=str(raw.get("proxy_url") or ""),
        disabled=raw.get("disabled") is True,
        storage=dict(raw),
        metadata={**raw, "type": provider},
        attributes=attributes,
    )


def loads_object(data: bytes) -> dict[str, Any]:
    try:
        parsed = ujson.loads(data)
    except ValueError:
        raise CredentialError("credential JSON is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise CredentialError("credential JSON must be an object")
    return parsed


def credential_files(auth_dir: Path) -> list[Path]:
    """The JSON files of auth-dir, sorted; hidden files (OAuth callback drops) excluded."""
    if not auth_dir.is_dir():
        return []
    return sorted(p for p in auth_dir.rglob("*.json") if p.is_file() and not p.name.startswith("."))


def read_json(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        raw = path.read_bytes()
        parsed = ujson.loads(raw)
    except OSError as exc:
        raise CredentialError(f"{path}: {exc.strerror}") from None
    except ValueError as exc:
        raise CredentialError(f"{path}: not JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise CredentialError(f"{path}: a credential file holds a JSON object")
    return raw, parsed


def save(credential: Credential, auth_dir: Path) -> Path:
    """Writes the credential's file atomically and returns its path."""
    target = Path(credential.path) if credential.path else auth_dir / credential.id
    if not target.is_absolute() or not _inside(target, auth_dir):
        raise CredentialError(f"credential {credential.id}: refusing to write outside {auth_dir}")
    atomic_write(target, credential.storage_bytes())
    credential.path = str(target)
    credential.attributes.setdefault("path", str(target))
    return target


def atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # credentials are secrets
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself reaches the disk
    finally:
        os.close(directory)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


def _inside(path: Path, base: Path) -> bool:
    try:
        path.resolve().relative_to(base.resolve())
    except ValueError:
        return False
    return True
