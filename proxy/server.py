"""Hypercorn, started in-process: HTTP/1.1 and h2c (prior knowledge and Upgrade) on the
plain port, h2 over TLS through ALPN when `tls.enable` is set.

SIGINT and SIGTERM shut down gracefully: stop accepting, let in-flight requests and streams
finish (up to `limits.graceful-shutdown-seconds`), then drain and shut down the plugins.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HypercornConfig
from starlette.routing import BaseRoute

from proxy.config import Config, ConfigError
from proxy.http.app import create_app
from proxy.pipeline.nested import NestedExecutions
from proxy.plugins.host_auth import HostAuth
from proxy.plugins.host_http import HostHTTP, Limits
from proxy.runtime import Runtime

log = logging.getLogger("cliproxy")

T = TypeVar("T")

# Closing a TLS connection waits for the peer's close_notify, by default up to 30 s; an
# idle HTTP/2 client that never answers it would hold a graceful shutdown that long. The
# constant is read whenever a TLS transport is made, so setting it here bounds them all.
TLS_CLOSE_SECONDS = 2.0
asyncio.constants.SSL_SHUTDOWN_TIMEOUT = TLS_CLOSE_SECONDS  # type: ignore[attr-defined]


def run(main: Coroutine[Any, Any, T], config: Config) -> T:
    """Runs the server's coroutine on the configured event loop (`event-loop`). `auto`
    picks uvloop where it is installed (not on Windows) and TLS is off: its C transports
    cut the proxy's own cost per upstream request by about a fifth (docs/benchmarks.md),
    but its TLS shutdown waits up to 30 s for a peer's close_notify and, unlike asyncio's
    (TLS_CLOSE_SECONDS), that cannot be shortened, so an idle HTTP/2 client would hold up
    a graceful shutdown."""
    wanted = config.event_loop
    if wanted == "uvloop" or (wanted == "auto" and not config.tls.enable):
        try:
            import uvloop
        except ImportError:
            if wanted == "uvloop":
                main.close()
                raise ConfigError("event-loop: uvloop is not installed") from None
        else:
            return uvloop.run(main)
    return asyncio.run(main)


def hypercorn_config(config: Config) -> HypercornConfig:
    hc = HypercornConfig()
    host = f"[{config.host}]" if ":" in config.host else config.host
    hc.bind = [f"{host}:{config.port}"]
    if config.tls.enable:
        hc.certfile = str(config.base_dir / config.tls.cert)
        hc.keyfile = str(config.base_dir / config.tls.key)
    hc.alpn_protocols = ["h2", "http/1.1"]
    hc.h2_max_concurrent_streams = config.limits.h2_max_concurrent_streams
    hc.keep_alive_timeout = config.limits.keep_alive_timeout
    hc.read_timeout = config.limits.read_timeout or None  # type: ignore[assignment]
    hc.graceful_timeout = config.limits.graceful_timeout
    hc.accesslog = logging.getLogger("cliproxy.access") if config.access_log else None
    hc.access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
    hc.errorlog = logging.getLogger("cliproxy.server")
    return hc


class Running:
    """A runtime brought up for serving: host callbacks installed, the configuration
    applied, the config and credential watcher running. `stop` undoes it all; the HTTP
    server (ours, or the application that mounted the proxy) is stopped before."""

    def __init__(self, runtime: Runtime, http: HostHTTP, watcher: asyncio.Task[None]) -> None:
        self.runtime, self.http, self.watcher = runtime, http, watcher

    @classmethod
    async def start(cls, runtime: Runtime) -> Running:
        loop = asyncio.get_running_loop()
        NestedExecutions(runtime, loop).install()
        http = HostHTTP(
            runtime.scopes, loop, runtime.config.proxy_url, lambda: _http_limits(runtime)
        )
        http.install(runtime.host.host_calls)
        HostAuth(
            lambda: runtime.config.auth_path,
            lambda: list(runtime.current.pool.by_id.values()),
            runtime.reload_credentials,
        ).install(runtime.host.host_calls)
        await asyncio.to_thread(runtime.apply, runtime.config)
        return cls(runtime, http, asyncio.create_task(runtime.watch()))

    async def stop(self) -> bool:
        """False when a plugin call was still running at the end (see Runtime.shutdown)."""
        runtime = self.runtime
        self.watcher.cancel()
        # notifications of the last requests reach their plugins before those shut down
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                runtime.notifier.drain(), runtime.config.plugins.shutdown_timeout or None
            )
        runtime.notifier.close()
        log.info("shutting down plugins")
        drained = await asyncio.to_thread(runtime.shutdown)
        await self.http.aclose()
        await runtime.upstream.aclose()
        return drained


async def serve(runtime: Runtime, extra_routes: Sequence[BaseRoute] = ()) -> bool:
    """Applies the configuration, serves until a signal arrives, then shuts down. Returns
    False when a plugin call was still running at the end (see Runtime.shutdown)."""
    running = await Running.start(runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    scheme = "https" if runtime.config.tls.enable else "http"
    log.info(
        "cliproxy serving on %s://%s:%d (%d models)",
        scheme,
        runtime.config.host,
        runtime.config.port,
        len(runtime.current.catalog.models),
    )
    _tune_garbage_collector()
    try:
        await hypercorn_serve(
            create_app(runtime, extra_routes),
            hypercorn_config(runtime.config),
            shutdown_trigger=stop.wait,
        )  # type: ignore[arg-type]
    finally:
        drained = await running.stop()
    return drained


# Objects allocated, net of those freed, before a young-generation collection (Python's
# default is 700). The request path makes no reference cycles, yet with requests in flight
# across plugin calls the live young objects alone swing past 700 all the time, and each of
# those collections walked them for nothing: about 25 us per proxied request at 64
# connections (bench/). Cyclic garbage from elsewhere is still collected, just in larger
# batches.
YOUNG_COLLECTION_THRESHOLD = 50_000


def _tune_garbage_collector() -> None:
    """What is loaded by now (modules, plugins, the configuration) lives as long as the
    process: frozen, the collector's full passes no longer walk it every few thousand
    requests. Then the young generation's threshold goes up (YOUNG_COLLECTION_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def _http_limits(runtime: Runtime) -> Limits:
    plugins = runtime.config.plugins
    return Limits(
        timeout=plugins.host_http_timeout or None,
        max_body=plugins.host_http_max_body_bytes,
        max_streams=plugins.max_http_streams,
    )
