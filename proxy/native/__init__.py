"""The native boundary: loading plugin binaries and crossing the C ABI in both directions.

Nothing in this package knows about JSON or capabilities; it moves bytes between Python and
a shared library and keeps the memory rules of `abi/include/cliproxy_plugin.h`.
"""
