"""Which formats an executor is spoken to in (02 §12 "format negotiation").

Input: the client's format when the executor declares it, else the first declared input
that the registry can translate the client's format into. Output: the client's format when
declared, else the chosen input format when it is also an output and translates back, else
the first declared output that translates back.
"""

from __future__ import annotations

from typing import NamedTuple

from proxy.errors import PluginCallError
from proxy.executors import Executor, PluginExecutor
from proxy.formats.registry import Hooks
from proxy.plugins.plugin import Plugin


class FormatUnsupported(PluginCallError):
    status = 502


class Formats(NamedTuple):
    input: str  # what the executor's payload is in
    output: str  # what the executor answers in


def negotiate(executor: Executor, client_format: str, hooks: Hooks) -> Formats:
    inputs, outputs = executor.input_formats, executor.output_formats
    if not inputs:
        raise FormatUnsupported(f"{executor.name} declares no input formats")
    if not outputs:
        raise FormatUnsupported(f"{executor.name} declares no output formats")
    chosen_input = _first(
        inputs, client_format, lambda f: hooks.request_translatable(client_format, f)
    )
    if chosen_input is None:
        raise FormatUnsupported(
            f"{executor.name} does not support input format {client_format} "
            f"(declares: {', '.join(inputs)})"
        )
    if client_format in outputs:
        return Formats(chosen_input, client_format)
    if chosen_input in outputs and hooks.response_translatable(chosen_input, client_format):
        return Formats(chosen_input, chosen_input)
    chosen_output = _first(outputs, "", lambda f: hooks.response_translatable(f, client_format))
    if chosen_output is None:
        raise FormatUnsupported(
            f"{executor.name} does not support output format {client_format} "
            f"(declares: {', '.join(outputs)})"
        )
    return Formats(chosen_input, chosen_output)


def direct_ready(plugin: Plugin, client_format: str, hooks: Hooks) -> bool:
    """Whether a router may send a request straight to this plugin's executor (02 §33)."""
    registration = plugin.registration
    if not plugin.active or registration is None or not registration.has("executor"):
        return False
    if registration.executor_scope == "oauth":
        return False
    try:
        negotiate(PluginExecutor(plugin), client_format, hooks)
    except FormatUnsupported:
        return False
    return True


def _first(declared: tuple[str, ...], preferred: str, usable: object) -> str | None:
    if preferred and preferred in declared:
        return preferred
    return next((f for f in declared if usable(f)), None)  # type: ignore[operator]
