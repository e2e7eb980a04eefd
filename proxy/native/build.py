"""cffi builder (API mode) for the native plugin host extension `proxy.native._cliproxy`.

Declarations come from headers, never from strings re-typed here:

* `abi/include/cliproxy_plugin.h`, the normative ABI: the block between its CFFI markers is
  fed to cffi as is, and its method-name macros become string constants, so the Python
  method table can be checked against the header it was compiled with;
* `host.h` beside this file, the host-internal shims that `host.c` implements: dlopen,
  the host table and callback trampoline, calls through a plugin's table, the worker pool
  (see pool.py for why it exists).

Only the Python side of the callback (`extern "Python"`) and libc's malloc/free are
declared here.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
HEADER_DIR = HERE.parents[1] / "abi" / "include"
HEADER = HEADER_DIR / "cliproxy_plugin.h"
HOST_HEADER = HERE / "host.h"
SOURCE = HERE / "host.c"

_BEGIN = "/* BEGIN CFFI DECLARATIONS */"
_END = "/* END CFFI DECLARATIONS */"
_NAME_MACRO = re.compile(r'^#define\s+(CLIPROXY_(?:METHOD|HOST)_\w+)\s+"', re.MULTILINE)

PYTHON_SIDE = """
void *malloc(size_t size);
void free(void *ptr);

extern "Python" int cpx_py_host_call(uintptr_t plugin_key, const char *method,
                                     const uint8_t *request, size_t request_len,
                                     cliproxy_buffer *response);
"""


def header_declarations(text: str) -> str:
    """The plain-C block between a header's CFFI markers."""
    start, end = text.index(_BEGIN) + len(_BEGIN), text.index(_END)
    return text[start:end]


def method_name_macros(text: str) -> list[str]:
    return _NAME_MACRO.findall(text)


def make_builder() -> FFI:
    abi = HEADER.read_text(encoding="utf-8")
    constants = "".join(f"static char *const {name};\n" for name in method_name_macros(abi))
    builder = FFI()
    builder.cdef(
        header_declarations(abi)
        + header_declarations(HOST_HEADER.read_text(encoding="utf-8"))
        + PYTHON_SIDE
        + constants
    )
    builder.set_source(
        "proxy.native._cliproxy",
        SOURCE.read_text(encoding="utf-8"),
        include_dirs=[str(HEADER_DIR), str(HERE)],
        libraries=[] if sys.platform == "win32" else ["dl"],
    )
    return builder


ffibuilder = make_builder()

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
