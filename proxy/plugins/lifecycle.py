"""Fire-and-forget notifications: `request.complete` (02 §20) and `usage.handle` (§27).

Both leave the request path through one bounded queue drained by a background worker,
detached from the client's request, so a notification is delivered even after the client
left (README point 3). Plugin errors are logged. When plugins fall so far behind that the
queue is full, new notifications are dropped with a warning rather than holding up
requests.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin
from proxy.plugins.scopes import ScopeRegistry

log = logging.getLogger("cliproxy.plugins")


class Notifier:
    """Delivers notifications in the background. `close` waits for the queue to drain."""

    def __init__(self, scopes: ScopeRegistry, capacity: int = 10_000) -> None:
        self.scopes = scopes
        self.capacity = capacity
        self._queue: asyncio.Queue[tuple[tuple[Plugin, ...], Method, dict[str, Any]]] | None = None
        self._worker: asyncio.Task[None] | None = None

    def _ensure(self) -> asyncio.Queue[tuple[tuple[Plugin, ...], Method, dict[str, Any]]]:
        if self._queue is None:
            self._queue = asyncio.Queue(self.capacity)
            self._worker = asyncio.get_running_loop().create_task(self._run())
        return self._queue

    def completed(self, plugins: tuple[Plugin, ...], completion: dict[str, Any]) -> None:
        """Queues a RequestCompletion for every lifecycle plugin (on the loop thread)."""
        if plugins:
            self._put(plugins, Method.REQUEST_COMPLETE, completion)

    def usage(self, plugins: tuple[Plugin, ...], record: dict[str, Any]) -> None:
        """Queues a UsageRecord for every usage plugin (on the loop thread)."""
        if plugins:
            self._put(plugins, Method.USAGE_HANDLE, record)

    def _put(self, plugins: tuple[Plugin, ...], method: Method, body: dict[str, Any]) -> None:
        queue = self._ensure()
        try:
            queue.put_nowait((plugins, method, body))
        except asyncio.QueueFull:
            log.warning("notification queue full (%d); %s dropped", self.capacity, method.value)

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            plugins, method, body = await self._queue.get()
            try:
                await self._deliver(plugins, method, body)
            finally:
                self._queue.task_done()

    async def _deliver(
        self, plugins: tuple[Plugin, ...], method: Method, body: dict[str, Any]
    ) -> None:
        if method is Method.REQUEST_COMPLETE:
            struct, scoped = schema.REQUEST_COMPLETION, True
        else:
            struct, scoped = schema.USAGE_RECORD, False
        calls = [
            rpc.call(
                plugin,
                method,
                struct,
                body,
                schema.PAYLOAD_RESPONSE if scoped else "raw",
                scopes=self.scopes if scoped else None,
                request_id=body.get("RequestID", ""),
            )
            for plugin in plugins
        ]
        # request.complete goes to all lifecycle plugins at once (no ordering, 02 §20);
        # usage goes to each usage plugin in turn (02 §27).
        if scoped:
            results = await asyncio.gather(*calls, return_exceptions=True)
        else:
            results = []
            for call in calls:
                try:
                    results.append(await call)
                except ProxyError as exc:
                    results.append(exc)
        for plugin, result in zip(plugins, results, strict=True):
            if isinstance(result, ProxyError):
                log.warning("plugin %s: %s failed: %s", plugin.id, method.value, result.message)
            elif isinstance(result, BaseException):
                log.error("plugin %s: %s failed", plugin.id, method.value, exc_info=result)

    async def drain(self) -> None:
        if self._queue is not None:
            await self._queue.join()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
