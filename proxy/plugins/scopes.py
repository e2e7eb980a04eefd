"""`host_callback_id` scopes (03 §2): which request a host callback belongs to.

A scope is opened right before a plugin call that carries a `host_callback_id` and closed
when the call returns (for an asynchronous `executor.execute_stream`, when the stream ends).
Callbacks that pass the id back are attributed to that request: the request id in
`host.log`, and later cancellation and nested model runs. Unknown or stale ids fall back
to no scope, never to an error.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

Values = dict[str, list[str]]


@dataclass
class Scope:
    id: str
    plugin_id: str
    request_id: str
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    # the client request's headers and query, for nested runs that send none (03 §3.6)
    inbound: tuple[Values, Values] | None = None


class ScopeRegistry:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._scopes: dict[str, Scope] = {}
        self._lock = threading.Lock()

    def open(
        self, plugin_id: str, request_id: str, inbound: tuple[Values, Values] | None = None
    ) -> Scope:
        with self._lock:
            scope = Scope(str(next(self._ids)), plugin_id, request_id, inbound=inbound)
            self._scopes[scope.id] = scope
        return scope

    def get(self, scope_id: str) -> Scope | None:
        return self._scopes.get(scope_id) if scope_id else None

    def close(self, scope: Scope) -> None:
        with self._lock:
            self._scopes.pop(scope.id, None)
        for cleanup in scope.cleanups:
            cleanup()

    def __len__(self) -> int:
        return len(self._scopes)
