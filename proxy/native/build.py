"""cffi builder (API mode) for the native plugin host extension `proxy.native._cliproxy`.

The C declarations come from `abi/include/cliproxy_plugin.h`, the project's single
normative description of the ABI: the block between its CFFI markers is fed to cffi as is,
and its method-name macros are exposed as string constants, so the Python side can check
its method table against the header it was compiled with.

The C side lives in host.c beside this file: dlopen shims, the host table and callback
trampoline, calls through the plugin's function table, and the worker pool that makes
plugin calls on C threads (see pool.py for why).
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

typedef struct cpx_job {
    const cliproxy_plugin_api *api;
    const char *method;
    const char *request;
    size_t request_len;
    cliproxy_buffer response;
    int rc;
    ...;
} cpx_job;
typedef struct cpx_pool cpx_pool;
cpx_pool *cpx_pool_new(int threads);
int cpx_pool_fd(cpx_pool *pool);
int cpx_pool_submit(cpx_pool *pool, cpx_job *job);
size_t cpx_pool_collect(cpx_pool *pool, cpx_job **out, size_t max);
void cpx_pool_stop(cpx_pool *pool);

void *malloc(size_t size);
void free(void *ptr);

extern "Python" int cpx_py_host_call(uintptr_t plugin_key, const char *method,
                                     const uint8_t *request, size_t request_len,
                                     cliproxy_buffer *response);
"""

SOURCE = Path(__file__).with_name("host.c")


def make_builder() -> FFI:
    text = HEADER.read_text(encoding="utf-8")
    constants = "".join(f"static char *const {name};\n" for name in method_name_macros(text))
    builder = FFI()
    builder.cdef(header_declarations(text) + SHIMS_CDEF + constants)
    builder.set_source(
        "proxy.native._cliproxy",
        SOURCE.read_text(encoding="utf-8"),
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
