"""cffi builder (API mode) for the native plugin host extension `proxy.native._cliproxy`.

The C declarations come from `abi/include/cliproxy_plugin.h`, the project's single
normative description of the ABI: the block between its CFFI markers is fed to cffi as is,
and its method-name macros are exposed as string constants, so the Python side can check
its method table against the header it was compiled with.

The small C shims below exist for two reasons. Calling through the plugin's function table
from compiled C code (rather than through a cffi function-pointer cdata) is a direct call
that releases the GIL. And the host callback must answer "no live plugin" (return 1) and
zero the response before any Python runs, so that those rules hold even while the
interpreter is shutting down.
"""

from __future__ import annotations

import re
from pathlib import Path

from cffi import FFI

HEADER_DIR = Path(__file__).resolve().parents[2] / "abi" / "include"
HEADER = HEADER_DIR / "cliproxy_plugin.h"

_BEGIN = "/* BEGIN CFFI DECLARATIONS */"
_END = "/* END CFFI DECLARATIONS */"
_NAME_MACRO = re.compile(r'^#define\s+(CLIPROXY_(?:METHOD|HOST)_\w+)\s+"', re.MULTILINE)


def header_declarations(text: str) -> str:
    """The plain-C block of the header that cffi parses."""
    start, end = text.index(_BEGIN) + len(_BEGIN), text.index(_END)
    return text[start:end]


def method_name_macros(text: str) -> list[str]:
    return _NAME_MACRO.findall(text)


SHIMS_CDEF = """
void *cpx_dlopen(const char *path);
void *cpx_dlsym(void *handle, const char *name);
const char *cpx_dlerror(void);

cliproxy_host_api *cpx_new_host_api(uintptr_t plugin_key);

int cpx_plugin_init(void *init_fn, const cliproxy_host_api *host, cliproxy_plugin_api *plugin);
int cpx_plugin_call(const cliproxy_plugin_api *api, const char *method,
                    const char *request, size_t request_len, cliproxy_buffer *response);
void cpx_plugin_free(const cliproxy_plugin_api *api, void *ptr, size_t len);
void cpx_plugin_shutdown(const cliproxy_plugin_api *api);

void *malloc(size_t size);
void free(void *ptr);

extern "Python" int cpx_py_host_call(uintptr_t plugin_key, const char *method,
                                     const uint8_t *request, size_t request_len,
                                     cliproxy_buffer *response);
"""

SHIMS_SOURCE = r"""
#include <stdlib.h>
#include <string.h>
#include "cliproxy_plugin.h"

#ifdef _WIN32
#include <windows.h>
static __declspec(thread) char cpx_error_text[512];

void *cpx_dlopen(const char *path) {
    wchar_t wide[32768];
    if (!MultiByteToWideChar(CP_UTF8, 0, path, -1, wide, 32768)) return NULL;
    return (void *)LoadLibraryW(wide);
}
void *cpx_dlsym(void *handle, const char *name) {
    return (void *)GetProcAddress((HMODULE)handle, name);
}
const char *cpx_dlerror(void) {
    DWORD code = GetLastError();
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                        0, cpx_error_text, sizeof cpx_error_text, NULL))
        snprintf(cpx_error_text, sizeof cpx_error_text, "error %lu", (unsigned long)code);
    return cpx_error_text;
}
#else
#include <dlfcn.h>
void *cpx_dlopen(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
void *cpx_dlsym(void *handle, const char *name) { dlerror(); return dlsym(handle, name); }
const char *cpx_dlerror(void) { const char *e = dlerror(); return e ? e : "unknown error"; }
#endif

static int cpx_py_host_call(uintptr_t plugin_key, const char *method, const uint8_t *request,
                            size_t request_len, cliproxy_buffer *response);

/* The trampoline every plugin receives as host->call. */
static int cpx_host_call(void *host_ctx, const char *method, const uint8_t *request,
                         size_t request_len, cliproxy_buffer *response) {
    if (response) { response->ptr = NULL; response->len = 0; }
    if (!host_ctx || !method) return 1;
    return cpx_py_host_call(*(const uintptr_t *)host_ctx, method, request, request_len, response);
}

/* Host callback replies are malloc'ed by the Python side, so this is plain free(). */
static void cpx_host_free(void *ptr, size_t len) { (void)len; free(ptr); }

/* Allocated once per load and intentionally never freed: a plugin thread that calls back
 * after shutdown must find readable memory (its key is then unknown and it gets 1). */
cliproxy_host_api *cpx_new_host_api(uintptr_t plugin_key) {
    cliproxy_host_api *api = calloc(1, sizeof *api);
    uintptr_t *ctx = malloc(sizeof *ctx);
    if (!api || !ctx) { free(api); free(ctx); return NULL; }
    *ctx = plugin_key;
    api->abi_version = CLIPROXY_ABI_VERSION;
    api->host_ctx = ctx;
    api->call = cpx_host_call;
    api->free_buffer = cpx_host_free;
    return api;
}

int cpx_plugin_init(void *init_fn, const cliproxy_host_api *host, cliproxy_plugin_api *plugin) {
    return ((cliproxy_plugin_init_fn)init_fn)(host, plugin);
}
int cpx_plugin_call(const cliproxy_plugin_api *api, const char *method, const char *request,
                    size_t request_len, cliproxy_buffer *response) {
    return api->call(method, (const uint8_t *)request, request_len, response);
}
void cpx_plugin_free(const cliproxy_plugin_api *api, void *ptr, size_t len) {
    api->free_buffer(ptr, len);
}
void cpx_plugin_shutdown(const cliproxy_plugin_api *api) {
    if (api->shutdown) api->shutdown();
}
"""


def make_builder() -> FFI:
    text = HEADER.read_text(encoding="utf-8")
    constants = "".join(f"static char *const {name};\n" for name in method_name_macros(text))
    builder = FFI()
    builder.cdef(header_declarations(text) + SHIMS_CDEF + constants)
    builder.set_source(
        "proxy.native._cliproxy",
        SHIMS_SOURCE,
        include_dirs=[str(HEADER_DIR)],
        libraries=[] if _is_windows() else ["dl"],
    )
    return builder


def _is_windows() -> bool:
    import sys

    return sys.platform == "win32"


ffibuilder = make_builder()

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
