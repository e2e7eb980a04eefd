"""The header is the single source of truth: the compiled extension, the Python method
table and the struct layout all agree with it."""

from __future__ import annotations

from proxy.native._cliproxy import ffi, lib

from proxy.native import build
from proxy.plugins.methods import HostMethod, Method


def test_method_table_matches_the_header_macros() -> None:
    macros = build.method_name_macros(build.HEADER.read_text())
    from_header = {name: ffi.string(getattr(lib, name)).decode() for name in macros}
    expected = {f"CLIPROXY_METHOD_{m.name}": m.value for m in Method}
    expected |= {f"CLIPROXY_HOST_{m.name}": m.value for m in HostMethod}
    assert from_header == expected


def test_struct_layout_is_the_abi_v1_layout() -> None:
    pointer = ffi.sizeof("void *")
    assert ffi.sizeof("cliproxy_buffer") == 2 * pointer
    for struct in ("cliproxy_host_api", "cliproxy_plugin_api"):
        assert ffi.sizeof(struct) == 4 * pointer
        assert ffi.offsetof(struct, "abi_version") == 0
    assert ffi.offsetof("cliproxy_host_api", "host_ctx") == pointer
    assert ffi.offsetof("cliproxy_host_api", "call") == 2 * pointer
    assert ffi.offsetof("cliproxy_host_api", "free_buffer") == 3 * pointer
    assert ffi.offsetof("cliproxy_plugin_api", "call") == pointer
    assert ffi.offsetof("cliproxy_plugin_api", "shutdown") == 3 * pointer
    assert lib.CLIPROXY_ABI_VERSION == 1
    assert lib.CLIPROXY_SCHEMA_VERSION == 3
