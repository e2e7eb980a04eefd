"""What the pipeline executes a request with: an `Executor`, whether a plugin's
`executor` capability or a built-in upstream provider. The pipeline speaks the
ExecutorRequest shape of 02 §13 to both, so interceptors, translation, credentials,
usage and lifecycle treat them alike.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from proxy.plugins import executor as plugin_executor
from proxy.plugins.executor import ExecutorReply, OpenedStream
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry
from proxy.plugins.streams import StreamRegistry

__all__ = ["Call", "Executor", "ExecutorReply", "OpenedStream", "PluginExecutor"]


class Call(NamedTuple):
    """One executor call: the ExecutorRequest fields and where it belongs."""

    request: dict[str, Any]
    request_id: str
    scopes: ScopeRegistry
    streams: StreamRegistry
    idle_timeout: float = 0


class Executor(Protocol):
    name: str  # for messages: "plugin executor-c", "provider openai-compatibility:x"
    kind: str  # usage records' ExecutorType
    input_formats: tuple[str, ...]
    output_formats: tuple[str, ...]

    async def execute(self, call: Call) -> ExecutorReply: ...

    async def count_tokens(self, call: Call) -> ExecutorReply: ...

    async def open_stream(self, call: Call) -> OpenedStream: ...


class PluginExecutor:
    """A plugin's `executor.*` methods (02 §12-14)."""

    def __init__(self, plugin: Plugin) -> None:
        registration = plugin.registration
        assert registration is not None
        self.plugin = plugin
        self.name = f"plugin executor {plugin.id}"
        self.kind = f"plugin:{plugin.id}"
        self.input_formats = registration.input_formats
        self.output_formats = registration.output_formats

    def execute(self, call: Call) -> Any:  # the coroutine itself: one layer less
        return plugin_executor.execute(self.plugin, call.request, call.scopes, call.request_id)

    def count_tokens(self, call: Call) -> Any:
        return plugin_executor.count_tokens(self.plugin, call.request, call.scopes, call.request_id)

    def open_stream(self, call: Call) -> Any:
        return plugin_executor.open_stream(
            self.plugin,
            call.request,
            call.streams,
            call.scopes,
            call.request_id,
            idle_timeout=call.idle_timeout,
        )
